// Package devenv prepares `gatehouse dev`: a local certificate authority and
// server certificate for the HTTPS listener, the demo tenant seeded on first
// start (fixed ids, so scripts and docs can name them), and dev.json, which
// tells scripts and CI how to reach and drive the running server.
package devenv
