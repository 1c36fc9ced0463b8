package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// fakeKube is a Kubernetes API server answering the few calls the portal
// makes, with the bearer token deciding who the caller is.
type fakeKube struct {
	srv *httptest.Server

	mu sync.Mutex
	// tokens maps accepted bearer tokens to usernames.
	tokens map[string]string
	// listNamespaces: whether users may list namespaces cluster-wide.
	listNamespaces bool
	// forbidden namespaces refuse every list.
	forbidden map[string]bool
	// bearers records the Authorization headers seen.
	bearers []string
}

func newFakeKube(t *testing.T) *fakeKube {
	k := &fakeKube{tokens: map[string]string{}, forbidden: map[string]bool{"secret": true}}
	k.srv = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *fakeKube) accept(token, user string) {
	k.mu.Lock()
	k.tokens[token] = user
	k.mu.Unlock()
}

func kubeStatus(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (k *fakeKube) serve(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	auth := r.Header.Get("Authorization")
	k.bearers = append(k.bearers, auth)
	user, ok := k.tokens[strings.TrimPrefix(auth, "Bearer ")]
	listNS := k.listNamespaces
	k.mu.Unlock()
	if !ok {
		kubeStatus(w, 401, "Unauthorized", "Unauthorized")
		return
	}
	p := r.URL.Path
	created := metav1.NewTime(time.Now().Add(-3 * time.Hour))
	switch {
	case p == "/apis/authentication.k8s.io/v1/selfsubjectreviews" && r.Method == http.MethodPost:
		writeJSON(w, map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
			"status": map[string]any{"userInfo": map[string]any{"username": "oidc:" + user, "groups": []string{"oidc:developers", "system:authenticated"}}}})
	case p == "/api/v1/namespaces":
		if !listNS {
			kubeStatus(w, 403, "Forbidden", fmt.Sprintf(`namespaces is forbidden: User "oidc:%s" cannot list resource "namespaces" in API group "" at the cluster scope`, user))
			return
		}
		writeJSON(w, corev1.NamespaceList{TypeMeta: metav1.TypeMeta{Kind: "NamespaceList", APIVersion: "v1"}, Items: []corev1.Namespace{
			{ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: created}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
			{ObjectMeta: metav1.ObjectMeta{Name: "team-a", CreationTimestamp: created}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
		}})
	case strings.HasPrefix(p, "/api/v1/namespaces/") && strings.HasSuffix(p, "/pods"):
		ns := strings.Split(p, "/")[4]
		if k.forbidden[ns] {
			kubeStatus(w, 403, "Forbidden", fmt.Sprintf(`pods is forbidden: User "oidc:%s" cannot list resource "pods" in API group "" in the namespace "%s"`, user, ns))
			return
		}
		writeJSON(w, corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, Items: []corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: ns, CreationTimestamp: created},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web"}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
					{Name: "web", Ready: true, RestartCount: 2, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "worker-1", Namespace: ns, CreationTimestamp: created},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "worker"}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
					{Name: "worker", RestartCount: 7, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}},
		}})
	case p == "/apis/v2.edp.epam.com/v1":
		writeJSON(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v2.edp.epam.com/v1",
			APIResources: []metav1.APIResource{{Name: "codebases", Namespaced: true, Kind: "Codebase", Verbs: []string{"list"}},
				{Name: "cdpipelines", Namespaced: true, Kind: "CDPipeline", Verbs: []string{"list"}},
				{Name: "stages", Namespaced: true, Kind: "Stage", Verbs: []string{"list"}}}})
	case strings.HasSuffix(p, "/codebases"):
		writeJSON(w, map[string]any{"apiVersion": "v2.edp.epam.com/v1", "kind": "CodebaseList", "metadata": map[string]any{},
			"items": []any{map[string]any{"apiVersion": "v2.edp.epam.com/v1", "kind": "Codebase",
				"metadata": map[string]any{"name": "my-app", "namespace": "team-a", "creationTimestamp": created.UTC().Format(time.RFC3339)},
				"spec":     map[string]any{"type": "application", "lang": "go"}, "status": map[string]any{"status": "created", "available": true}}}})
	default:
		kubeStatus(w, 404, "NotFound", "the server could not find the requested resource")
	}
}

// clusterEnv is a signed-in portal reading the fake API server, which
// accepts the session's ID token as user adele.
func clusterEnv(t *testing.T) (*portalEnv, *testenv.Browser, *fakeKube) {
	k := newFakeKube(t)
	e := newPortalEnv(t, func(c *Config) { c.Cluster = ClusterConfig{URL: k.srv.URL} })
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", map[string]any{"name": "Adele Vance", "default_namespace": "team-a"})
	k.accept(onlySession(t, e).IDToken, "adele")
	return e, b, k
}

func TestNamespaceViewWithUserToken(t *testing.T) {
	e, b, k := clusterEnv(t)
	resp, body := b.Get(e.url("/namespaces/team-a"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /namespaces/team-a: status %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`id="pods-table"`, `data-name="web-1"`, "1/1", ">Running<", ">2<", "CrashLoopBackOff",
		`id="tab-codebases"`, `id="tab-cdpipelines"`, `id="tab-stages"`} {
		if !strings.Contains(body, want) {
			t.Errorf("pods page lacks %s", want)
		}
	}
	if strings.Contains(body, `id="tab-pipelineruns"`) {
		t.Errorf("pipeline runs tab shown though the cluster serves no tekton.dev")
	}
	tok := onlySession(t, e).IDToken
	k.mu.Lock()
	for _, h := range k.bearers {
		if h != "Bearer "+tok {
			t.Errorf("the API server saw Authorization %.20q…, want the user's ID token", h)
		}
	}
	k.mu.Unlock()
	if strings.Contains(body, tok) {
		t.Fatalf("the page contains the ID token")
	}
	resp, body = b.Get(e.url("/namespaces/team-a/codebases"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-name="my-app"`) {
		t.Fatalf("codebases: status %d, want my-app listed", resp.StatusCode)
	}
}

func TestNamespacesList(t *testing.T) {
	e, b, k := clusterEnv(t)
	_, body := b.Get(e.url("/namespaces"))
	if !strings.Contains(body, `data-namespace="team-a"`) || !strings.Contains(body, `id="list-limited"`) || strings.Contains(body, `data-namespace="default"`) {
		t.Fatalf("without list permission the page should show the allowed namespaces only:\n%s", body)
	}
	k.mu.Lock()
	k.listNamespaces = true
	k.mu.Unlock()
	_, body = b.Get(e.url("/namespaces"))
	if !strings.Contains(body, `data-namespace="default"`) || strings.Index(body, `data-namespace="team-a"`) > strings.Index(body, `data-namespace="default"`) {
		t.Fatalf("with list permission: want every namespace, the allowed one first")
	}
}

func TestForbiddenShowsIdentity(t *testing.T) {
	e, b, _ := clusterEnv(t)
	resp, body := b.Get(e.url("/namespaces/secret/pods"))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("pods in a forbidden namespace: status %d, want 403", resp.StatusCode)
	}
	for _, want := range []string{`id="missing-permission">list pods in namespace secret<`, `id="forbidden-username">oidc:adele<`,
		"oidc:developers", "kubectl create rolebinding portal-view-oidc-adele --clusterrole=view --user=oidc:adele --namespace=secret"} {
		if !strings.Contains(body, want) {
			t.Errorf("403 page lacks %s", want)
		}
	}
	if e.st.sessionCount() != 1 {
		t.Fatalf("a 403 ended the session")
	}
}

func TestCluster401(t *testing.T) {
	t.Run("fresh token: explained, no loop", func(t *testing.T) {
		k := newFakeKube(t) // accepts no token
		e := newPortalEnv(t, func(c *Config) { c.Cluster = ClusterConfig{URL: k.srv.URL} })
		b := testenv.NewBrowser(t)
		e.mustSignIn(b, "adele", nil)
		resp, body := b.Get(e.url("/namespaces/team-a"))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "does not accept your sign-in") {
			t.Fatalf("401 for a fresh token: status %d, want the 401 explanation page", resp.StatusCode)
		}
		if e.st.sessionCount() != 1 {
			t.Fatalf("the session was ended: signing in again would loop")
		}
	})
	t.Run("older token: sign in again", func(t *testing.T) {
		e, b, k := clusterEnv(t)
		e.clock.Advance(10 * time.Minute)
		k.mu.Lock()
		k.tokens = map[string]string{} // revoked
		k.mu.Unlock()
		resp, _ := b.Get(e.url("/namespaces/team-a"))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fnamespaces%2Fteam-a" {
			t.Fatalf("401 for an older token: status %d Location %q, want 303 to sign-in", resp.StatusCode, resp.Header.Get("Location"))
		}
		if e.st.sessionCount() != 0 {
			t.Fatalf("the session survived the cluster's 401")
		}
	})
}

func TestPagesWithoutCluster(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", map[string]any{"default_namespace": "team-a"})
	for path, want := range map[string]string{
		"/":                    "No cluster connected",
		"/namespaces":          `id="no-cluster"`,
		"/namespaces/team-a":   "No cluster connected",
		"/account":             "No cluster is connected",
		"/namespaces/x/nokind": "Page not found",
	} {
		resp, body := b.Get(e.url(path))
		wantStatus := http.StatusOK
		if strings.HasSuffix(path, "nokind") {
			wantStatus = http.StatusNotFound
		}
		if resp.StatusCode != wantStatus || !strings.Contains(body, want) {
			t.Errorf("GET %s without a cluster: status %d, want %d and %q", path, resp.StatusCode, wantStatus, want)
		}
	}
}

func TestClusterUnreachable(t *testing.T) {
	e := newPortalEnv(t, func(c *Config) { c.Cluster = ClusterConfig{URL: "http://127.0.0.1:1"} })
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", map[string]any{"default_namespace": "team-a"})
	resp, body := b.Get(e.url("/namespaces"))
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, `id="cluster-unavailable"`) || !strings.Contains(body, `data-namespace="team-a"`) {
		t.Fatalf("unreachable cluster: status %d, want 502 with a banner and the allowed namespaces", resp.StatusCode)
	}
	if e.st.sessionCount() != 1 {
		t.Fatalf("an unreachable cluster ended the session")
	}
}

func TestPodStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"running", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{}}}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{{Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}, "Running"},
		{"image pull", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{}}}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}}, "ImagePullBackOff"},
		{"completed", corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{}}}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			ContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}}}, "Completed"},
		{"init", corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{}, {}}, Containers: []corev1.Container{{}}}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
				{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}, "Init:1/2"},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{Time: time.Now()}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "Terminating"},
	} {
		if got, _, _, _ := PodStatus(&tc.pod); got != tc.want {
			t.Errorf("%s: PodStatus = %q, want %q", tc.name, got, tc.want)
		}
	}
}
