package storetest

import (
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Fixtures fill every kind of field (slices, maps, pointers, bytes, times),
// so round trips and copy checks cover them all. Each constructor returns a
// new value on every call: calling it again gives the expected value after
// the first one was stored and mutated.

const (
	tenantA = "aaaaaaaa-0000-0000-0000-00000000000a"
	tenantB = "bbbbbbbb-0000-0000-0000-00000000000b"
)

var created = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// live is an expiry an hour ahead; expired one an hour past. Both are
// rounded to microseconds and carry no monotonic reading, so they compare
// equal after a round trip.
func live() time.Time    { return time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond) }
func expired() time.Time { return time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond) }

func newTenant(id, domain string) *directory.Tenant {
	return &directory.Tenant{
		ID:            id,
		DisplayName:   "Tenant " + id,
		InitialDomain: domain,
		CreatedAt:     created,
		PairwiseSalt:  []byte("salt-" + id),
	}
}

func newApplication(tenantID, id, appID string) *directory.Application {
	version, accept, source := 2, true, "user"
	return &directory.Application{
		TenantID:       tenantID,
		ID:             id,
		AppID:          appID,
		DisplayName:    "App " + id,
		SignInAudience: directory.AudienceMyOrg,
		IdentifierURIs: []string{"api://" + appID},
		Web: directory.WebApplication{
			RedirectURIs:          []string{"https://app.example/signin-oidc"},
			EnableIDTokenIssuance: true,
		},
		PublicClient: directory.PublicClientApplication{RedirectURIs: []string{"http://localhost"}},
		API: directory.APIApplication{
			AcceptMappedClaims:          &accept,
			RequestedAccessTokenVersion: &version,
		},
		GroupMembershipClaims: directory.GroupClaimsSecurityGroup,
		OptionalClaims: directory.OptionalClaims{
			IDToken: []directory.OptionalClaim{{Name: "email", Source: &source, Essential: true, AdditionalProperties: []string{"emit_as_roles"}}},
		},
		RequiredResourceAccess: []directory.RequiredResourceAccess{{
			ResourceAppID:  "00000003-0000-0000-c000-000000000000",
			ResourceAccess: []directory.ResourceAccess{{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Type: "Scope"}},
		}},
		PasswordCredentials: []directory.PasswordCredential{{
			KeyID:         "key-" + id,
			DisplayName:   "ci",
			Hint:          "abc",
			SecretHash:    []byte{0x01, 0x02, 0x03},
			StartDateTime: created,
			EndDateTime:   created.AddDate(1, 0, 0),
		}},
		CreatedAt: created,
	}
}

func newServicePrincipal(tenantID, id, appID string) *directory.ServicePrincipal {
	return &directory.ServicePrincipal{
		TenantID:               tenantID,
		ID:                     id,
		AppID:                  appID,
		DisplayName:            "SP " + id,
		AppOwnerOrganizationID: tenantID,
		ServicePrincipalNames:  []string{appID, "api://" + appID},
		AppRoles: []directory.AppRole{{
			ID:                 "role-1",
			Value:              "Things.Read",
			DisplayName:        "Read things",
			AllowedMemberTypes: []string{"User", "Application"},
			IsEnabled:          true,
		}},
		OAuth2PermissionScopes: []directory.PermissionScope{{ID: "scope-1", Value: "user_impersonation", Type: "User", IsEnabled: true}},
		AccountEnabled:         true,
		CreatedAt:              created,
	}
}

func newUser(tenantID, id, upn string) *directory.User {
	return &directory.User{
		TenantID:          tenantID,
		ID:                id,
		UserPrincipalName: upn,
		Mail:              upn,
		DisplayName:       "User " + id,
		GivenName:         "Given",
		Surname:           "Surname",
		AccountEnabled:    true,
		PasswordHash:      "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedAt:         created,
		// JSON numbers decode as float64, so that is what a round trip keeps.
		Extensions:     map[string]any{"extension_0123_costCenter": "cc-42", "extension_0123_level": float64(3)},
		DirectoryRoles: []string{"62e90394-69f5-4237-9190-012177145e10"},
	}
}

func newGroup(tenantID, id string) *directory.Group {
	return &directory.Group{
		TenantID:        tenantID,
		ID:              id,
		DisplayName:     "Group " + id,
		Description:     "members of " + id,
		MailNickname:    id,
		SecurityEnabled: true,
		CreatedAt:       created,
	}
}

func newAssignment(tenantID, id, principalID, resourceID, appRoleID string) *directory.AppRoleAssignment {
	return &directory.AppRoleAssignment{
		TenantID:      tenantID,
		ID:            id,
		PrincipalID:   principalID,
		PrincipalType: "User",
		ResourceID:    resourceID,
		AppRoleID:     appRoleID,
		CreatedAt:     created,
	}
}

// Extension names as Entra builds them: extension_, the owning app's appId
// without dashes, _, the name the caller chose.
const (
	extCostCenter = "extension_0123456789abcdef0123456789abcdef_costCenter"
	extLevel      = "extension_0123456789abcdef0123456789abcdef_level"
	extNamespace  = "extension_fedcba9876543210fedcba9876543210_namespace"
)

func newExtensionProperty(tenantID, id, appObjectID, name string) *directory.ExtensionProperty {
	return &directory.ExtensionProperty{
		TenantID:       tenantID,
		ID:             id,
		AppObjectID:    appObjectID,
		AppDisplayName: "App " + appObjectID,
		Name:           name,
		DataType:       "String",
		IsMultiValued:  true,
		TargetObjects:  []string{"User", "Group"},
		CreatedAt:      created,
	}
}

// newPolicy returns a policy whose definition has the shape of its kind.
func newPolicy(tenantID, id, kind string) *directory.Policy {
	definition := `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[{"Source":"user","ID":"employeeid","JwtClaimType":"employee_id"}]}}`
	if kind == directory.PolicyTokenLifetime {
		definition = `{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"02:00:00"}}`
	}
	return &directory.Policy{
		TenantID:    tenantID,
		ID:          id,
		Kind:        kind,
		DisplayName: "Policy " + id,
		Description: "policy " + id,
		Definition:  []string{definition},
		CreatedAt:   created,
	}
}

func newPolicyAssignment(tenantID, policyID, kind, objectID, objectType string) *directory.PolicyAssignment {
	return &directory.PolicyAssignment{
		TenantID:   tenantID,
		PolicyID:   policyID,
		PolicyKind: kind,
		ObjectID:   objectID,
		ObjectType: objectType,
		CreatedAt:  created,
	}
}

func flow() grant.Flow {
	return grant.Flow{TenantID: tenantA, Issuer: "https://login.example/" + tenantA + "/v2.0", Version: 2}
}

func newAuthRequest(id string, expiresAt time.Time) *grant.AuthRequest {
	return &grant.AuthRequest{
		ID:                  id,
		Flow:                flow(),
		ClientID:            "client-1",
		RedirectURI:         "https://app.example/signin-oidc",
		ResponseMode:        "query",
		State:               "state-1",
		Nonce:               "nonce-1",
		Scope:               "openid profile",
		CodeChallenge:       "challenge",
		CodeChallengeMethod: "S256",
		Extra:               map[string]string{"prompt": "login"},
		ExpiresAt:           expiresAt,
	}
}

func newAuthCode(hash string, expiresAt time.Time) *grant.AuthCode {
	return &grant.AuthCode{
		Hash:                hash,
		Flow:                flow(),
		ClientID:            "client-1",
		RedirectURI:         "https://app.example/signin-oidc",
		UserID:              "user-1",
		SessionID:           "session-1",
		Scope:               "openid offline_access",
		Nonce:               "nonce-1",
		CodeChallenge:       "challenge",
		CodeChallengeMethod: "S256",
		AuthTime:            created,
		ExpiresAt:           expiresAt,
	}
}

func newRefreshToken(hash, familyID, sessionID string, expiresAt time.Time) *grant.RefreshToken {
	return &grant.RefreshToken{
		Hash:      hash,
		FamilyID:  familyID,
		Flow:      flow(),
		ClientID:  "client-1",
		UserID:    "user-1",
		SessionID: sessionID,
		Scope:     "openid offline_access",
		AuthTime:  created,
		IssuedAt:  created,
		ExpiresAt: expiresAt,
	}
}

func newDeviceCode(hash, userCode string, expiresAt time.Time) *grant.DeviceCode {
	return &grant.DeviceCode{
		Hash:      hash,
		UserCode:  userCode,
		Flow:      flow(),
		ClientID:  "client-1",
		Scope:     "openid",
		Status:    grant.DevicePending,
		Interval:  5,
		ExpiresAt: expiresAt,
	}
}

func newSession(hash string, expiresAt time.Time) *grant.Session {
	return &grant.Session{
		Hash:      hash,
		ID:        "sid-" + hash,
		TenantID:  tenantA,
		UserID:    "user-1",
		AuthTime:  created,
		Methods:   []string{"pwd"},
		ExpiresAt: expiresAt,
	}
}

func newSigningKey(kid, state string, createdAt time.Time) *store.SigningKey {
	return &store.SigningKey{
		KID:           kid,
		State:         state,
		PrivateKeyDER: []byte("private-" + kid),
		CertDER:       []byte("cert-" + kid),
		CreatedAt:     createdAt,
		RetireAfter:   createdAt.AddDate(0, 3, 0),
	}
}

// portalIssuer is the issuer of the portal fixtures' users.
const portalIssuer = "https://login.example/" + tenantA + "/v2.0"

func newPortalLogin(stateHash string, expiresAt time.Time) *portalstate.LoginRequest {
	return &portalstate.LoginRequest{
		StateHash:    stateHash,
		BrowserHash:  "browser-" + stateHash,
		Nonce:        "nonce-1",
		PKCEVerifier: "verifier-1",
		ReturnTo:     "/account",
		CreatedAt:    created,
		ExpiresAt:    expiresAt,
	}
}

func newPortalSession(hash string, expiresAt time.Time) *portalstate.Session {
	refreshed := created.Add(time.Minute)
	return &portalstate.Session{
		Hash:               hash,
		ID:                 "psid-" + hash,
		Issuer:             portalIssuer,
		Subject:            "alice",
		CSRFToken:          "csrf-" + hash,
		IDToken:            "id-token",
		IDTokenExp:         created.Add(time.Hour),
		AccessToken:        "access-token",
		RefreshToken:       "refresh-token",
		IDTokenIssuedAt:    created,
		RefreshLease:       "lease-1",
		RefreshLeaseUntil:  created.Add(30 * time.Second),
		NoIDTokenOnRefresh: true,
		Profile: portalstate.Profile{
			Name:                  "Alice",
			Username:              "alice@contoso.com",
			Email:                 "alice@contoso.com",
			Picture:               "https://cdn.example/alice.png",
			Groups:                []string{"developers"},
			Namespaces:            []string{"team-a", "team-b"},
			NamespaceClaimPresent: true,
		},
		AuthenticatedAt: created,
		RefreshedAt:     &refreshed,
		ExpiresAt:       expiresAt,
	}
}

func newPortalSettings(issuer, subject string) *portalstate.Settings {
	return &portalstate.Settings{
		Issuer:                 issuer,
		Subject:                subject,
		DefaultNamespace:       "team-a",
		DefaultNamespaceSource: portalstate.SourceClaim,
		AllowedNamespaces: []portalstate.AllowedNamespace{
			{Name: "team-a", Source: portalstate.SourceClaim},
			{Name: "platform", Source: portalstate.SourceDeployment},
		},
		LastClaim:             []string{"team-a"},
		LastDeploymentDefault: "platform",
		CreatedAt:             created,
		UpdatedAt:             created.Add(time.Minute),
	}
}
