package kubeconfig

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// UserOptions describes a kubeconfig user that signs in through kubelogin.
type UserOptions struct {
	Name         string // user entry name
	IssuerURL    string
	ClientID     string
	ClientSecret string
	CAFile       string   // issuer CA file, when not publicly trusted
	ExtraScopes  []string // --oidc-extra-scope
	// Command is "kubectl" (runs `kubectl oidc-login get-token`, the krew
	// plugin) or "kubelogin" (the standalone binary).
	Command   string
	GrantType string // empty = kubelogin's default (auth code with a browser)
	// ExtraArgs are appended to kubelogin's arguments (for example
	// --username for the password grant).
	ExtraArgs []string
	// Cluster and Context add a cluster entry (server URL and its CA) and
	// a context tying it to the user; empty Cluster adds only the user.
	ClusterName   string
	ClusterServer string
	ClusterCAData []byte
	ContextName   string
	Namespace     string
}

// Validate reports every problem at once.
func (o *UserOptions) Validate() error {
	var p []string
	if o.Name == "" {
		p = append(p, "a user name is required")
	}
	if o.IssuerURL == "" || o.ClientID == "" {
		p = append(p, "the issuer URL and the client id are required")
	}
	if o.Command != "kubectl" && o.Command != "kubelogin" {
		p = append(p, "command must be kubectl or kubelogin")
	}
	if o.ClusterServer != "" && !strings.HasPrefix(o.ClusterServer, "https://") {
		p = append(p, "the cluster server must be an https URL")
	}
	if len(p) > 0 {
		return errors.New(strings.Join(p, "; "))
	}
	return nil
}

// Config is a kubeconfig file as generic YAML, so merging keeps every field
// we do not know about.
type Config map[string]any

// ExecArgs returns the credential plugin's command and arguments.
func ExecArgs(o UserOptions) (string, []string) {
	var args []string
	if o.Command == "kubectl" {
		args = append(args, "oidc-login")
	}
	args = append(args, "get-token", "--oidc-issuer-url="+o.IssuerURL, "--oidc-client-id="+o.ClientID)
	if o.ClientSecret != "" {
		args = append(args, "--oidc-client-secret="+o.ClientSecret)
	}
	if o.CAFile != "" {
		args = append(args, "--certificate-authority="+o.CAFile)
	}
	for _, s := range o.ExtraScopes {
		args = append(args, "--oidc-extra-scope="+s)
	}
	if o.GrantType != "" {
		args = append(args, "--grant-type="+o.GrantType)
	}
	return o.Command, append(args, o.ExtraArgs...)
}

// New builds a kubeconfig holding the user (and cluster and context when
// asked for).
func New(o UserOptions) (Config, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cmd, args := ExecArgs(o)
	c := Config{"apiVersion": "v1", "kind": "Config", "preferences": map[string]any{},
		"users": []any{map[string]any{"name": o.Name, "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1", "command": cmd, "args": args,
			"interactiveMode": "IfAvailable", "provideClusterInfo": false}}}},
		"clusters": []any{}, "contexts": []any{}}
	if o.ClusterServer != "" {
		cluster := map[string]any{"server": o.ClusterServer}
		if len(o.ClusterCAData) > 0 {
			cluster["certificate-authority-data"] = o.ClusterCAData // []byte marshals as base64, as kubeconfig wants
		}
		ctx := map[string]any{"cluster": o.ClusterName, "user": o.Name}
		if o.Namespace != "" {
			ctx["namespace"] = o.Namespace
		}
		c["clusters"] = []any{map[string]any{"name": o.ClusterName, "cluster": cluster}}
		c["contexts"] = []any{map[string]any{"name": o.ContextName, "context": ctx}}
		c["current-context"] = o.ContextName
	}
	return c, nil
}

// Parse reads a kubeconfig file.
func Parse(b []byte) (Config, error) {
	c := Config{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return c, nil
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	return c, nil
}

// Marshal renders the kubeconfig as YAML.
func (c Config) Marshal() ([]byte, error) { return yaml.Marshal(map[string]any(c)) }

// Merge adds the users, clusters and contexts of add into c, replacing
// entries with the same name and keeping all others. current-context is
// taken from add only when setCurrent is true.
func (c Config) Merge(add Config, setCurrent bool) error {
	for _, key := range []string{"users", "clusters", "contexts"} {
		existing, _ := c[key].([]any)
		incoming, _ := add[key].([]any)
		for _, in := range incoming {
			name := entryName(in)
			replaced := false
			for i, ex := range existing {
				if entryName(ex) == name {
					existing[i], replaced = in, true
				}
			}
			if !replaced {
				existing = append(existing, in)
			}
		}
		if existing == nil {
			existing = []any{}
		}
		c[key] = existing
	}
	for _, key := range []string{"apiVersion", "kind"} {
		if c[key] == nil {
			c[key] = add[key]
		}
	}
	if cur, ok := add["current-context"]; ok && (setCurrent || c["current-context"] == nil) {
		c["current-context"] = cur
	}
	return nil
}

func entryName(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["name"].(string)
	return s
}
