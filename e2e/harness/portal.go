package harness

import (
	"fmt"
	"net/url"
)

// WithDevArgs adds flags to the `gatehouse dev` command line, after the ones
// the harness sets, for example "--cluster-kubeconfig", path. They apply to
// the Start or Restart they are given to only.
func WithDevArgs(args ...string) Option {
	return func(c *runConfig) { c.devArgs = append(c.devArgs, args...) }
}

// portalArgs gives the portal a free port, as the HTTP and HTTPS listeners
// have: the default 127.0.0.1:8090 would make servers of tests running in
// parallel (go test runs packages in parallel) collide. A restart keeps the
// port of the previous process's portal_url, so a browser's page stays on
// the same origin.
func (s *Server) portalArgs() []string {
	addr := "127.0.0.1:0"
	if s.Config.PortalURL != "" {
		if host, err := portalHost(s.Config.PortalURL); err == nil {
			addr = host
		}
	}
	// The admin centre likewise gets a free port, kept across restarts.
	adminAddr := "127.0.0.1:0"
	if s.Config.AdminURL != "" {
		if host, err := portalHost(s.Config.AdminURL); err == nil {
			adminAddr = host
		}
	}
	return []string{"--portal-addr", addr, "--admin-addr", adminAddr}
}

func portalHost(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", fmt.Errorf("portal_url %q has no host", base)
	}
	return u.Host, nil
}
