package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/inspect"
)

const tokenUsage = `usage: gatehouse token inspect [--issuer URL] [--audience AUD] [--ca-file FILE] [--offline] [--json] [TOKEN | -]

Decodes a JWT, checks its signature against the published keys of the
issuer you name with --issuer (found through its discovery document), its
lifetime and audience, and says what is wrong. Without --issuer it trusts the
token's own iss and says so: a valid signature then proves only that the
issuer the token names signed it. The token is read from standard input when no
argument (or "-") is given; prefer that, as arguments end up in shell history.
Exits non-zero when a problem is found.
`

func runToken(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "inspect" {
		fmt.Fprint(os.Stderr, tokenUsage)
		return errors.New("usage: gatehouse token inspect [flags] [TOKEN]")
	}
	fs := flag.NewFlagSet("token inspect", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), tokenUsage, "\nFlags:\n"); fs.PrintDefaults() }
	audience := fs.String("audience", "", "report a problem unless the token's aud contains this value")
	issuer := fs.String("issuer", "", "the issuer you trust: its keys check the signature, and a token from another issuer is a problem")
	caFile := fs.String("ca-file", "", "PEM file of a private CA that signed the issuer's TLS certificate")
	offline := fs.Bool("offline", false, "decode only: fetch nothing and do not check the signature")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	positional, err := parseFlagsAnywhere(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) > 1 {
		return fmt.Errorf("token inspect takes one token, got %d arguments", len(positional))
	}
	raw, err := readToken(positional)
	if err != nil {
		return err
	}
	client, err := httpClientWithCA(*caFile)
	if err != nil {
		return err
	}
	report, err := inspect.Inspect(ctx, raw, inspect.Options{Audience: *audience, Issuer: *issuer, Offline: *offline, Client: client})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else if err := report.WriteText(os.Stdout); err != nil {
		return err
	}
	if n := len(report.Problems); n > 0 {
		return fmt.Errorf("the token has %d problem(s)", n)
	}
	return nil
}

// parseFlagsAnywhere parses flags that may come before or after positional
// arguments (the flag package stops at the first positional one).
func parseFlagsAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// readToken takes the token from the argument, or from standard input.
func readToken(positional []string) (string, error) {
	if len(positional) == 1 && positional[0] != "-" {
		return positional[0], nil
	}
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		fmt.Fprintln(os.Stderr, "Paste the token, then press Enter and Ctrl-D:")
	}
	b, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	if err != nil {
		return "", fmt.Errorf("read token from standard input: %w", err)
	}
	return string(b), nil
}

// httpClientWithCA returns the client the token tools fetch metadata with: the
// system roots plus an optional private CA, and a timeout.
func httpClientWithCA(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate found", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}, nil
}
