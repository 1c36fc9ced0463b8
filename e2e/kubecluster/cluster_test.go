package kubecluster_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

// TestClusterServesKubectl is the smoke test of the control plane: an object
// created through client-go with the admin token is what kubectl, with the
// admin kubeconfig, lists.
func TestClusterServesKubectl(t *testing.T) {
	kubecluster.RequireBinaries(t)
	cluster := kubecluster.Start(t, kubecluster.Config{})
	const namespace = "e2e-smoke"
	_, err := cluster.AdminClient(t).CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s as the admin: %v", namespace, err)
	}

	stdout, stderr, err := cluster.Kubectl(t, "get", "namespaces")
	if err != nil {
		t.Fatalf("kubectl get namespaces: %v\nstderr:\n%s", err, stderr)
	}
	if names := firstColumn(stdout); !slices.Contains(names, namespace) {
		t.Fatalf("kubectl get namespaces lists %v, want %s among them\n%s", names, namespace, stdout)
	}
}

// firstColumn returns the first field of each row of kubectl's table output,
// without the header.
func firstColumn(table string) []string {
	var names []string
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if fields := strings.Fields(line); i > 0 && len(fields) > 0 {
			names = append(names, fields[0])
		}
	}
	return names
}
