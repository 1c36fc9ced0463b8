// Package sqlite is Gatehouse's embedded storage backend and the default. It
// implements store.Store on one SQLite database file through
// modernc.org/sqlite (pure Go, no cgo) and passes store/storetest.
//
// Objects are stored as JSON documents (the encoding/json form of the
// directory and grant types) in a doc column, next to the key columns that
// lookups and unique constraints need. The SQL is plain so that a PostgreSQL
// backend can mirror the schema and the queries; only the connection pragmas
// are SQLite's own.
//
// Concurrency: the database runs in WAL mode, so reads run in parallel on a
// pool of connections while a single writer commits. Every write is a
// transaction begun with BEGIN IMMEDIATE, so a read-modify-write holds the
// write lock from its first read and can never fail half-way on a lock
// upgrade. Writers of one process also queue on a channel before they reach
// SQLite, because SQLite's busy handler sleeps for milliseconds between
// retries where a Go handover takes microseconds; busy_timeout still covers
// other processes sharing the file.
//
// Update closures may not change an object's key (tenant id and id, a
// grant's or portal session's hash, a portal sign-in's state hash, portal
// settings' issuer and subject, a signing key's kid): the row is addressed
// by that key, so such an update is rejected with an error and nothing is
// written. Other unique keys (appId, userPrincipalName, user code) may
// change and return store.ErrConflict when the new value is taken.
//
// Deletes of a missing (or, for security state, expired) object return
// store.ErrNotFound, except DeletePortalSession, which store.Portal defines
// as succeeding for a missing session. Lists are ordered by id (signing keys
// by creation time), except that extension properties, policies and policy
// assignments come in creation order, which a seq column records.
//
// A policy's kind is fixed like its key: an update closure that changes it
// is rejected, because the policy's assignments carry the kind.
//
// Directory version: the directory_version table holds one counter. Every
// write transaction of a directory object increments it just before it
// commits (write with directoryData), so it rolls back with a failed write,
// and every process sharing the file sees it change with the commit.
//
// The reads of the token endpoint (tenant, application and service
// principal by appId, app role assignments by principal, the directory
// version) run as statements prepared once (statements.go); everything else
// passes its SQL text per query.
package sqlite
