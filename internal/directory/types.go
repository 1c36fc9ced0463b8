package directory

import "time"

// Tenant is a directory (an Entra "organization").
type Tenant struct {
	ID            string    `json:"id"`
	DisplayName   string    `json:"displayName"`
	InitialDomain string    `json:"initialDomain"`
	CreatedAt     time.Time `json:"createdDateTime"`
	// PairwiseSalt keys the per-application `sub` claim. Entra's sub is a
	// pairwise identifier: the same user has a different sub in every app.
	PairwiseSalt []byte `json:"pairwiseSalt"`
}

// Sign-in audiences (application.signInAudience).
const (
	AudienceMyOrg        = "AzureADMyOrg"
	AudienceMultipleOrgs = "AzureADMultipleOrgs"
)

// Group membership claim settings (application.groupMembershipClaims).
const (
	GroupClaimsNone             = "None"
	GroupClaimsSecurityGroup    = "SecurityGroup"
	GroupClaimsApplicationGroup = "ApplicationGroup"
	GroupClaimsDirectoryRole    = "DirectoryRole"
	GroupClaimsAll              = "All"
)

// Application is an app registration (Graph `application`).
type Application struct {
	TenantID               string                   `json:"tenantId"`
	ID                     string                   `json:"id"`    // object id
	AppID                  string                   `json:"appId"` // client id
	DisplayName            string                   `json:"displayName"`
	SignInAudience         string                   `json:"signInAudience"`
	IdentifierURIs         []string                 `json:"identifierUris"`
	Web                    WebApplication           `json:"web"`
	PublicClient           PublicClientApplication  `json:"publicClient"`
	IsFallbackPublicClient bool                     `json:"isFallbackPublicClient"`
	API                    APIApplication           `json:"api"`
	GroupMembershipClaims  string                   `json:"groupMembershipClaims,omitempty"`
	OptionalClaims         OptionalClaims           `json:"optionalClaims"`
	RequiredResourceAccess []RequiredResourceAccess `json:"requiredResourceAccess"`
	PasswordCredentials    []PasswordCredential     `json:"passwordCredentials"`
	CreatedAt              time.Time                `json:"createdDateTime"`
}

// WebApplication holds the Web platform settings.
type WebApplication struct {
	RedirectURIs          []string `json:"redirectUris"`
	LogoutURL             string   `json:"logoutUrl,omitempty"`
	EnableIDTokenIssuance bool     `json:"enableIdTokenIssuance"`
}

// PublicClientApplication holds the mobile/desktop platform settings.
type PublicClientApplication struct {
	RedirectURIs []string `json:"redirectUris"`
}

// APIApplication is the `api` facet of an application.
type APIApplication struct {
	// AcceptMappedClaims gates claims mapping policies (AADSTS50146 without it).
	AcceptMappedClaims *bool `json:"acceptMappedClaims"`
	// RequestedAccessTokenVersion is 1, 2 or nil (= 1).
	RequestedAccessTokenVersion *int `json:"requestedAccessTokenVersion"`
	// OAuth2PermissionScopes are the delegated permissions the app's API
	// exposes ("Expose an API"); its service principal carries a copy.
	OAuth2PermissionScopes []PermissionScope `json:"oauth2PermissionScopes,omitempty"`
}

// OptionalClaims lists extra claims per token type.
type OptionalClaims struct {
	IDToken     []OptionalClaim `json:"idToken"`
	AccessToken []OptionalClaim `json:"accessToken"`
	Saml2Token  []OptionalClaim `json:"saml2Token"`
}

// OptionalClaim is one entry of optionalClaims.
type OptionalClaim struct {
	Name                 string   `json:"name"`
	Source               *string  `json:"source"`
	Essential            bool     `json:"essential"`
	AdditionalProperties []string `json:"additionalProperties"`
}

// RequiredResourceAccess declares (not grants) permissions on a resource.
type RequiredResourceAccess struct {
	ResourceAppID  string           `json:"resourceAppId"`
	ResourceAccess []ResourceAccess `json:"resourceAccess"`
}

// ResourceAccess is one declared permission: Type "Role" (application
// permission) or "Scope" (delegated permission).
type ResourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// PasswordCredential is a client secret. Only a hash of the secret is kept;
// the secret itself is shown once, when it is created.
type PasswordCredential struct {
	KeyID         string    `json:"keyId"`
	DisplayName   string    `json:"displayName"`
	Hint          string    `json:"hint"` // first three characters, as Graph shows
	SecretHash    []byte    `json:"secretHash"`
	StartDateTime time.Time `json:"startDateTime"`
	EndDateTime   time.Time `json:"endDateTime"`
}

// AppRole is a role a resource application exposes (for Microsoft Graph, its
// application permissions).
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// PermissionScope is a delegated permission a resource exposes.
type PermissionScope struct {
	ID        string `json:"id"`
	Value     string `json:"value"`
	Type      string `json:"type"` // "User" or "Admin"
	IsEnabled bool   `json:"isEnabled"`
	// The consent texts: what the consent page shows an administrator and
	// a user.
	AdminConsentDisplayName string `json:"adminConsentDisplayName,omitempty"`
	AdminConsentDescription string `json:"adminConsentDescription,omitempty"`
	UserConsentDisplayName  string `json:"userConsentDisplayName,omitempty"`
	UserConsentDescription  string `json:"userConsentDescription,omitempty"`
}

// ServicePrincipal is the tenant-local instance of an application (an
// "enterprise application").
type ServicePrincipal struct {
	TenantID                  string            `json:"tenantId"`
	ID                        string            `json:"id"`
	AppID                     string            `json:"appId"`
	DisplayName               string            `json:"displayName"`
	AppOwnerOrganizationID    string            `json:"appOwnerOrganizationId"`
	ServicePrincipalNames     []string          `json:"servicePrincipalNames"`
	AppRoles                  []AppRole         `json:"appRoles"`
	OAuth2PermissionScopes    []PermissionScope `json:"oauth2PermissionScopes"`
	AppRoleAssignmentRequired bool              `json:"appRoleAssignmentRequired"`
	AccountEnabled            bool              `json:"accountEnabled"`
	CreatedAt                 time.Time         `json:"createdDateTime"`
}

// AppRoleAssignment grants an app role of a resource service principal to a
// principal. For application permissions this is what admin consent creates.
type AppRoleAssignment struct {
	TenantID      string    `json:"tenantId"`
	ID            string    `json:"id"`
	PrincipalID   string    `json:"principalId"`
	PrincipalType string    `json:"principalType"` // ServicePrincipal, User, Group
	ResourceID    string    `json:"resourceId"`    // resource service principal object id
	AppRoleID     string    `json:"appRoleId"`
	CreatedAt     time.Time `json:"createdDateTime"`
}

// User is a directory user.
type User struct {
	TenantID          string    `json:"tenantId"`
	ID                string    `json:"id"`
	UserPrincipalName string    `json:"userPrincipalName"`
	Mail              string    `json:"mail,omitempty"`
	DisplayName       string    `json:"displayName"`
	GivenName         string    `json:"givenName,omitempty"`
	Surname           string    `json:"surname,omitempty"`
	AccountEnabled    bool      `json:"accountEnabled"`
	PasswordHash      string    `json:"passwordHash,omitempty"`
	CreatedAt         time.Time `json:"createdDateTime"`
	// Extensions holds directory extension values keyed by the full
	// extension name (extension_{appIdNoDash}_{name}).
	Extensions map[string]any `json:"extensions,omitempty"`
	// DirectoryRoles lists role template ids (for example Global
	// Administrator) of stores written before roles were assignments; the
	// registry turns them into RoleAssignment records and clears them.
	DirectoryRoles []string `json:"directoryRoles,omitempty"`
	// SignInSessionsValidFrom is when the user's sessions and refresh
	// tokens were last revoked (revokeSignInSessions, a password reset):
	// anything issued before it is refused. Zero: never.
	SignInSessionsValidFrom time.Time `json:"signInSessionsValidFromDateTime,omitzero"`
}

// Group is a directory group.
type Group struct {
	TenantID        string `json:"tenantId"`
	ID              string `json:"id"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description,omitempty"`
	MailNickname    string `json:"mailNickname"`
	SecurityEnabled bool   `json:"securityEnabled"`
	MailEnabled     bool   `json:"mailEnabled"`
	// IsAssignableToRole marks a group that may hold directory roles; it is
	// set at creation and never changes (Entra).
	IsAssignableToRole bool      `json:"isAssignableToRole,omitempty"`
	CreatedAt          time.Time `json:"createdDateTime"`
}

// Consent types of a delegated permission grant.
const (
	// ConsentAllPrincipals is admin consent: the grant applies to every user.
	ConsentAllPrincipals = "AllPrincipals"
	// ConsentPrincipal is one user's consent: it applies to that user only.
	ConsentPrincipal = "Principal"
)

// PermissionGrant is a delegated permission grant (Graph
// oAuth2PermissionGrant): the record that a client may act for users
// (AllPrincipals) or for one user (Principal) with the listed delegated
// permissions of one resource. Entra decides a token's `scp` from these
// records, never from what the client's registration declares.
type PermissionGrant struct {
	TenantID string `json:"tenantId"`
	ID       string `json:"id"`
	// ClientID is the object id of the client's service principal.
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	// PrincipalID is the user's object id for Principal grants, else empty.
	PrincipalID string `json:"principalId,omitempty"`
	// ResourceID is the object id of the resource's service principal.
	ResourceID string `json:"resourceId"`
	// Scope is the granted permission values, space-separated, as Graph
	// spells them (the resource's oauth2PermissionScopes values).
	Scope     string    `json:"scope"`
	CreatedAt time.Time `json:"createdDateTime"`
}

// RoleAssignment grants a directory role (Graph unifiedRoleAssignment) to
// a user, a role-assignable group or a service principal, tenant-wide
// (directoryScopeId "/").
type RoleAssignment struct {
	TenantID string `json:"tenantId"`
	ID       string `json:"id"`
	// RoleDefinitionID is the role's template id (RoleGlobalAdministrator…).
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	// PrincipalType is User, Group or ServicePrincipal.
	PrincipalType    string    `json:"principalType"`
	DirectoryScopeID string    `json:"directoryScopeId"`
	CreatedAt        time.Time `json:"createdDateTime"`
}
