package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/kubeconfig"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// issuerFlags pick the issuer: --issuer, or --dev-json / --base + --tenant
// with --issuer-version.
type issuerFlags struct {
	devJSON, issuer, base, tenant, version, clientID, clientSecret, caFile string
}

func (f *issuerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.devJSON, "dev-json", "", "read issuer, tenant, client id, secret and CA from a gatehouse dev.json")
	fs.StringVar(&f.issuer, "issuer", "", "issuer URL, exactly the tokens' iss (e.g. https://login.example.com/<tenant>/)")
	fs.StringVar(&f.base, "base", "", "base URL, with --tenant, instead of --issuer")
	fs.StringVar(&f.tenant, "tenant", "", "tenant id, with --base")
	fs.StringVar(&f.version, "issuer-version", "v1", "v1 (<base>/<tenant>/, the sts.windows.net form kubelogin's guide uses) or v2 (<base>/<tenant>/v2.0)")
	fs.StringVar(&f.clientID, "client-id", "", "the application (client) id: the ID token audience")
	fs.StringVar(&f.clientSecret, "client-secret", "", "the client secret (kubeconfig only)")
	fs.StringVar(&f.caFile, "ca-file", "", "CA file of the issuer, when it is not publicly trusted")
}

// resolve fills the issuer settings, reporting every problem at once.
func (f *issuerFlags) resolve() error {
	if f.devJSON != "" {
		b, err := os.ReadFile(f.devJSON)
		if err != nil {
			return err
		}
		var d struct {
			HTTPSBaseURL string `json:"https_base_url"`
			CAFile       string `json:"ca_file"`
			TenantID     string `json:"tenant_id"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			return fmt.Errorf("%s: %w", f.devJSON, err)
		}
		override(&f.base, d.HTTPSBaseURL)
		override(&f.tenant, d.TenantID)
		if f.clientID == "" {
			f.clientID = d.ClientID
		}
		if f.clientSecret == "" {
			f.clientSecret = d.ClientSecret
		}
		if f.caFile == "" {
			f.caFile = d.CAFile
		}
	}
	var problems []string
	if f.issuer == "" {
		if f.base == "" || f.tenant == "" {
			problems = append(problems, "give --issuer, or --base and --tenant, or --dev-json")
		}
		switch f.version {
		case "v1":
			f.issuer = token.Issuer(f.base, f.tenant, 1)
		case "v2":
			f.issuer = token.Issuer(f.base, f.tenant, 2)
		default:
			problems = append(problems, "--issuer-version must be v1 or v2")
		}
	}
	if f.clientID == "" {
		problems = append(problems, "--client-id is required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// tenantFromIssuer finds the tenant segment of an Entra-style issuer.
func tenantFromIssuer(iss string) string {
	parts := strings.Split(strings.TrimSuffix(strings.TrimSuffix(iss, "/"), "/v2.0"), "/")
	return parts[len(parts)-1]
}

func writeOutput(path string, b []byte) error {
	if path == "" || path == "-" {
		_, err := os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func runKubeAuthnConfig(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("kube-authn-config", flag.ContinueOnError)
	var f issuerFlags
	f.register(fs)
	usernameClaim := fs.String("username-claim", "upn", "claim for the user name: upn, oid, preferred_username, sub, or email (unverified: prints a warning)")
	usernamePrefix := fs.String("username-prefix", "oidc:", "prefix of user names (\"\" for none)")
	groupsClaim := fs.String("groups-claim", "groups", "claim for groups (\"\" for none)")
	groupsPrefix := fs.String("groups-prefix", "oidc:", "prefix of group names")
	extraPrefix := fs.String("extra-prefix", "gatehouse.io", "domain of the extra keys <domain>/default-namespace and <domain>/tid (\"\" for none)")
	requireTID := fs.Bool("require-tid", true, "add a claim validation rule: tid must be the tenant id")
	format := fs.String("format", "authn-config", "authn-config (AuthenticationConfiguration YAML), eks (aws eks associate-identity-provider-config), flags (legacy --oidc-* kube-apiserver flags)")
	cluster := fs.String("cluster-name", "my-cluster", "EKS cluster name (--format eks)")
	configName := fs.String("config-name", "gatehouse", "EKS identity provider config name (--format eks)")
	out := fs.String("o", "-", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.resolve(); err != nil {
		return err
	}
	o := kubeconfig.AuthnOptions{IssuerURL: f.issuer, Audiences: strings.Split(f.clientID, ","), UsernameClaim: *usernameClaim,
		UsernamePrefix: *usernamePrefix, GroupsClaim: *groupsClaim, GroupsPrefix: *groupsPrefix, ExtraPrefix: *extraPrefix}
	if *requireTID {
		o.RequiredTenantID = tenantFromIssuer(f.issuer)
	}
	if o.UsernameClaim == "email" {
		fmt.Fprintln(os.Stderr, kubeconfig.EmailClaimWarning)
	}
	var b []byte
	switch *format {
	case "authn-config":
		if f.caFile != "" {
			ca, err := os.ReadFile(f.caFile)
			if err != nil {
				return err
			}
			o.CAPEM = string(ca)
		}
		var err error
		if b, err = kubeconfig.AuthenticationConfiguration(o); err != nil {
			return err
		}
	case "eks":
		cmd, err := kubeconfig.EKSCommand(o, *cluster, *configName)
		if err != nil {
			return err
		}
		b = []byte(cmd + "\n")
	case "flags":
		flags, err := kubeconfig.APIServerFlags(o, f.caFile)
		if err != nil {
			return err
		}
		b = []byte(strings.Join(flags, "\n") + "\n")
	default:
		return fmt.Errorf("--format must be authn-config, eks or flags")
	}
	return writeOutput(*out, b)
}

func runKubeconfig(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("kubeconfig", flag.ContinueOnError)
	var f issuerFlags
	f.register(fs)
	var scopes, extra listFlag
	fs.Var(&scopes, "extra-scope", "extra scope kubelogin asks for (repeatable)")
	fs.Var(&extra, "kubelogin-arg", "extra argument for kubelogin, e.g. --username=alex@contoso.example (repeatable)")
	user := fs.String("user", "gatehouse", "name of the kubeconfig user")
	command := fs.String("command", "kubectl", "kubectl (runs `kubectl oidc-login`, the krew plugin) or kubelogin, or a path to a kubelogin binary")
	grant := fs.String("grant-type", "", "kubelogin grant type: authcode (default, browser), authcode-keyboard, password, device-code")
	server := fs.String("cluster-server", "", "also add a cluster with this API server URL, and a context")
	clusterCA := fs.String("cluster-ca-file", "", "CA file of the API server")
	clusterName := fs.String("cluster-name", "gatehouse-cluster", "cluster entry name")
	contextName := fs.String("context", "gatehouse", "context entry name")
	namespace := fs.String("namespace", "", "default namespace of the context")
	mergeInto := fs.String("merge-into", "", "merge into this kubeconfig file (entries with the same names are replaced)")
	setCurrent := fs.Bool("set-current", false, "with --merge-into: make the new context current")
	out := fs.String("o", "-", "output file (default stdout; ignored with --merge-into)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.resolve(); err != nil {
		return err
	}
	o := kubeconfig.UserOptions{Name: *user, IssuerURL: f.issuer, ClientID: f.clientID, ClientSecret: f.clientSecret, CAFile: f.caFile,
		ExtraScopes: scopes, Command: "kubelogin", GrantType: *grant, ExtraArgs: extra, ClusterName: *clusterName,
		ClusterServer: *server, ContextName: *contextName, Namespace: *namespace}
	cmdPath := ""
	switch *command {
	case "kubectl", "kubelogin":
		o.Command = *command
	default:
		cmdPath = *command // a path to kubelogin
	}
	if *clusterCA != "" {
		ca, err := os.ReadFile(*clusterCA)
		if err != nil {
			return err
		}
		o.ClusterCAData = ca
	}
	cfg, err := kubeconfig.New(o)
	if err != nil {
		return err
	}
	if cmdPath != "" {
		cfg["users"].([]any)[0].(map[string]any)["user"].(map[string]any)["exec"].(map[string]any)["command"] = cmdPath
	}
	if *mergeInto != "" {
		b, err := os.ReadFile(*mergeInto)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		existing, err := kubeconfig.Parse(b)
		if err != nil {
			return err
		}
		if err := existing.Merge(cfg, *setCurrent); err != nil {
			return err
		}
		b, err = existing.Marshal()
		if err != nil {
			return err
		}
		return os.WriteFile(*mergeInto, b, 0o600)
	}
	b, err := cfg.Marshal()
	if err != nil {
		return err
	}
	return writeOutput(*out, b)
}
