package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/admin"
	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/portal"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

func runDev(ctx context.Context, args []string) error {
	started := time.Now()
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, "./gatehouse-data")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "plain HTTP listener (browsers, kubelogin, curl)")
	httpsAddr := fs.String("https-addr", "127.0.0.1:8443", "HTTPS listener with the local CA (MSAL, Azure SDKs, kube-apiserver)")
	reset := fs.Bool("reset", false, "delete the data directory's contents and seed again")
	portalAddr := fs.String("portal-addr", "127.0.0.1:8090", "the portal's listener (\"\" to run without the portal)")
	adminAddr := fs.String("admin-addr", "127.0.0.1:8091", "the admin centre's listener (\"\" to run without it)")
	clusterKubeconfig := fs.String("cluster-kubeconfig", "", "kubeconfig of a dev cluster for the portal (its server and CA; users' own tokens are used); the cluster must trust the HTTPS issuer with the portal's client id as an audience")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	if *reset {
		if err := devenv.RemoveData(c.data); err != nil {
			return fmt.Errorf("--reset: %w", err)
		}
	}
	clock := c.clock()
	st, km, err := openStore(ctx, c.data, clock, log)
	if err != nil {
		return err
	}
	defer st.Close()
	os.Remove(filepath.Join(c.data, "dev.json")) // stale until the listeners are up
	reg := registry.New(st, clock, registry.WithLogger(log))
	secrets, err := devenv.Seed(ctx, reg, c.data)
	if err != nil {
		return err
	}
	// Seeding hashes passwords with argon2id (19 MiB each); hand that memory
	// back now rather than minutes later, so an idle server stays small.
	debug.FreeOSMemory()
	ca, err := devenv.LoadOrCreateCA(c.data, time.Now())
	if err != nil {
		return fmt.Errorf("local CA: %w", err)
	}
	cert, err := ca.ServerCertificate(time.Now())
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	plain, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("--http-addr: %w", err)
	}
	secure, err := net.Listen("tcp", *httpsAddr)
	if err != nil {
		plain.Close()
		return fmt.Errorf("--https-addr: %w", err)
	}
	listeners := []server.Listener{
		{Net: plain},
		{Net: secure, TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}},
	}
	httpBase, httpsBase := listeners[0].BaseURL(), listeners[1].BaseURL()
	var portalLn net.Listener
	if *portalAddr != "" {
		if portalLn, err = net.Listen("tcp", *portalAddr); err != nil {
			plain.Close()
			secure.Close()
			return fmt.Errorf("--portal-addr: %w", err)
		}
	}
	var adminLn net.Listener
	if *adminAddr != "" {
		if adminLn, err = net.Listen("tcp", *adminAddr); err != nil {
			plain.Close()
			secure.Close()
			if portalLn != nil {
				portalLn.Close()
			}
			return fmt.Errorf("--admin-addr: %w", err)
		}
	}
	publicURLs := []string{httpBase, httpsBase, localhostAlias(httpBase), localhostAlias(httpsBase)}
	dj := devenv.DevJSON{
		HTTPBaseURL: httpBase, HTTPSBaseURL: httpsBase, CAFile: absPath(ca.CertFile),
		TenantID: devenv.TenantID, TenantDomain: devenv.TenantDomain, ClientID: devenv.AppClientID,
		ClientSecret: secrets.ClientSecret, ApplicationObjectID: devenv.AppObjectID,
		ServicePrincipalID: devenv.AppSPID, GraphServicePrincipalID: devenv.GraphSPID,
		IssuerV1: token.Issuer(httpsBase, devenv.TenantID, 1), IssuerV2: token.Issuer(httpsBase, devenv.TenantID, 2),
		Users: secrets.Users,
	}
	cfg := server.Config{Store: st, Registry: reg, Keys: km, Logger: log, Clock: clock, PublicURLs: publicURLs, KeyRefresh: c.keyRefresh}
	// Build the handler before announcing, so dev.json appears only when
	// the server can answer.
	if _, err := server.Handler(cfg); err != nil {
		return err
	}
	if portalLn != nil {
		portalBase := "http://" + portalLn.Addr().String()
		p, err := startDevPortal(ctx, reg, st, c.data, log, clock, dj, portalBase, *clusterKubeconfig)
		if err != nil {
			return fmt.Errorf("portal: %w", err)
		}
		go func() {
			if err := p.Serve(ctx, portalLn, nil); err != nil {
				log.Error("portal stopped", "err", err)
			}
		}()
		dj.PortalURL = portalBase
		dj.PortalClientID = devenv.PortalClientID
	}
	if adminLn != nil {
		adminBase := "http://" + adminLn.Addr().String()
		a, err := startDevAdmin(ctx, cfg, dj, adminBase)
		if err != nil {
			return fmt.Errorf("admin centre: %w", err)
		}
		go func() {
			if err := a.Serve(ctx, adminLn, nil); err != nil {
				log.Error("admin centre stopped", "err", err)
			}
		}()
		dj.AdminURL = adminBase
	}
	path, err := devenv.WriteDevJSON(c.data, dj)
	if err != nil {
		return fmt.Errorf("write dev.json: %w", err)
	}
	printDevBanner(dj, path, time.Since(started))
	return server.Run(ctx, cfg, listeners)
}

// localhostAlias spells a 127.0.0.1 base URL with localhost, which browsers
// and kubelogin users often type.
func localhostAlias(base string) string {
	return strings.Replace(base, "127.0.0.1", "localhost", 1)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func printDevBanner(d devenv.DevJSON, path string, took time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nGatehouse dev is running (ready in %s)\n\n", took.Round(time.Millisecond))
	fmt.Fprintf(&b, "  HTTP            %s\n", d.HTTPBaseURL)
	fmt.Fprintf(&b, "  HTTPS           %s   (CA: %s)\n", d.HTTPSBaseURL, d.CAFile)
	if d.PortalURL != "" {
		fmt.Fprintf(&b, "  Portal          %s   (sign in as a demo user)\n", d.PortalURL)
	}
	if d.AdminURL != "" {
		fmt.Fprintf(&b, "  Admin centre    %s   (sign in as a Global Administrator, e.g. adele@%s)\n", d.AdminURL, d.TenantDomain)
	}
	fmt.Fprintf(&b, "  Tenant          %s  (%s)\n", d.TenantID, d.TenantDomain)
	fmt.Fprintf(&b, "  Issuer v1       %s\n", token.Issuer(d.HTTPBaseURL, d.TenantID, 1))
	fmt.Fprintf(&b, "  Issuer v2       %s\n", token.Issuer(d.HTTPBaseURL, d.TenantID, 2))
	fmt.Fprintf(&b, "  App 'eks'       client id %s\n", d.ClientID)
	fmt.Fprintf(&b, "                  secret    %s\n", d.ClientSecret)
	fmt.Fprintf(&b, "                  object id %s\n", d.ApplicationObjectID)
	for _, u := range d.Users {
		fmt.Fprintf(&b, "  User            %-28s password %s\n", u.UserPrincipalName, u.Password)
	}
	fmt.Fprintf(&b, "\n  kubelogin get-token --oidc-issuer-url=%s --oidc-client-id=%s --oidc-client-secret=%s --force-refresh\n",
		token.Issuer(d.HTTPBaseURL, d.TenantID, 1), d.ClientID, d.ClientSecret)
	fmt.Fprintf(&b, "\n  Machine-readable: %s\n\n", path)
	fmt.Fprint(os.Stdout, b.String())
}

// startDevAdmin builds the admin centre of `gatehouse dev`: its app
// registration in the demo tenant, pointed at the admin listener, signing
// in through the HTTP issuer (no certificate warning in browsers) and
// making its changes through an in-process Graph.
func startDevAdmin(ctx context.Context, cfg server.Config, dj devenv.DevJSON, adminBase string) (*admin.Server, error) {
	if _, err := devenv.EnsureAdminCentre(ctx, cfg.Registry, devenv.TenantID, []string{adminBase, localhostAlias(adminBase)}); err != nil {
		return nil, err
	}
	g, err := graph.New(graph.Config{Registry: cfg.Registry, Keys: cfg.Keys, Logger: cfg.Logger, Clock: cfg.Clock, PublicURLs: cfg.PublicURLs})
	if err != nil {
		return nil, err
	}
	return admin.New(admin.Config{LoginBaseURL: dj.HTTPBaseURL, PublicURL: adminBase, ClientID: devenv.AdminCentreClientID,
		DefaultTenant: devenv.TenantDomain, Registry: cfg.Registry, Graph: g, Store: cfg.Store,
		Logger: cfg.Logger.With("part", "admin"), Clock: cfg.Clock})
}

// startDevPortal builds the portal of `gatehouse dev`: its own app
// registration in the demo tenant, the demo claims, and the dev cluster when
// one is given (then it signs in through the HTTPS issuer, which the cluster
// trusts; otherwise through the HTTP one, which browsers reach without a
// certificate warning).
func startDevPortal(ctx context.Context, reg *registry.Registry, st store.Store, dataDir string, log *slog.Logger,
	clock func() time.Time, dj devenv.DevJSON, portalBase, kubeconfig string) (*portal.Server, error) {
	bases := []string{portalBase, localhostAlias(portalBase)}
	demo, err := devenv.EnsurePortalDemo(ctx, reg, dataDir, dj.HTTPBaseURL, bases)
	if err != nil {
		return nil, err
	}
	ps, err := portalStore(st)
	if err != nil {
		return nil, err
	}
	cfg := portal.Config{IssuerURL: token.Issuer(dj.HTTPBaseURL, dj.TenantID, 1), ClientID: demo.ClientID,
		ClientSecret: demo.ClientSecret, RedirectURL: portalBase + "/callback", Logger: log.With("part", "portal"), Clock: clock}
	if kubeconfig != "" {
		cfg.IssuerURL, cfg.CAFile = dj.IssuerV1, dj.CAFile
		cfg.Cluster = portal.ClusterConfig{Kubeconfig: kubeconfig}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return portal.New(ps, cfg)
}
