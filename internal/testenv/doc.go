// Package testenv starts an in-process Gatehouse with the demo tenant for
// tests: a SQLite store in a temporary folder, signing keys, the registry
// seeded by devenv, and server.Handler on an httptest server (plain HTTP or
// TLS) whose public URL is known before the handler is built.
//
// It is for tests only: its helpers fail the test they are given instead of
// returning errors, and the product binary must not import it.
package testenv
