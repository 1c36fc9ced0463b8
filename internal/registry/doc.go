// Package registry is the directory service: the one write path for
// directory objects, and the one place that decides who may change what.
//
// Graph, the admin centre, the consent page, the dev seed and the command
// line all change the directory through a Registry, naming the Actor who
// makes the change. Every write method
//
//   - authorizes the actor (Authorize: the permission Microsoft Graph
//     documents for the operation, the actor's directory roles from their
//     role assignments, and the rules for privileged accounts and
//     first-party applications),
//   - validates the result with package directory's rules,
//   - writes it to the store, which enforces uniqueness and single use in
//     its own transactions, and
//   - records the change, or its refusal, in the audit log.
//
// Nothing else holds the writable store: readers get the read-only
// store.DirectoryReader from Reader, so a write that skips these rules does
// not compile. The registry also answers the lookups the token service
// needs (tenant by path segment, resource by identifier, consented roles,
// a user's groups and directory roles).
package registry
