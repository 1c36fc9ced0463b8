package webui

import (
	"net"
	"net/http"
)

// ClientIP is the address the request came from (the TCP peer; Gatehouse
// trusts no forwarding header), for the audit log.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
