// Package keys manages Gatehouse's token signing keys: RSA-2048 keys created
// on first start and persisted in the store, a JWKS document (kid, x5t and a
// self-signed x5c, as Entra publishes), and rotation that publishes the next
// key one rotation before it starts signing, so relying parties that cache
// JWKS already know a key when the first token signed by it arrives.
package keys
