package directory

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ExtensionProperty is a directory extension definition registered on an
// application (Graph `extensionProperty`). Values live on the target
// objects (User.Extensions) under Name.
type ExtensionProperty struct {
	TenantID               string    `json:"tenantId"`
	ID                     string    `json:"id"`
	AppObjectID            string    `json:"appObjectId"` // owning application's object id
	AppDisplayName         string    `json:"appDisplayName"`
	Name                   string    `json:"name"` // extension_{appIdNoDash}_{name}
	DataType               string    `json:"dataType"`
	IsMultiValued          bool      `json:"isMultiValued"`
	IsSyncedFromOnPremises bool      `json:"isSyncedFromOnPremises"`
	TargetObjects          []string  `json:"targetObjects"`
	CreatedAt              time.Time `json:"createdDateTime"`
}

// Extension data types and target objects Graph accepts.
var (
	ExtensionDataTypes     = []string{"Binary", "Boolean", "DateTime", "Integer", "LargeInteger", "String"}
	ExtensionTargetObjects = []string{"User", "Group", "AdministrativeUnit", "Application", "Device", "Organization"}
)

// MaxExtensionsPerApp is the number of extension definitions one
// application may own.
const MaxExtensionsPerApp = 100

// ExtensionName is the full name Entra gives an extension: extension_,
// the owning app's appId without dashes, _, the name.
func ExtensionName(appID, name string) string {
	return "extension_" + AppIDNoDash(appID) + "_" + name
}

var extensionShortNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// ValidateExtensionProperty checks a new definition (its Name is the short
// name the caller sent, before ExtensionName is applied).
func ValidateExtensionProperty(name, dataType string, targets []string) error {
	p := problems{object: "extensionProperty"}
	switch {
	case name == "":
		p.add("name", "is required")
	case !extensionShortNameRE.MatchString(name):
		p.add("name", "%q must start with a letter and contain only letters, digits and underscores", name)
	case len(name) > 120:
		p.add("name", "is longer than 120 characters")
	}
	if !containsExact(ExtensionDataTypes, dataType) {
		p.add("dataType", "%q is not one of %s", dataType, strings.Join(ExtensionDataTypes, ", "))
	}
	if len(targets) == 0 {
		p.add("targetObjects", "at least one target object is required")
	}
	for i, t := range targets {
		if !containsExact(ExtensionTargetObjects, t) {
			p.add(fmt.Sprintf("targetObjects[%d]", i), "%q is not one of %s", t, strings.Join(ExtensionTargetObjects, ", "))
		}
	}
	return p.err()
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Policy kinds.
const (
	PolicyClaimsMapping = "claimsMappingPolicy"
	PolicyTokenLifetime = "tokenLifetimePolicy"
)

// Policy is a claims mapping or token lifetime policy (Graph
// `claimsMappingPolicy`, `tokenLifetimePolicy`): a JSON definition carried
// as the single string of an array, as Graph does.
type Policy struct {
	TenantID              string    `json:"tenantId"`
	ID                    string    `json:"id"`
	Kind                  string    `json:"kind"`
	DisplayName           string    `json:"displayName"`
	Description           string    `json:"description,omitempty"`
	Definition            []string  `json:"definition"`
	IsOrganizationDefault bool      `json:"isOrganizationDefault"`
	CreatedAt             time.Time `json:"createdDateTime"`
}

// PolicyAssignment links a policy to an application or service principal.
type PolicyAssignment struct {
	TenantID   string    `json:"tenantId"`
	PolicyID   string    `json:"policyId"`
	PolicyKind string    `json:"policyKind"`
	ObjectID   string    `json:"objectId"`   // application or service principal object id
	ObjectType string    `json:"objectType"` // "application" or "servicePrincipal"
	CreatedAt  time.Time `json:"createdDateTime"`
}
