// Package webui is the browser-facing plumbing the admin centre
// (internal/admin) and the cluster portal (internal/portal) share: page
// rendering with the security headers (CSP, nosniff, frame denial, HSTS
// on https), session cookies pinned to the origin with the __Host- prefix,
// the form CSRF check, the sign-in's browser binding and one-use login
// requests (OpenID Connect authorization code flow, state bound to the
// browser), static files, the access log and serving with a graceful
// shutdown. What a surface renders, and which origins its CSP
// allows, stay in its own package.
package webui
