package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/bench"
)

// benchRequestTimeout bounds each request of the load.
const benchRequestTimeout = 10 * time.Second

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	baseURL := fs.String("url", "", "base `URL` of a running server on loopback (default: start gatehouse dev as a child process on a temporary data directory)")
	devJSON := fs.String("dev-json", "", "`path` of the dev.json of a running gatehouse dev: its URL, tenant, credentials and CA become the defaults")
	tenant := fs.String("tenant", "", "tenant id or domain (default: the demo tenant)")
	clientID := fs.String("client-id", "", "client id (default: the demo app)")
	clientSecret := fs.String("client-secret", "", "client secret (default: the demo app's)")
	grant := fs.String("grant", bench.GrantClientCredentials, "grant type: client_credentials or password")
	scope := fs.String("scope", bench.DefaultScope, "scope of the token request")
	username := fs.String("username", "", "password grant: user name (default: the first demo user)")
	password := fs.String("password", "", "password grant: password (default: the first demo user's)")
	concurrency := fs.Int("concurrency", bench.TargetConcurrency, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "how long the load runs")
	maxRequests := fs.Int("max-requests", 200000, "at most this many requests")
	serverPID := fs.Int("server-pid", 0, "process id of the server at --url, to measure its CPU time and memory (Linux /proc)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}

	cfg := bench.RunConfig{
		Load: bench.LoadConfig{Concurrency: *concurrency, Duration: *duration, MaxRequests: *maxRequests,
			RequestTimeout: benchRequestTimeout},
		Form: bench.TokenForm{Grant: *grant, ClientID: *clientID, ClientSecret: *clientSecret, Scope: *scope,
			Username: *username, Password: *password},
		Tenant: *tenant, ServerPID: *serverPID, Progress: os.Stderr,
	}
	var problems []error
	if err := cfg.Load.Validate(); err != nil {
		problems = append(problems, err)
	}
	if *grant != bench.GrantClientCredentials && *grant != bench.GrantPassword {
		problems = append(problems, fmt.Errorf("--grant %q: use %s or %s", *grant, bench.GrantClientCredentials, bench.GrantPassword))
	}
	if *devJSON != "" {
		d, err := bench.ReadDevJSON(*devJSON)
		if err != nil {
			problems = append(problems, fmt.Errorf("--dev-json: %w", err))
		} else {
			if *baseURL == "" {
				*baseURL = d.HTTPBaseURL
			}
			if cfg.Tenant == "" {
				cfg.Tenant = d.TenantID
			}
			cfg.Form.FillFrom(d)
			if d.CAFile != "" && strings.HasPrefix(*baseURL, "https:") {
				if cfg.RootCAs, err = loadCA(d.CAFile); err != nil {
					problems = append(problems, fmt.Errorf("--dev-json CA: %w", err))
				}
			}
		}
	}
	if *baseURL != "" {
		u, err := bench.CheckLoopbackURL(*baseURL)
		if err != nil {
			problems = append(problems, fmt.Errorf("--url: %w", err))
		}
		cfg.BaseURL = u
		if cfg.Tenant == "" {
			problems = append(problems, errors.New("--tenant (or --dev-json) is required with --url"))
		}
	} else {
		if *serverPID != 0 {
			problems = append(problems, errors.New("--server-pid needs --url or --dev-json: bench measures the server it starts itself"))
		}
		exe, err := os.Executable()
		if err != nil {
			problems = append(problems, fmt.Errorf("find the gatehouse executable to start a dev server: %w", err))
		}
		cfg.Executable = exe
	}
	if len(problems) > 0 {
		return fmt.Errorf("bench: %w", errors.Join(problems...))
	}

	report, err := bench.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else if err := report.WriteText(os.Stdout); err != nil {
		return err
	}
	if failed := report.FailedChecks(); len(failed) > 0 {
		return fmt.Errorf("bench: target missed: %s", strings.Join(failed, "; "))
	}
	return nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
