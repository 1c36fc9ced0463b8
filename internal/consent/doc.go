// Package consent is the one decision of which delegated permissions a
// client gets for a user on a resource, made from stored grants
// (oAuth2PermissionGrant records), never from what a client's registration
// declares or how a scope string is spelled.
//
// Every path that issues a user's token asks Decide: the authorization
// endpoint (every prompt value), the consent page, the device code page,
// the password grant, refresh tokens. The resource is resolved before the
// decision (every spelling of Microsoft Graph is one service principal),
// so the answer depends only on the records:
//
//   - the permissions named in the request must each be exposed by the
//     resource and granted to the client, for all users (AllPrincipals,
//     admin consent) or for this user (Principal);
//   - `.default`, or a request naming no resource, gets every granted
//     permission of the resource;
//   - the OpenID scopes (openid, profile, email, offline_access) come with
//     any consent to the client: Entra treats consent to any permission as
//     consent to sign in;
//   - anything else is consent required, listing what a consent page would
//     ask for and whether an administrator must give it (a permission of
//     type Admin).
//
// Entra's own behaviour is recorded in shared/entra-facts-security-sdk.md
// (section 2).
package consent
