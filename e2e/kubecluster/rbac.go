package kubecluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// grantTimeout bounds how long a new binding may take to reach the RBAC
// authorizer's informer cache.
const grantTimeout = 10 * time.Second

// RESTConfig returns a client-go configuration for the API server that
// authenticates with the bearer token.
func (c *Cluster) RESTConfig(token string) *rest.Config {
	return &rest.Config{
		Host:            c.URL,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAPEM},
		UserAgent:       "gatehouse-e2e",
	}
}

// AdminClient returns a clientset that authenticates with AdminToken.
func (c *Cluster) AdminClient(t testing.TB) kubernetes.Interface {
	t.Helper()
	c.adminOnce.Do(func() {
		c.admin, c.adminErr = kubernetes.NewForConfig(c.RESTConfig(c.AdminToken))
	})
	if c.adminErr != nil {
		t.Fatalf("admin clientset: %v", c.adminErr)
	}
	return c.admin
}

// User is an RBAC subject for a user name as the authenticator derives it
// (with its claim prefix, for example "oidc:adele@contoso.example").
func User(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

// Group is an RBAC subject for a group name as the authenticator derives it
// (with its claim prefix, for example "oidc:<group object id>").
func Group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

// ApplyClusterRole creates role, or replaces the rules of the ClusterRole
// of the same name.
func (c *Cluster) ApplyClusterRole(t testing.TB, role *rbacv1.ClusterRole) *rbacv1.ClusterRole {
	t.Helper()
	ctx := context.Background()
	roles := c.AdminClient(t).RbacV1().ClusterRoles()
	created, err := roles.Create(ctx, role, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		var existing *rbacv1.ClusterRole
		if existing, err = roles.Get(ctx, role.Name, metav1.GetOptions{}); err == nil {
			update := role.DeepCopy()
			update.ResourceVersion = existing.ResourceVersion
			created, err = roles.Update(ctx, update, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		t.Fatalf("apply ClusterRole %s: %v", role.Name, err)
	}
	return created
}

// BindClusterRole binds the ClusterRole named role to subjects with a new
// ClusterRoleBinding, and waits until the RBAC authorizer grants each
// subject the role's first rule, so a request made right after is judged
// with the binding. The role must exist and have rules: without a controller
// manager the aggregated roles view, edit and admin have none.
func (c *Cluster) BindClusterRole(t testing.TB, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	t.Helper()
	ctx := context.Background()
	client := c.AdminClient(t)
	cr, err := client.RbacV1().ClusterRoles().Get(ctx, role, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ClusterRole %s to bind: %v", role, err)
	}
	if len(cr.Rules) == 0 {
		t.Fatalf("ClusterRole %s has no rules; aggregated roles stay empty without a controller manager", role)
	}
	binding, err := client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-" + strings.ReplaceAll(role, ":", "-") + "-"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("bind ClusterRole %s to %v: %v", role, subjects, err)
	}
	for _, s := range subjects {
		if err := waitGranted(ctx, client, s, cr.Rules[0]); err != nil {
			t.Fatalf("ClusterRoleBinding %s (ClusterRole %s): %v", binding.Name, role, err)
		}
	}
	return binding
}

// waitGranted asks the API server (SubjectAccessReview) whether subject may
// do what rule allows until it says yes.
func waitGranted(ctx context.Context, client kubernetes.Interface, subject rbacv1.Subject, rule rbacv1.PolicyRule) error {
	spec, err := accessReviewSpec(subject, rule)
	if err != nil {
		return err
	}
	reviews := client.AuthorizationV1().SubjectAccessReviews()
	deadline := time.Now().Add(grantTimeout)
	for {
		review, err := reviews.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("SubjectAccessReview for %s %s: %w", subject.Kind, subject.Name, err)
		}
		if review.Status.Allowed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %s not granted %v after %s: %s", subject.Kind, subject.Name, rule, grantTimeout, review.Status.Reason)
		}
		time.Sleep(pollInterval)
	}
}

// accessReviewSpec is a request by subject that rule allows.
func accessReviewSpec(subject rbacv1.Subject, rule rbacv1.PolicyRule) (authorizationv1.SubjectAccessReviewSpec, error) {
	var spec authorizationv1.SubjectAccessReviewSpec
	switch subject.Kind {
	case rbacv1.UserKind:
		spec.User = subject.Name
	case rbacv1.GroupKind:
		spec.Groups = []string{subject.Name}
	case rbacv1.ServiceAccountKind:
		spec.User = "system:serviceaccount:" + subject.Namespace + ":" + subject.Name
	default:
		return spec, fmt.Errorf("subject kind %q is not User, Group or ServiceAccount", subject.Kind)
	}
	if len(rule.Verbs) == 0 {
		return spec, errors.New("rule has no verbs")
	}
	if len(rule.NonResourceURLs) > 0 {
		spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Path: rule.NonResourceURLs[0], Verb: rule.Verbs[0]}
		return spec, nil
	}
	if len(rule.APIGroups) == 0 || len(rule.Resources) == 0 {
		return spec, fmt.Errorf("rule %v names no API group or resource", rule)
	}
	resource, subresource, _ := strings.Cut(rule.Resources[0], "/")
	spec.ResourceAttributes = &authorizationv1.ResourceAttributes{
		Verb:        rule.Verbs[0],
		Group:       rule.APIGroups[0],
		Resource:    resource,
		Subresource: subresource,
	}
	if len(rule.ResourceNames) > 0 {
		spec.ResourceAttributes.Name = rule.ResourceNames[0]
	}
	return spec, nil
}
