package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// workers is how many goroutines race in each test. The closures sleep a
// little so that a backend whose read-modify-write is not atomic lets the
// races overlap and loses updates.
const workers = 20

// race runs fn on workers goroutines at once and returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testConcurrency(t *testing.T, open opener) {
	t.Run("UpdateLosesNothing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		u := newUser(tenantA, "u1", "alice@contoso.com")
		u.DirectoryRoles = nil
		must(t, s.CreateUser(ctx, u), "CreateUser(%q)", "u1")
		errs := race(func(i int) error {
			_, err := s.UpdateUser(ctx, tenantA, "u1", func(u *directory.User) error {
				roles := append(u.DirectoryRoles, fmt.Sprintf("role-%02d", i))
				time.Sleep(time.Millisecond)
				u.DirectoryRoles = roles
				return nil
			})
			return err
		})
		var want []string
		for i, err := range errs {
			must(t, err, "UpdateUser(%q) in goroutine %d", "u1", i)
			want = append(want, fmt.Sprintf("role-%02d", i))
		}
		got, err := s.GetUser(ctx, tenantA, "u1")
		must(t, err, "GetUser(%q)", "u1")
		mustSet(t, got.DirectoryRoles, want, "DirectoryRoles after %d concurrent appends", workers)
	})

	// A code is single use: of concurrent redemptions exactly one may win.
	t.Run("AuthCodeRedeemedOnce", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateAuthCode(ctx, newAuthCode("code-1", live())), "CreateAuthCode")
		errUsed := errors.New("code already used")
		errs := race(func(i int) error {
			_, err := s.UpdateAuthCode(ctx, "code-1", func(c *grant.AuthCode) error {
				if c.UsedAt != nil {
					return errUsed
				}
				time.Sleep(time.Millisecond)
				used := created
				c.UsedAt = &used
				c.FamilyID = fmt.Sprintf("family-%02d", i)
				return nil
			})
			return err
		})
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errUsed):
				t.Fatalf("UpdateAuthCode in goroutine %d = %v, want nil or the closure's error", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d of %d concurrent redemptions succeeded, want 1", wins, workers)
		}
	})

	t.Run("AddGroupMemberOnce", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		errs := race(func(int) error { return s.AddGroupMember(ctx, tenantA, "g1", "u1") })
		mustOneWinner(t, errs, "AddGroupMember(%q, %q)", "g1", "u1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1"}, "ListGroupMembers(%q)", "g1")
	})

	t.Run("CreateUserSameUPNOnce", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		errs := race(func(i int) error {
			return s.CreateUser(ctx, newUser(tenantA, fmt.Sprintf("u%02d", i), "alice@contoso.com"))
		})
		mustOneWinner(t, errs, "CreateUser(UPN %q)", "alice@contoso.com")
		users, err := s.ListUsers(ctx, tenantA)
		must(t, err, "ListUsers(%q)", tenantA)
		if len(users) != 1 {
			t.Fatalf("ListUsers(%q) returned %d users, want 1", tenantA, len(users))
		}
	})

	// Entra compares extension names case-insensitively: of concurrent
	// creates that differ only in case, exactly one may win.
	t.Run("CreateExtensionPropertySameNameOnce", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		errs := race(func(i int) error {
			name := extCostCenter
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			return s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, fmt.Sprintf("ext-%02d", i), "app-1", name))
		})
		mustOneWinner(t, errs, "CreateExtensionProperty(name %q in any case)", extCostCenter)
		ps, err := s.ListExtensionProperties(ctx, tenantA, "")
		must(t, err, "ListExtensionProperties(%q)", "")
		if len(ps) != 1 {
			t.Fatalf("ListExtensionProperties(%q) returned %d definitions, want 1", "", len(ps))
		}
	})

	// An assignment created while its policy is deleted either lands before
	// the delete (and goes with it) or fails: none outlives the policy.
	t.Run("PolicyAssignmentsDieWithPolicy", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping)), "CreatePolicy(%q)", "p-1")
		errs := race(func(i int) error {
			if i == workers/2 {
				return s.DeletePolicy(ctx, tenantA, "p-1")
			}
			err := s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, fmt.Sprintf("sp-%02d", i), "servicePrincipal"))
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		})
		for i, err := range errs {
			must(t, err, "goroutine %d (DeletePolicy, or CreatePolicyAssignment allowed to find no policy)", i)
		}
		got, err := s.ListPolicyAssignmentsByPolicy(ctx, tenantA, "p-1")
		must(t, err, "ListPolicyAssignmentsByPolicy(%q)", "p-1")
		mustOrder(t, got, assignedObject, nil, "ListPolicyAssignmentsByPolicy(%q) after the policy was deleted", "p-1")
		for i := range workers {
			object := fmt.Sprintf("sp-%02d", i)
			got, err := s.ListPolicyAssignmentsByObject(ctx, tenantA, object, "")
			must(t, err, "ListPolicyAssignmentsByObject(%q)", object)
			mustOrder(t, got, assignedPolicy, nil, "ListPolicyAssignmentsByObject(%q) after the policy was deleted", object)
		}
	})

	// Reads run alongside writes without errors or torn documents.
	t.Run("ReadsDuringWrites", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		errs := race(func(i int) error {
			if i%2 == 0 {
				_, err := s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
					a.Web.RedirectURIs = append(a.Web.RedirectURIs, fmt.Sprintf("https://app.example/%d", i))
					return nil
				})
				return err
			}
			a, err := s.GetApplicationByAppID(ctx, tenantA, "client-1")
			if err == nil && a.ID != "app-1" {
				err = fmt.Errorf("read application %q, want %q", a.ID, "app-1")
			}
			return err
		})
		for i, err := range errs {
			must(t, err, "goroutine %d", i)
		}
		a, err := s.GetApplication(ctx, tenantA, "app-1")
		must(t, err, "GetApplication(%q)", "app-1")
		if got, want := len(a.Web.RedirectURIs), 1+workers/2; got != want {
			t.Fatalf("GetApplication(%q) has %d redirect URIs after %d concurrent appends, want %d", "app-1", got, workers/2, want)
		}
	})
}

// mustOneWinner fails unless exactly one call succeeded and all others
// returned ErrConflict.
func mustOneWinner(t *testing.T, errs []error, format string, args ...any) {
	t.Helper()
	call := fmt.Sprintf(format, args...)
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("%s in goroutine %d = %v, want nil or ErrConflict", call, i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent %s succeeded, want 1", wins, len(errs), call)
	}
}
