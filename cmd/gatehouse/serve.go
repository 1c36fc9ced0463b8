package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/admin"
	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
)

// serveConfig is the config file of `gatehouse serve` (JSON). Flags given
// on the command line override it.
type serveConfig struct {
	Data       string   `json:"data"`
	HTTPAddr   string   `json:"http_addr"`
	HTTPSAddr  string   `json:"https_addr"`
	TLSCert    string   `json:"tls_cert"`
	TLSKey     string   `json:"tls_key"`
	PublicURLs []string `json:"public_urls"`
	// AdminAddr and AdminURL run the admin centre on its own listener;
	// AdminURL is its public base URL (its /callback is registered in each
	// tenant by `gatehouse admin create --admin-url`).
	AdminAddr string `json:"admin_addr"`
	AdminURL  string `json:"admin_url"`
}

func (c *serveConfig) validate() error {
	var problems []string
	if c.Data == "" {
		problems = append(problems, "data directory is required")
	}
	if c.HTTPAddr == "" && c.HTTPSAddr == "" {
		problems = append(problems, "set http_addr, https_addr or both")
	}
	if c.HTTPSAddr != "" && (c.TLSCert == "" || c.TLSKey == "") {
		problems = append(problems, "https_addr needs tls_cert and tls_key")
	}
	if (c.AdminAddr == "") != (c.AdminURL == "") {
		problems = append(problems, "admin_addr and admin_url go together")
	}
	if len(c.PublicURLs) == 0 {
		problems = append(problems, "public_urls is required: the URLs clients use to reach Gatehouse (issuers derive from them)")
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, "")
	configFile := fs.String("config", "", "JSON config file (fields: data, http_addr, https_addr, tls_cert, tls_key, public_urls, admin_addr, admin_url)")
	httpAddr := fs.String("http-addr", "", "plain HTTP listener address")
	httpsAddr := fs.String("https-addr", "", "HTTPS listener address")
	tlsCert := fs.String("tls-cert", "", "TLS certificate chain (PEM) for --https-addr")
	tlsKey := fs.String("tls-key", "", "TLS private key (PEM) for --https-addr")
	publicURLs := fs.String("public-url", "", "comma-separated public base URLs, e.g. https://login.example.com")
	adminAddr := fs.String("admin-addr", "", "the admin centre's listener (empty: no admin centre)")
	adminURL := fs.String("admin-url", "", "the admin centre's public base URL, e.g. https://admin.example.com")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg serveConfig
	if *configFile != "" {
		b, err := os.ReadFile(*configFile)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return fmt.Errorf("%s: %w", *configFile, err)
		}
	}
	override(&cfg.Data, c.data)
	override(&cfg.HTTPAddr, *httpAddr)
	override(&cfg.HTTPSAddr, *httpsAddr)
	override(&cfg.TLSCert, *tlsCert)
	override(&cfg.TLSKey, *tlsKey)
	override(&cfg.AdminAddr, *adminAddr)
	override(&cfg.AdminURL, *adminURL)
	if *publicURLs != "" {
		cfg.PublicURLs = strings.Split(*publicURLs, ",")
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	clock := c.clock()
	st, km, err := openStore(ctx, cfg.Data, clock, log)
	if err != nil {
		return err
	}
	defer st.Close()
	var listeners []server.Listener
	if cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return err
		}
		listeners = append(listeners, server.Listener{Net: ln})
	}
	if cfg.HTTPSAddr != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		ln, err := net.Listen("tcp", cfg.HTTPSAddr)
		if err != nil {
			return err
		}
		listeners = append(listeners, server.Listener{Net: ln, TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	}
	scfg := server.Config{Store: st, Registry: registry.New(st, clock, registry.WithLogger(log)), Keys: km, Logger: log,
		Clock: clock, PublicURLs: cfg.PublicURLs, KeyRefresh: c.keyRefresh}
	// The admin centre is first-party in every tenant: repair it at every
	// start, so a store from before its protection (or an edited one)
	// cannot keep administrators locked out (security review S3).
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return err
	}
	var adminBases []string
	if cfg.AdminURL != "" {
		adminBases = []string{strings.TrimRight(cfg.AdminURL, "/")}
	}
	for _, t := range tenants {
		if _, err := devenv.EnsureAdminCentre(ctx, scfg.Registry, t.ID, adminBases); err != nil {
			return fmt.Errorf("admin centre of tenant %s: %w", t.InitialDomain, err)
		}
	}
	if cfg.AdminAddr != "" {
		g, err := graph.New(graph.Config{Registry: scfg.Registry, Keys: km, Logger: log, Clock: clock, PublicURLs: cfg.PublicURLs})
		if err != nil {
			return err
		}
		// The sign-in page offers the first tenant; any tenant can be typed.
		if len(tenants) == 0 {
			return fmt.Errorf("the admin centre needs a tenant: create one with `gatehouse admin create`")
		}
		a, err := admin.New(admin.Config{LoginBaseURL: strings.TrimRight(cfg.PublicURLs[0], "/"), PublicURL: strings.TrimRight(cfg.AdminURL, "/"),
			ClientID: devenv.AdminCentreClientID, DefaultTenant: tenants[0].InitialDomain, Registry: scfg.Registry, Graph: g, Store: st,
			Logger: log.With("part", "admin"), Clock: clock})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			return fmt.Errorf("admin_addr: %w", err)
		}
		go func() {
			if err := a.Serve(ctx, ln, nil); err != nil {
				log.Error("admin centre stopped", "err", err)
			}
		}()
	}
	return server.Run(ctx, scfg, listeners)
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
