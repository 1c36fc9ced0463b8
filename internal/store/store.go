// Package store defines Gatehouse's storage interface, its sentinel errors
// and (in storetest) the conformance suite every backend must pass.
//
// Backends: store/sqlite (embedded, the default). A PostgreSQL backend plugs
// in by implementing Store and passing storetest. store/cache wraps any
// backend and serves the token path's directory reads from memory.
//
// Rules every backend keeps:
//   - Get/Update of a missing object return ErrNotFound; creating an object
//     whose id or unique key exists returns ErrConflict.
//   - Update methods take a closure that receives the current value and
//     mutates it; the read, the closure and the write are atomic. An error
//     from the closure aborts the update and is returned unchanged. A
//     closure must not call the store (it may deadlock a backend).
//   - Security state (auth requests, codes, refresh tokens, device codes,
//     sessions, portal sign-ins and portal sessions) past its ExpiresAt is
//     treated as missing, and DeleteExpired removes it.
//   - Every directory write that succeeds increments the directory version
//     in the same transaction; writes of security state, portal settings
//     and signing keys, and writes that fail or abort, leave it alone.
//     Caches of directory reads (store/cache) compare it to notice writes
//     made by other processes or replicas sharing the backend.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	// ErrRevoked refuses a write into something revoked (a refresh token
	// family).
	ErrRevoked = errors.New("revoked")
)

// Store is the whole storage interface.
type Store interface {
	Directory
	Grants
	Keys
	Portal
	Audit
	// DeleteExpired removes security state (portal sign-ins and sessions
	// included) whose expiry is at or before now and reports how many
	// records it removed.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
	Close() error
}

// DirectoryReader is the read half of Directory. Every package but the
// registry (internal/registry, the one write path) and the store's own
// wiring gets the directory through this interface, so a write that skips
// the registry's rules does not compile.
type DirectoryReader interface {
	// DirectoryVersion is a counter that every directory write (tenants,
	// applications, service principals, users, groups and memberships, app
	// role assignments, extension properties, policies and their
	// assignments, permission grants, role assignments) increments when it
	// commits. Only changes of the value mean anything: it is not comparable
	// across backends.
	DirectoryVersion(ctx context.Context) (int64, error)

	GetTenant(ctx context.Context, id string) (*directory.Tenant, error)
	// GetTenantByDomain matches the initial domain, case-insensitively.
	GetTenantByDomain(ctx context.Context, domain string) (*directory.Tenant, error)
	ListTenants(ctx context.Context) ([]*directory.Tenant, error)

	GetApplication(ctx context.Context, tenantID, id string) (*directory.Application, error)
	GetApplicationByAppID(ctx context.Context, tenantID, appID string) (*directory.Application, error)
	ListApplications(ctx context.Context, tenantID string) ([]*directory.Application, error)

	GetServicePrincipal(ctx context.Context, tenantID, id string) (*directory.ServicePrincipal, error)
	GetServicePrincipalByAppID(ctx context.Context, tenantID, appID string) (*directory.ServicePrincipal, error)
	// ResourceOwner returns the appId that owns a resource name in the
	// tenant: an application's identifierUris entry or a service
	// principal's servicePrincipalNames entry, compared after
	// directory.NormalizeResourceName. It is one indexed lookup; the names
	// are unique per tenant (see CreateApplication).
	ResourceOwner(ctx context.Context, tenantID, name string) (string, error)
	ListServicePrincipals(ctx context.Context, tenantID string) ([]*directory.ServicePrincipal, error)

	GetUser(ctx context.Context, tenantID, id string) (*directory.User, error)
	GetUserByUPN(ctx context.Context, tenantID, upn string) (*directory.User, error)
	// GetUserByMail matches mail case-insensitively.
	GetUserByMail(ctx context.Context, tenantID, mail string) (*directory.User, error)
	ListUsers(ctx context.Context, tenantID string) ([]*directory.User, error)

	GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error)
	ListGroups(ctx context.Context, tenantID string) ([]*directory.Group, error)
	ListGroupMembers(ctx context.Context, tenantID, groupID string) ([]string, error)
	// ListMemberOf returns the groups the member belongs to directly.
	ListMemberOf(ctx context.Context, tenantID, memberID string) ([]*directory.Group, error)

	ListAppRoleAssignmentsByPrincipal(ctx context.Context, tenantID, principalID string) ([]*directory.AppRoleAssignment, error)
	ListAppRoleAssignmentsByResource(ctx context.Context, tenantID, resourceID string) ([]*directory.AppRoleAssignment, error)

	GetExtensionProperty(ctx context.Context, tenantID, id string) (*directory.ExtensionProperty, error)
	// ListExtensionProperties lists the definitions an application owns, in
	// creation order; appObjectID "" lists the whole tenant's.
	ListExtensionProperties(ctx context.Context, tenantID, appObjectID string) ([]*directory.ExtensionProperty, error)

	GetPolicy(ctx context.Context, tenantID, id string) (*directory.Policy, error)
	// ListPolicies lists a tenant's policies of one kind, in creation order.
	ListPolicies(ctx context.Context, tenantID, kind string) ([]*directory.Policy, error)
	// ListPolicyAssignmentsByObject lists what is assigned to an application
	// or service principal, of one kind ("" = all kinds).
	ListPolicyAssignmentsByObject(ctx context.Context, tenantID, objectID, kind string) ([]*directory.PolicyAssignment, error)
	ListPolicyAssignmentsByPolicy(ctx context.Context, tenantID, policyID string) ([]*directory.PolicyAssignment, error)

	GetPermissionGrant(ctx context.Context, tenantID, id string) (*directory.PermissionGrant, error)
	// ListPermissionGrants lists a tenant's delegated permission grants
	// that match every non-empty field of f, in creation order.
	ListPermissionGrants(ctx context.Context, tenantID string, f PermissionGrantFilter) ([]*directory.PermissionGrant, error)

	GetRoleAssignment(ctx context.Context, tenantID, id string) (*directory.RoleAssignment, error)
	// ListRoleAssignments lists a tenant's directory role assignments that
	// match every non-empty field of f, in creation order.
	ListRoleAssignments(ctx context.Context, tenantID string, f RoleAssignmentFilter) ([]*directory.RoleAssignment, error)
}

// PermissionGrantFilter selects delegated permission grants; empty fields
// match anything. PrincipalID matches Principal grants only.
type PermissionGrantFilter struct {
	ClientID, ResourceID, ConsentType, PrincipalID string
}

// RoleAssignmentFilter selects directory role assignments; empty fields
// match anything.
type RoleAssignmentFilter struct {
	PrincipalID, RoleDefinitionID string
}

// Directory stores the directory objects. Tenant-scoped objects are
// addressed by (tenantID, id).
type Directory interface {
	DirectoryReader

	CreateTenant(ctx context.Context, t *directory.Tenant) error

	// CreateApplication fails with ErrConflict when the id or the appId is
	// taken, or when one of its identifierUris is a resource name another
	// appId owns (ErrResourceNameTaken). UpdateApplication checks the same.
	CreateApplication(ctx context.Context, a *directory.Application) error
	UpdateApplication(ctx context.Context, tenantID, id string, fn func(*directory.Application) error) (*directory.Application, error)
	DeleteApplication(ctx context.Context, tenantID, id string) error

	// CreateServicePrincipal fails with ErrConflict when the id is taken,
	// the tenant already has a service principal for the appId, or one of
	// its servicePrincipalNames is a resource name another appId owns.
	CreateServicePrincipal(ctx context.Context, sp *directory.ServicePrincipal) error
	UpdateServicePrincipal(ctx context.Context, tenantID, id string, fn func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error)
	DeleteServicePrincipal(ctx context.Context, tenantID, id string) error

	// CreateUser fails with ErrConflict when the id or the userPrincipalName
	// (case-insensitive) is taken in the tenant, or the mail
	// (case-insensitive) is another user's. UpdateUser checks the same.
	CreateUser(ctx context.Context, u *directory.User) error
	UpdateUser(ctx context.Context, tenantID, id string, fn func(*directory.User) error) (*directory.User, error)
	// DeleteUser also removes the user's group memberships, app role
	// assignments, role assignments and permission grants.
	DeleteUser(ctx context.Context, tenantID, id string) error

	CreateGroup(ctx context.Context, g *directory.Group) error
	UpdateGroup(ctx context.Context, tenantID, id string, fn func(*directory.Group) error) (*directory.Group, error)
	// DeleteGroup also removes the group's memberships and role assignments.
	DeleteGroup(ctx context.Context, tenantID, id string) error
	// AddGroupMember fails with ErrNotFound when the group does not exist and
	// ErrConflict when the member is already in it.
	AddGroupMember(ctx context.Context, tenantID, groupID, memberID string) error
	RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error

	// CreateAppRoleAssignment fails with ErrConflict when the same
	// (principal, resource, appRole) assignment exists.
	CreateAppRoleAssignment(ctx context.Context, a *directory.AppRoleAssignment) error
	DeleteAppRoleAssignment(ctx context.Context, tenantID, id string) error

	// CreateExtensionProperty fails with ErrConflict when the id or the
	// (tenant, name) is taken.
	CreateExtensionProperty(ctx context.Context, p *directory.ExtensionProperty) error
	DeleteExtensionProperty(ctx context.Context, tenantID, id string) error

	// Policies: claims mapping and token lifetime policies.
	CreatePolicy(ctx context.Context, p *directory.Policy) error
	UpdatePolicy(ctx context.Context, tenantID, id string, fn func(*directory.Policy) error) (*directory.Policy, error)
	// DeletePolicy also removes the policy's assignments.
	DeletePolicy(ctx context.Context, tenantID, id string) error
	// CreatePolicyAssignment fails with ErrConflict when the same policy is
	// already assigned to the object, ErrNotFound when the policy does not exist.
	CreatePolicyAssignment(ctx context.Context, a *directory.PolicyAssignment) error
	DeletePolicyAssignment(ctx context.Context, tenantID, policyID, objectID string) error

	// CreatePermissionGrant fails with ErrConflict when the id is taken or
	// a grant with the same (clientId, consentType, principalId,
	// resourceId) exists.
	CreatePermissionGrant(ctx context.Context, g *directory.PermissionGrant) error
	UpdatePermissionGrant(ctx context.Context, tenantID, id string, fn func(*directory.PermissionGrant) error) (*directory.PermissionGrant, error)
	DeletePermissionGrant(ctx context.Context, tenantID, id string) error

	// CreateRoleAssignment fails with ErrConflict when the id is taken or
	// the same (principal, role definition, directory scope) assignment
	// exists.
	CreateRoleAssignment(ctx context.Context, a *directory.RoleAssignment) error
	DeleteRoleAssignment(ctx context.Context, tenantID, id string) error
}

// ErrResourceNameTaken is the ErrConflict of a write that would give an
// identifier URI or service principal name to a second application. It
// wraps ErrConflict.
var ErrResourceNameTaken = fmt.Errorf("resource name owned by another application: %w", ErrConflict)

// Grants stores the security state of the OAuth flows. Keys are hashes.
type Grants interface {
	CreateAuthRequest(ctx context.Context, r *grant.AuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (*grant.AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error

	CreateAuthCode(ctx context.Context, c *grant.AuthCode) error
	UpdateAuthCode(ctx context.Context, hash string, fn func(*grant.AuthCode) error) (*grant.AuthCode, error)

	// CreateRefreshToken fails with ErrRevoked when the token's family was
	// revoked (DeleteRefreshFamily), so a redemption that races the
	// revocation cannot leave a live token behind.
	CreateRefreshToken(ctx context.Context, t *grant.RefreshToken) error
	UpdateRefreshToken(ctx context.Context, hash string, fn func(*grant.RefreshToken) error) (*grant.RefreshToken, error)
	// DeleteRefreshFamily revokes every refresh token of a family and
	// remembers the family as revoked until until, so later inserts into it
	// fail. It reports how many tokens it removed.
	DeleteRefreshFamily(ctx context.Context, familyID string, until time.Time) (int, error)
	// DeleteRefreshTokensBySession revokes the refresh tokens issued under a
	// sign-in session (sign-out).
	DeleteRefreshTokensBySession(ctx context.Context, sessionID string) (int, error)

	// CreateDeviceCode fails with ErrConflict when the user code is taken.
	CreateDeviceCode(ctx context.Context, d *grant.DeviceCode) error
	UpdateDeviceCode(ctx context.Context, hash string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error)
	UpdateDeviceCodeByUserCode(ctx context.Context, userCode string, fn func(*grant.DeviceCode) error) (*grant.DeviceCode, error)

	CreateSession(ctx context.Context, s *grant.Session) error
	GetSession(ctx context.Context, hash string) (*grant.Session, error)
	DeleteSession(ctx context.Context, hash string) error
}

// Portal stores the state of the cluster portal: exactly the methods of
// portal.Store (internal/portal; cmd/gatehouse asserts at compile time that
// Store satisfies it). Pending sign-ins and sessions are security state keyed
// by hashes, like Grants; settings are per user. Keeping them here rather than
// in process memory lets portal replicas behind one load balancer share
// them. The record types live in portalstate so that this package need not
// import the portal.
type Portal interface {
	// CreatePortalLogin stores a pending sign-in, keyed by StateHash.
	CreatePortalLogin(ctx context.Context, l *portalstate.LoginRequest) error
	// UpdatePortalLogin applies fn to a live sign-in, by StateHash. The
	// callback marks it used; a used one stays until it expires, so a
	// replayed state is recognised as reused rather than unknown.
	UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error)

	// CreatePortalSession stores a new session, keyed by Hash.
	CreatePortalSession(ctx context.Context, s *portalstate.Session) error
	// GetPortalSession returns a live session.
	GetPortalSession(ctx context.Context, hash string) (*portalstate.Session, error)
	// UpdatePortalSession applies fn to a live session (token refresh).
	UpdatePortalSession(ctx context.Context, hash string, fn func(*portalstate.Session) error) (*portalstate.Session, error)
	// DeletePortalSession removes a session, expired or not. Unlike the
	// other deletes, a missing session is not an error: sign-out ends the
	// session whether or not another replica, a second tab or expiry got
	// there first.
	DeletePortalSession(ctx context.Context, hash string) error

	// GetPortalSettings returns a user's settings, keyed by (issuer,
	// subject). Settings never expire. Any strings are keys, empty ones
	// included: the portal's readiness check reads ("", "readyz") and
	// expects ErrNotFound.
	GetPortalSettings(ctx context.Context, issuer, subject string) (*portalstate.Settings, error)
	// UpdatePortalSettings creates or updates a user's settings atomically:
	// fn receives the stored value or, when there is none, a zero Settings
	// with Issuer and Subject set (CreatedAt zero tells it the settings are
	// new). Two first sign-ins racing on replicas both succeed, the second
	// seeing the first's settings. A closure that changes Issuer or Subject
	// is rejected.
	UpdatePortalSettings(ctx context.Context, issuer, subject string, fn func(*portalstate.Settings) error) (*portalstate.Settings, error)
}

// AuditRecord is one entry of a tenant's audit log, shaped like Graph's
// directoryAudit: who did what to which objects, when, and whether it
// worked. It records the Graph operation, never a request body (bodies
// carry passwords and secrets).
type AuditRecord struct {
	TenantID string    `json:"tenantId"`
	ID       string    `json:"id"`
	Time     time.Time `json:"activityDateTime"`
	// Activity says what was done, e.g. "Update application – Manifest".
	Activity string `json:"activityDisplayName"`
	// Operation is the Graph request that did it, e.g.
	// "PATCH /v1.0/applications/{id}".
	Operation string `json:"operation"`
	// Result is "success" or "failure"; ResultReason the error in words.
	Result       string `json:"result"`
	ResultReason string `json:"resultReason,omitempty"`
	// Actor is who made the change: a signed-in user (ActorType "user",
	// with the client application they used in App*), an application
	// acting as itself ("application": App* only), or Gatehouse itself
	// ("system": the seed, the command line).
	ActorType string `json:"actorType"`
	ActorID   string `json:"actorId"`
	ActorName string `json:"actorUserPrincipalName"`
	// AppID and AppName name the client application (its appId and
	// display name), when one made the call.
	AppID   string `json:"appId,omitempty"`
	AppName string `json:"appDisplayName,omitempty"`
	// IPAddress is the caller's address, when the change came over HTTP.
	IPAddress string `json:"ipAddress,omitempty"`
	// Via is the surface the change came through ("Graph API", "admin
	// centre", "sign-in", "command line", "seed").
	Via     string        `json:"via"`
	Targets []AuditTarget `json:"targetResources"`
}

// AuditTarget is an object an audited change touched.
type AuditTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type"` // application, servicePrincipal, user, group, policy
	DisplayName string `json:"displayName"`
}

// AuditReader reads the audit log.
type AuditReader interface {
	// ListAuditRecords returns a tenant's records newest first (by Time; of
	// equal times, the later Create first), at most limit of them (limit <= 0:
	// all). objectID "" lists the whole tenant's; otherwise only the records
	// naming the object among their Targets. The list is never nil.
	ListAuditRecords(ctx context.Context, tenantID, objectID string, limit int) ([]*AuditRecord, error)
}

// Audit stores the audit log. Records are appended and never changed; they
// are not directory data (their writes leave the directory version alone)
// and not security state (they do not expire).
type Audit interface {
	// CreateAuditRecord appends a record; ErrConflict when its (tenant, id)
	// exists.
	CreateAuditRecord(ctx context.Context, r *AuditRecord) error
	AuditReader
}

// Key states. A key is published in JWKS while next or active or retired,
// and signs only while active.
const (
	KeyNext    = "next"
	KeyActive  = "active"
	KeyRetired = "retired"
)

// SigningKey is a persisted token signing key.
type SigningKey struct {
	KID           string    `json:"kid"`
	State         string    `json:"state"`
	PrivateKeyDER []byte    `json:"privateKeyDer"` // PKCS#8
	CertDER       []byte    `json:"certDer"`       // self-signed, for x5c and x5t
	CreatedAt     time.Time `json:"createdAt"`
	// RetireAfter is when a retired key stops being published.
	RetireAfter time.Time `json:"retireAfter"`
}

// Keys stores signing keys.
type Keys interface {
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	ListSigningKeys(ctx context.Context) ([]*SigningKey, error)
	UpdateSigningKey(ctx context.Context, kid string, fn func(*SigningKey) error) (*SigningKey, error)
	DeleteSigningKey(ctx context.Context, kid string) error
}
