package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/doctor"
)

const doctorUsage = `usage: gatehouse doctor --issuer URL --client-id ID [--client-secret S]
                        (--username U --password P | --token TOKEN|-) [flags]

Checks the sign-in chain of the Entra SSO guide against Gatehouse or
Microsoft Entra ID and reports each link as OK, PROBLEM or SKIPPED, with the
fix: discovery and issuer, the redirect URI, getting a token, each expected
claim (extension property, claims mapping policy, acceptMappedClaims, the
user's value), the token lifetime policy and the Kubernetes API server's
authentication config. It only reads; nothing is changed.
Exits non-zero when a problem is found.
`

// claimFlag collects repeated --claim values.
type claimFlag []string

func (c *claimFlag) String() string     { return strings.Join(*c, ",") }
func (c *claimFlag) Set(v string) error { *c = append(*c, v); return nil }

func runDoctor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), doctorUsage, "\nFlags:\n"); fs.PrintDefaults() }
	var cfg doctor.Config
	var claims claimFlag
	fs.StringVar(&cfg.Issuer, "issuer", "", "issuer URL as given to kubelogin: v1 https://sts.windows.net/{tenant}/ or v2 https://login.microsoftonline.com/{tenant}/v2.0")
	fs.StringVar(&cfg.ClientID, "client-id", "", "application (client) id")
	fs.StringVar(&cfg.ClientSecret, "client-secret", "", "client secret (also used for an app-only Microsoft Graph token)")
	fs.StringVar(&cfg.Username, "username", "", "user to sign in with the password grant")
	fs.StringVar(&cfg.Password, "password", "", "the user's password")
	fs.StringVar(&cfg.Token, "token", "", `a token to check instead of signing in ("-": read it from standard input)`)
	fs.Var(&claims, "claim", "a claim the token must have (repeatable; default default_namespace and picture)")
	fs.DurationVar(&cfg.ExpectLifetime, "expect-lifetime", 0, "the lifetime (exp - iat) the token must have, e.g. 4h")
	fs.StringVar(&cfg.GraphURL, "graph-url", "", "Microsoft Graph base URL (default: https://graph.microsoft.com for Entra, the issuer's host for Gatehouse)")
	fs.StringVar(&cfg.KubeAuthnConfig, "kube-authn-config", "", "Kubernetes AuthenticationConfiguration file to check the token against")
	fs.StringVar(&cfg.RedirectURI, "redirect-uri", doctor.DefaultRedirectURI, "redirect URI kubelogin uses")
	caFile := fs.String("ca-file", "", "PEM file of a private CA that signed the issuer's TLS certificate")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("doctor takes no arguments, got %q", fs.Args())
	}
	cfg.Claims = claims
	if cfg.Token == "-" {
		raw, err := readToken(nil)
		if err != nil {
			return err
		}
		cfg.Token = strings.TrimSpace(raw)
	}
	client, err := httpClientWithCA(*caFile)
	if err != nil {
		return err
	}
	cfg.Client = client
	report, err := doctor.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
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
	if n := report.Count(doctor.StatusProblem); n > 0 {
		return fmt.Errorf("doctor found %d problem(s)", n)
	}
	return nil
}
