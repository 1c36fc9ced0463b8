package doctor

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

const titleDiscovery = "Discovery document and issuer"

// checkDiscovery fetches the issuer's metadata the way kubelogin (go-oidc)
// and the API server do, and requires its issuer to equal the one given.
func (d *doctor) checkDiscovery(ctx context.Context) []Check {
	iss := d.cfg.Issuer
	where := inspect.DiscoveryURL(iss)
	doc, err := inspect.FetchDiscovery(ctx, d.cfg.Client, iss)
	if err != nil {
		c := problem("discovery", titleDiscovery, "Could not read the discovery document: %v.", err).
			detail("kubelogin and the Kubernetes API server fetch %s (the issuer without its trailing slash, plus /.well-known/openid-configuration) and fail the same way.", where)
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return []Check{c.fix("the issuer's TLS certificate is signed by a private CA: pass its certificate with --ca-file (kubelogin: --certificate-authority).")}
		}
		return []Check{c.fix("check the issuer URL. Entra v1 (the guide's): https://sts.windows.net/{tenant-id}/ ; Entra v2: https://login.microsoftonline.com/{tenant-id}/v2.0 ;\nGatehouse: <base URL>/{tenant-id}/ or <base URL>/{tenant-id}/v2.0 (gatehouse dev prints both).")}
	}
	d.discovery = doc
	if doc.Issuer != iss {
		c := problem("discovery", titleDiscovery, "The discovery document's issuer is %q, but the issuer given is %q.", doc.Issuer, iss).
			detail("kubelogin (go-oidc) and the Kubernetes API server require the two to be equal byte for byte, and the token's iss to equal them too.")
		c = explainIssuerMismatch(c, iss, doc.Issuer)
		return []Check{c.fix("use exactly %s as the issuer (kubelogin --oidc-issuer-url and the API server's issuer url).", doc.Issuer)}
	}
	c := passed("discovery", titleDiscovery, "%s answers and names exactly this issuer.", where)
	if strings.HasSuffix(iss, "/") {
		c = c.detail("This is a v1 issuer (trailing slash): its tokens come from %s and carry iss %s.", doc.TokenEndpoint, iss)
	} else {
		c = c.detail("This is a v2 issuer (no trailing slash): its tokens come from %s and carry iss %s.", doc.TokenEndpoint, iss)
	}
	return []Check{c}
}

// explainIssuerMismatch adds what the usual mismatches mean.
func explainIssuerMismatch(c Check, given, doc string) Check {
	g, errG := url.Parse(given)
	m, errM := url.Parse(doc)
	switch {
	case strings.TrimSuffix(given, "/") == strings.TrimSuffix(doc, "/") && strings.HasSuffix(doc, "/"):
		c = c.detail("They differ only in the trailing slash. Entra's v1 issuer is https://sts.windows.net/{tenant-id}/ and ends with a slash; keep it.")
	case strings.TrimSuffix(given, "/") == strings.TrimSuffix(doc, "/"):
		c = c.detail("They differ only in the trailing slash. Entra's v2 issuer https://login.microsoftonline.com/{tenant-id}/v2.0 has none; drop it.")
	case errG == nil && errM == nil && strings.EqualFold(g.Hostname(), "login.microsoftonline.com") && strings.EqualFold(m.Hostname(), "sts.windows.net"):
		c = c.detail("The v1 metadata on login.microsoftonline.com names the issuer https://sts.windows.net/{tenant-id}/: that is what v1 tokens carry in iss. " +
			"Use the sts.windows.net form (as the guide does), or the v2 issuer https://login.microsoftonline.com/{tenant-id}/v2.0 with v2 tokens.")
	case errG == nil && errM == nil && !strings.EqualFold(g.Host, m.Host):
		c = c.detail("The hosts differ: the server does not know itself by the host used here (for Gatehouse, add this URL to public_urls).")
	}
	return c
}
