// Package graph is Gatehouse's Microsoft Graph v1.0-compatible admin API
// under /v1.0/: applications (with extension properties, client secrets,
// token lifetime policies), service principals (app role assignments,
// claims mapping policies), users (with directory extension values),
// groups and memberships, and the claims mapping and token lifetime
// policies under /policies.
//
// It follows Graph's OData conventions: @odata.context, $select, $filter
// (eq), $top with @odata.nextLink, $ref for references, 201/204 as Graph
// answers, and Graph's error object. Every call is authorized from the
// caller's token: app-only tokens by their admin-consented `roles`,
// delegated tokens by the signed-in user's directory role (see auth.go).
// Handlers parse, call package registry, render; they never touch the
// store directly for writes.
package graph
