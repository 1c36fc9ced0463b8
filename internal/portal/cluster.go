package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ClusterConfig says how to reach the Kubernetes API. Exactly one of
// Kubeconfig, InCluster or URL; none means no cluster (every page still
// works, with empty states). Credentials in a kubeconfig or the pod's
// service account are never used: requests carry the user's ID token.
type ClusterConfig struct {
	// Kubeconfig is a kubeconfig file; its Context (default: current) names
	// the cluster entry whose server and CA are used.
	Kubeconfig string
	Context    string
	// InCluster uses the API server address and CA of the pod.
	InCluster bool
	// URL is the API server's URL; CAFile its CA bundle (default: system roots).
	URL    string
	CAFile string
}

// Configured reports whether a cluster is configured.
func (c ClusterConfig) Configured() bool { return c.Kubeconfig != "" || c.InCluster || c.URL != "" }

func (c ClusterConfig) validate() []string {
	n := 0
	for _, set := range []bool{c.Kubeconfig != "", c.InCluster, c.URL != ""} {
		if set {
			n++
		}
	}
	var problems []string
	if n > 1 {
		problems = append(problems, "set one of the Kubernetes kubeconfig, in-cluster or URL, not several")
	}
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("Kubernetes API URL %q must be https://host[:port]", c.URL))
		}
	}
	if c.CAFile != "" && c.URL == "" {
		problems = append(problems, "the Kubernetes CA file goes with the Kubernetes API URL")
	}
	return problems
}

// Cluster reads the Kubernetes API as the signed-in user.
type Cluster struct {
	cfg       *rest.Config // without credentials
	transport http.RoundTripper
	server    string

	mu       sync.Mutex
	optional map[string]optionalKind // Kind.Key → discovery result
}

type optionalKind struct {
	gvr     schema.GroupVersionResource
	served  bool
	checked time.Time
}

// optionalKindTTL is how long a CRD discovery result is reused.
const optionalKindTTL = time.Minute

// NewCluster connects the configured API server (no request is sent yet);
// it returns nil for no cluster.
func NewCluster(cc ClusterConfig) (*Cluster, error) {
	var base *rest.Config
	var err error
	switch {
	case cc.Kubeconfig != "":
		base, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: cc.Kubeconfig},
			&clientcmd.ConfigOverrides{CurrentContext: cc.Context}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", cc.Kubeconfig, err)
		}
	case cc.InCluster:
		if base, err = rest.InClusterConfig(); err != nil {
			return nil, fmt.Errorf("in-cluster Kubernetes config: %w", err)
		}
	case cc.URL != "":
		base = &rest.Config{Host: cc.URL, TLSClientConfig: rest.TLSClientConfig{CAFile: cc.CAFile}}
	default:
		return nil, nil
	}
	// Drop every credential the source carried (service account token,
	// client certificate, exec plugin): the portal acts only as its users.
	cfg := rest.AnonymousClientConfig(base)
	cfg.Timeout = 15 * time.Second
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "gatehouse-portal"
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("Kubernetes API transport: %w", err)
	}
	return &Cluster{cfg: cfg, transport: tr, server: cfg.Host, optional: map[string]optionalKind{}}, nil
}

// Server is the API server's URL, for display.
func (c *Cluster) Server() string { return c.server }

// bearer adds the user's token to every request of one user's client.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r2)
}

// userClient is the API as one user: the shared TLS transport, their token.
type userClient struct {
	c    *Cluster
	dyn  *dynamic.DynamicClient
	http *http.Client
}

func (c *Cluster) as(idToken string) (*userClient, error) {
	if idToken == "" {
		return nil, errors.New("no token")
	}
	hc := &http.Client{Transport: &bearer{token: idToken, base: c.transport}, Timeout: c.cfg.Timeout}
	dyn, err := dynamic.NewForConfigAndClient(c.cfg, hc)
	if err != nil {
		return nil, err
	}
	return &userClient{c: c, dyn: dyn, http: hc}, nil
}

// AccessError is the API server refusing a request: 401 (the token is not
// accepted) or 403 (the user lacks the permission named).
type AccessError struct {
	Status    int
	Verb      string
	Group     string
	Resource  string
	Namespace string
	Message   string // the API server's message
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("Kubernetes API %d: %s", e.Status, e.Message)
}

// Permission says in words what was refused: "list pods in namespace x".
func (e *AccessError) Permission() string {
	res := e.Resource
	if e.Group != "" {
		res += "." + e.Group
	}
	if e.Namespace != "" {
		return fmt.Sprintf("%s %s in namespace %s", e.Verb, res, e.Namespace)
	}
	return fmt.Sprintf("%s %s (cluster-wide)", e.Verb, res)
}

// UnavailableError is the API server not answering usefully (network,
// TLS, 5xx): a page shows it as a banner, the session is unaffected.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "Kubernetes API unavailable: " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// classify turns a client-go error into AccessError or UnavailableError.
func classify(err error, verb string, gvr schema.GroupVersionResource, ns string) error {
	if err == nil {
		return nil
	}
	switch {
	case apierrors.IsUnauthorized(err):
		return &AccessError{Status: http.StatusUnauthorized, Verb: verb, Group: gvr.Group, Resource: gvr.Resource, Namespace: ns, Message: err.Error()}
	case apierrors.IsForbidden(err):
		return &AccessError{Status: http.StatusForbidden, Verb: verb, Group: gvr.Group, Resource: gvr.Resource, Namespace: ns, Message: err.Error()}
	case apierrors.IsNotFound(err):
		return err
	}
	return &UnavailableError{Err: err}
}

// list lists a resource in a namespace ("" = cluster-wide), at most limit.
func (u *userClient) list(ctx context.Context, gvr schema.GroupVersionResource, ns string, limit int64) (*unstructured.UnstructuredList, error) {
	var ri dynamic.ResourceInterface = u.dyn.Resource(gvr)
	if ns != "" {
		ri = u.dyn.Resource(gvr).Namespace(ns)
	}
	l, err := ri.List(ctx, metav1.ListOptions{Limit: limit})
	return l, classify(err, "list", gvr, ns)
}

// Identity is who the API server thinks the user is (SelfSubjectReview).
type Identity struct {
	Username string
	UID      string
	Groups   []string
	Extra    map[string][]string
}

var selfSubjectReviews = schema.GroupVersionResource{Group: "authentication.k8s.io", Version: "v1", Resource: "selfsubjectreviews"}

// WhoAmI asks the API server who the token is (kubectl auth whoami).
func (c *Cluster) WhoAmI(ctx context.Context, idToken string) (*Identity, error) {
	u, err := c.as(idToken)
	if err != nil {
		return nil, err
	}
	review := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}}
	out, err := u.dyn.Resource(selfSubjectReviews).Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return nil, classify(err, "create", selfSubjectReviews, "")
	}
	var ssr authnv1.SelfSubjectReview
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(out.Object, &ssr); err != nil {
		return nil, fmt.Errorf("decode SelfSubjectReview: %w", err)
	}
	ui := ssr.Status.UserInfo
	id := &Identity{Username: ui.Username, UID: ui.UID, Groups: ui.Groups, Extra: map[string][]string{}}
	for k, v := range ui.Extra {
		id.Extra[k] = v
	}
	return id, nil
}

// Namespace is a row of the namespace list.
type Namespace struct {
	Name    string
	Phase   string
	Age     string
	Allowed bool // in the user's allowed namespaces
}

var namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// ListNamespaces lists every namespace the user may list (an AccessError
// when they may not list them cluster-wide).
func (c *Cluster) ListNamespaces(ctx context.Context, idToken string, now time.Time) ([]Namespace, error) {
	u, err := c.as(idToken)
	if err != nil {
		return nil, err
	}
	l, err := u.list(ctx, namespacesGVR, "", 1000)
	if err != nil {
		return nil, err
	}
	out := make([]Namespace, 0, len(l.Items))
	for _, it := range l.Items {
		phase, _, _ := unstructured.NestedString(it.Object, "status", "phase")
		out = append(out, Namespace{Name: it.GetName(), Phase: phase, Age: age(it.GetCreationTimestamp(), now)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Kinds available in a namespace: the built-in ones always, the optional
// (CRD) ones when the API server serves them.
func (c *Cluster) Kinds(ctx context.Context, idToken string, now time.Time) []*Kind {
	out := []*Kind{}
	for _, k := range namespaceKinds {
		if !k.Optional {
			out = append(out, k)
			continue
		}
		if _, ok := c.resolve(ctx, idToken, k, now); ok {
			out = append(out, k)
		}
	}
	return out
}

// resolve finds the served version of a kind (built-in kinds are fixed).
func (c *Cluster) resolve(ctx context.Context, idToken string, k *Kind, now time.Time) (schema.GroupVersionResource, bool) {
	if !k.Optional {
		return k.GVR, true
	}
	c.mu.Lock()
	cached, ok := c.optional[k.Key]
	c.mu.Unlock()
	if ok && now.Sub(cached.checked) < optionalKindTTL {
		return cached.gvr, cached.served
	}
	res := optionalKind{checked: now}
	if u, err := c.as(idToken); err == nil {
		dc, err := discovery.NewDiscoveryClientForConfigAndClient(c.cfg, u.http)
		if err == nil {
			for _, v := range k.Versions {
				gv := schema.GroupVersion{Group: k.GVR.Group, Version: v}
				rl, err := dc.ServerResourcesForGroupVersion(gv.String())
				if err != nil {
					if !apierrors.IsNotFound(err) {
						return k.GVR, false // not cached: a transient failure
					}
					continue
				}
				for _, r := range rl.APIResources {
					if r.Name == k.GVR.Resource {
						res.gvr, res.served = gv.WithResource(r.Name), true
						break
					}
				}
				if res.served {
					break
				}
			}
		}
	}
	c.mu.Lock()
	c.optional[k.Key] = res
	c.mu.Unlock()
	return res.gvr, res.served
}

// List lists a kind in a namespace as a table.
func (c *Cluster) List(ctx context.Context, idToken string, k *Kind, ns string, now time.Time) (*Table, error) {
	gvr, ok := c.resolve(ctx, idToken, k, now)
	if !ok {
		return nil, fmt.Errorf("%s: %w", k.Title, errKindNotServed)
	}
	u, err := c.as(idToken)
	if err != nil {
		return nil, err
	}
	l, err := u.list(ctx, gvr, ns, listLimit)
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: k.Columns, Truncated: l.GetContinue() != ""}
	items := l.Items
	if k.sort != nil {
		k.sort(items)
	} else {
		sort.Slice(items, func(i, j int) bool { return items[i].GetName() < items[j].GetName() })
	}
	for i := range items {
		t.Rows = append(t.Rows, k.row(&items[i], now))
	}
	return t, nil
}

// errKindNotServed: the kind's CRD is not installed.
var errKindNotServed = errors.New("not served by this cluster")

// listLimit bounds one table; the page says when there are more.
const listLimit = 500
