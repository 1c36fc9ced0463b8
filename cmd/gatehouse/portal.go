package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/portal"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// portalEnvPrefix: every flag of `gatehouse portal` can also come from the
// environment, GATEHOUSE_PORTAL_<FLAG> with dashes as underscores
// (--issuer-url → GATEHOUSE_PORTAL_ISSUER_URL). A flag on the command line
// wins over the environment.
const portalEnvPrefix = "GATEHOUSE_PORTAL_"

func runPortal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, "./gatehouse-data")
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	tlsCert := fs.String("tls-cert", "", "TLS certificate chain (PEM): serve HTTPS")
	tlsKey := fs.String("tls-key", "", "TLS private key (PEM) for --tls-cert")
	issuer := fs.String("issuer-url", "", "OIDC issuer, exactly as in its tokens' iss (Gatehouse, Entra v1/v2, Keycloak)")
	clientID := fs.String("client-id", "", "the portal's client (application) id")
	clientSecret := fs.String("client-secret", "", "client secret (prefer GATEHOUSE_PORTAL_CLIENT_SECRET or --client-secret-file); none: public client with PKCE")
	clientSecretFile := fs.String("client-secret-file", "", "file holding the client secret")
	scopes := fs.String("scopes", strings.Join(portal.DefaultScopes, " "), "scopes to request (space or comma separated)")
	callback := fs.String("callback-url", "", "the redirect URI registered at the issuer, e.g. https://portal.example.com/callback")
	postLogout := fs.String("post-logout-url", "", "where the issuer returns after sign-out (default <portal>/signed-out; register it too)")
	caFile := fs.String("ca-file", "", "extra CA bundle (PEM) for reaching the issuer")
	nsClaim := fs.String("namespace-claim", "default_namespace", "ID token claim with the default namespace (a name, a list or a JSON array)")
	picClaim := fs.String("picture-claim", "picture", "ID token claim with the avatar URL")
	defaultNS := fs.String("default-namespace", "", "deployment-level default namespace (wins over the claim on first sign-in)")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig whose cluster (server, CA) the portal reads; its credentials are not used")
	kubeContext := fs.String("kube-context", "", "context of --kubeconfig (default: current)")
	inCluster := fs.Bool("in-cluster", false, "read the cluster the portal runs in (its credentials are not used)")
	kubeURL := fs.String("kube-url", "", "Kubernetes API server URL")
	kubeCA := fs.String("kube-ca-file", "", "CA bundle (PEM) of --kube-url")
	lifetime := fs.Duration("session-lifetime", portal.DefaultSessionLifetime, "hard limit of a portal session")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := flagsFromEnv(fs, portalEnvPrefix); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	clock := c.clock()
	secret := *clientSecret
	if *clientSecretFile != "" {
		if secret != "" {
			return errors.New("set --client-secret or --client-secret-file, not both")
		}
		b, err := os.ReadFile(*clientSecretFile)
		if err != nil {
			return fmt.Errorf("--client-secret-file: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	cfg := portal.Config{
		IssuerURL: *issuer, ClientID: *clientID, ClientSecret: secret,
		Scopes:      strings.FieldsFunc(*scopes, func(r rune) bool { return r == ' ' || r == ',' }),
		RedirectURL: *callback, PostLogoutRedirectURL: *postLogout, CAFile: *caFile,
		Claims:           portal.ClaimNames{Namespace: *nsClaim, Picture: *picClaim},
		DefaultNamespace: *defaultNS,
		Cluster: portal.ClusterConfig{Kubeconfig: *kubeconfig, Context: *kubeContext, InCluster: *inCluster,
			URL: *kubeURL, CAFile: *kubeCA},
		SessionLifetime: *lifetime, Logger: log, Clock: clock,
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, _, err := openStore(ctx, c.data, clock, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ps, err := portalStore(st)
	if err != nil {
		return err
	}
	p, err := portal.New(ps, cfg)
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	go collectPortalGarbage(ctx, st, clock, log)
	return p.Serve(ctx, ln, tlsCfg)
}

// The portal keeps its state in Gatehouse's store (store.Portal), so the
// whole store is a portal.Store; this fails to compile if the two drift.
var _ portal.Store = store.Store(nil)

// portalStore gives the portal its storage in Gatehouse's store: sign-ins,
// sessions and settings in the database that replicas share. It cannot
// fail; the error result is kept for its callers.
func portalStore(st store.Store) (portal.Store, error) {
	return st, nil
}

// collectPortalGarbage deletes expired sessions and sign-ins, as `serve`
// does for the login host: a portal may have a data directory of its own.
func collectPortalGarbage(ctx context.Context, st store.Store, clock func() time.Time, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := st.DeleteExpired(ctx, clock()); err != nil {
				log.Warn("delete expired records", "err", err)
			}
		}
	}
}

// flagsFromEnv sets each flag not given on the command line from
// prefix+NAME (upper case, dashes as underscores).
func flagsFromEnv(fs *flag.FlagSet, prefix string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var problems []string
	fs.VisitAll(func(f *flag.Flag) {
		env := prefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(env)
		if !ok || given[f.Name] {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", env, err))
		}
	})
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
