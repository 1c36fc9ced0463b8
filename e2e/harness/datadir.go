package harness

// DataDir returns the server's data directory (--data): its dev.json, its
// store and its signing keys. Tests run other gatehouse commands against it,
// such as `gatehouse keys rotate --data DIR`, and pass DataDir()/dev.json to
// the generators that take --dev-json.
func (s *Server) DataDir() string { return s.dataDir }
