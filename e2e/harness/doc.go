// Package harness runs a real gatehouse binary for end-to-end tests.
//
// A test package calls Main from its TestMain; its tests then call Start to
// get a freshly built `gatehouse dev` server on free loopback ports with its
// own data directory. The server is stopped in t.Cleanup whatever the
// outcome, and the tail of its log is printed when the test failed.
//
// The contract it drives is the one `gatehouse dev` documents: the server
// writes DIR/dev.json once its listeners are ready and answers GET /healthz.
package harness
