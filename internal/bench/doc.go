// Package bench measures how fast Gatehouse issues tokens, for
// `gatehouse bench` and docs/PERFORMANCE.md.
//
// It holds the parts of the load tool that do not depend on flags: the
// bounded load runner (N concurrent callers for a fixed time and at most a
// fixed number of requests), latency percentiles, the token request a caller
// sends, the raw RS256 signing rate the results are compared with, readers
// of a process's CPU time and memory from /proc, a dev server run as a child
// process (so its CPU time is its own), and the report with its checks
// against the targets.
//
// Load is only ever sent to loopback addresses (127.0.0.0/8, ::1,
// localhost): CheckLoopbackURL refuses anything else and the HTTP client
// refuses to dial it.
package bench
