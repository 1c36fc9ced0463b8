package cache_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/store/cache"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-id/gatehouse/internal/store/storetest"
)

const tenantID = "aaaaaaaa-0000-0000-0000-00000000000a"

// The suite writes and reads through one wrapper, so every read after a
// write must see it without waiting for a refresh: the default interval
// stays in place to show that.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return cache.New(openSQLite(t, filepath.Join(t.TempDir(), "gatehouse.db")))
	})
}

// A cache that holds two answers evicts all the time; the suite must pass
// all the same.
func TestConformanceTinyCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return cache.New(openSQLite(t, filepath.Join(t.TempDir(), "gatehouse.db")), cache.WithMaxEntries(2))
	})
}

func openSQLite(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%q) = %v", path, err)
	}
	return s
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counting wraps a backend and counts the calls that reach it; it can
// fail DirectoryVersion and GetTenant on demand.
type counting struct {
	store.Store
	versionReads, tenantReads atomic.Int64
	failVersion, failTenant   atomic.Bool
}

var errBackend = errors.New("backend unavailable")

func (c *counting) DirectoryVersion(ctx context.Context) (int64, error) {
	c.versionReads.Add(1)
	if c.failVersion.Load() {
		return 0, errBackend
	}
	return c.Store.DirectoryVersion(ctx)
}

func (c *counting) GetTenant(ctx context.Context, id string) (*directory.Tenant, error) {
	c.tenantReads.Add(1)
	if c.failTenant.Load() {
		return nil, errBackend
	}
	return c.Store.GetTenant(ctx, id)
}

func seed(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	for _, err := range []error{
		s.CreateTenant(ctx, &directory.Tenant{ID: tenantID, InitialDomain: "contoso.onmicrosoft.com", DisplayName: "v0"}),
		s.CreateApplication(ctx, &directory.Application{TenantID: tenantID, ID: "app-1", AppID: "client-1", DisplayName: "v0",
			PasswordCredentials: []directory.PasswordCredential{{KeyID: "k1", SecretHash: []byte{1, 2, 3}}}}),
		s.CreateServicePrincipal(ctx, &directory.ServicePrincipal{TenantID: tenantID, ID: "sp-1", AppID: "client-1", AccountEnabled: true,
			AppRoles: []directory.AppRole{{ID: "role-1", Value: "Things.Read", AllowedMemberTypes: []string{"Application"}, IsEnabled: true}}}),
		s.CreateAppRoleAssignment(ctx, &directory.AppRoleAssignment{TenantID: tenantID, ID: "a1", PrincipalID: "sp-1", ResourceID: "sp-1", AppRoleID: "role-1"}),
	} {
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
}

// change is a directory write and what the token path reads of it, before
// (as cached) and after.
type change struct {
	name  string
	write func(ctx context.Context, s store.Store) error
	// read renders what a cached read returns, errors included.
	read          func(ctx context.Context, s store.Store) string
	before, after string
}

func changes() []change {
	return []change{
		{
			name: "secret removed",
			write: func(ctx context.Context, s store.Store) error {
				_, err := s.UpdateApplication(ctx, tenantID, "app-1", func(a *directory.Application) error {
					a.PasswordCredentials = nil
					return nil
				})
				return err
			},
			read: func(ctx context.Context, s store.Store) string {
				a, err := s.GetApplicationByAppID(ctx, tenantID, "client-1")
				if err != nil {
					return err.Error()
				}
				return fmt.Sprintf("%d secrets", len(a.PasswordCredentials))
			},
			before: "1 secrets", after: "0 secrets",
		},
		{
			name: "service principal disabled",
			write: func(ctx context.Context, s store.Store) error {
				_, err := s.UpdateServicePrincipal(ctx, tenantID, "sp-1", func(sp *directory.ServicePrincipal) error {
					sp.AccountEnabled = false
					return nil
				})
				return err
			},
			read: func(ctx context.Context, s store.Store) string {
				sp, err := s.GetServicePrincipalByAppID(ctx, tenantID, "client-1")
				if err != nil {
					return err.Error()
				}
				return fmt.Sprintf("enabled %v", sp.AccountEnabled)
			},
			before: "enabled true", after: "enabled false",
		},
		{
			name:  "consent withdrawn",
			write: func(ctx context.Context, s store.Store) error { return s.DeleteAppRoleAssignment(ctx, tenantID, "a1") },
			read: func(ctx context.Context, s store.Store) string {
				as, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantID, "sp-1")
				if err != nil {
					return err.Error()
				}
				return fmt.Sprintf("%d assignments", len(as))
			},
			before: "1 assignments", after: "0 assignments",
		},
		{
			// A cached "not found" must go too.
			name: "tenant created",
			write: func(ctx context.Context, s store.Store) error {
				return s.CreateTenant(ctx, &directory.Tenant{ID: "bbbbbbbb-0000-0000-0000-00000000000b", InitialDomain: "fabrikam.onmicrosoft.com"})
			},
			read: func(ctx context.Context, s store.Store) string {
				t, err := s.GetTenantByDomain(ctx, "fabrikam.onmicrosoft.com")
				if errors.Is(err, store.ErrNotFound) {
					return "not found"
				}
				if err != nil {
					return err.Error()
				}
				return "found " + t.ID
			},
			before: "not found", after: "found bbbbbbbb-0000-0000-0000-00000000000b",
		},
	}
}

// TestWriteThroughWrapperIsVisibleAtOnce: the clock never moves, so the
// version is never read again; only the wrapper's own invalidation can
// make the change visible.
func TestWriteThroughWrapperIsVisibleAtOnce(t *testing.T) {
	for _, tc := range changes() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			s := cache.New(openSQLite(t, filepath.Join(t.TempDir(), "gatehouse.db")),
				cache.WithClock(newFakeClock().Now), cache.WithRefreshInterval(time.Hour))
			defer s.Close()
			seed(t, s)
			for range 2 { // the second read is a cache hit
				if got := tc.read(ctx, s); got != tc.before {
					t.Fatalf("read before the write = %q, want %q", got, tc.before)
				}
			}
			if err := tc.write(ctx, s); err != nil {
				t.Fatalf("write = %v", err)
			}
			if got := tc.read(ctx, s); got != tc.after {
				t.Fatalf("read right after the write through the same wrapper = %q, want %q", got, tc.after)
			}
		})
	}
}

// TestWriteByAnotherReplica: two wrappers over two stores opened on one
// SQLite file, as two replicas would be. A write through the second
// becomes visible to the first once its refresh interval has passed, not
// before (that the first still serves its cached answer shows it caches).
func TestWriteByAnotherReplica(t *testing.T) {
	const interval = time.Second
	for _, tc := range changes() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "gatehouse.db")
			clock := newFakeClock()
			a := cache.New(openSQLite(t, path), cache.WithClock(clock.Now), cache.WithRefreshInterval(interval))
			defer a.Close()
			b := cache.New(openSQLite(t, path))
			defer b.Close()
			seed(t, b)

			if got := tc.read(ctx, a); got != tc.before {
				t.Fatalf("replica A read before the write = %q, want %q", got, tc.before)
			}
			if err := tc.write(ctx, b); err != nil {
				t.Fatalf("write on replica B = %v", err)
			}
			clock.Advance(interval - time.Millisecond)
			if got := tc.read(ctx, a); got != tc.before {
				t.Fatalf("replica A read %v after B's write = %q, want the cached %q", interval-time.Millisecond, got, tc.before)
			}
			clock.Advance(time.Millisecond)
			if got := tc.read(ctx, a); got != tc.after {
				t.Fatalf("replica A read %v after B's write = %q, want %q", interval, got, tc.after)
			}
		})
	}
}

// TestRefreshIntervalZero checks before every read: another replica's
// write is visible at once.
func TestRefreshIntervalZero(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	a := cache.New(openSQLite(t, path), cache.WithClock(newFakeClock().Now), cache.WithRefreshInterval(0))
	defer a.Close()
	b := openSQLite(t, path)
	defer b.Close()
	seed(t, b)
	for _, tc := range changes() {
		if got := tc.read(ctx, a); got != tc.before {
			t.Fatalf("%s: read before the write = %q, want %q", tc.name, got, tc.before)
		}
		if err := tc.write(ctx, b); err != nil {
			t.Fatalf("%s: write = %v", tc.name, err)
		}
		if got := tc.read(ctx, a); got != tc.after {
			t.Fatalf("%s: read right after another store's write = %q, want %q", tc.name, got, tc.after)
		}
	}
}

func newCounting(t *testing.T, opts ...cache.Option) (*cache.Store, *counting, *fakeClock) {
	t.Helper()
	backend := &counting{Store: openSQLite(t, filepath.Join(t.TempDir(), "gatehouse.db"))}
	clock := newFakeClock()
	s := cache.New(backend, append([]cache.Option{cache.WithClock(clock.Now), cache.WithRefreshInterval(time.Second)}, opts...)...)
	t.Cleanup(func() { s.Close() })
	seed(t, s)
	return s, backend, clock
}

// TestHitsStayInMemory: repeated reads reach the backend once, the
// version once per interval.
func TestHitsStayInMemory(t *testing.T) {
	ctx := t.Context()
	s, backend, clock := newCounting(t)
	for i := range 5 {
		if _, err := s.GetTenant(ctx, tenantID); err != nil {
			t.Fatalf("GetTenant() #%d = %v", i, err)
		}
		if _, err := s.GetTenant(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetTenant(missing) #%d = %v, want ErrNotFound", i, err)
		}
	}
	if got := backend.tenantReads.Load(); got != 2 {
		t.Fatalf("backend GetTenant calls for 5 reads of 2 ids = %d, want 2", got)
	}
	if got := backend.versionReads.Load(); got != 1 {
		t.Fatalf("backend DirectoryVersion calls within one interval = %d, want 1", got)
	}
	// An unchanged version keeps the entries.
	clock.Advance(time.Second)
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		t.Fatalf("GetTenant() after the interval = %v", err)
	}
	if got, want := backend.versionReads.Load(), int64(2); got != want {
		t.Fatalf("backend DirectoryVersion calls after one interval = %d, want %d", got, want)
	}
	if got := backend.tenantReads.Load(); got != 2 {
		t.Fatalf("backend GetTenant calls after an unchanged version = %d, want 2 (still cached)", got)
	}
}

// TestFailuresAreNotCached: only ErrNotFound is remembered; a failing
// backend is asked again.
func TestFailuresAreNotCached(t *testing.T) {
	ctx := t.Context()
	s, backend, _ := newCounting(t)
	backend.failTenant.Store(true)
	if _, err := s.GetTenant(ctx, tenantID); !errors.Is(err, errBackend) {
		t.Fatalf("GetTenant() with a failing backend = %v, want %v", err, errBackend)
	}
	backend.failTenant.Store(false)
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		t.Fatalf("GetTenant() once the backend is back = %v, want nil", err)
	}
}

// TestVersionFailureFailsRead: a cache that cannot tell whether its
// answers are current does not serve them.
func TestVersionFailureFailsRead(t *testing.T) {
	ctx := t.Context()
	s, backend, clock := newCounting(t)
	if _, err := s.GetTenant(ctx, tenantID); err != nil {
		t.Fatalf("GetTenant() = %v", err)
	}
	backend.failVersion.Store(true)
	clock.Advance(time.Second)
	if _, err := s.GetTenant(ctx, tenantID); !errors.Is(err, errBackend) {
		t.Fatalf("GetTenant() when DirectoryVersion fails = %v, want %v", err, errBackend)
	}
}

// TestBounded: with room for two answers, a third drops them all.
func TestBounded(t *testing.T) {
	ctx := t.Context()
	s, backend, _ := newCounting(t, cache.WithMaxEntries(2))
	for _, id := range []string{"t1", "t2", "t3", "t1"} {
		s.GetTenant(ctx, id)
	}
	if got := backend.tenantReads.Load(); got != 4 {
		t.Fatalf("backend GetTenant calls for t1 t2 t3 t1 with 2 entries = %d, want 4 (t1 evicted)", got)
	}
}

// TestCopies: what a read returns is the caller's, hit or miss.
func TestCopies(t *testing.T) {
	ctx := t.Context()
	s, _, _ := newCounting(t)
	for i := range 3 {
		sp, err := s.GetServicePrincipalByAppID(ctx, tenantID, "client-1")
		if err != nil {
			t.Fatalf("GetServicePrincipalByAppID() #%d = %v", i, err)
		}
		if got := sp.AppRoles[0].AllowedMemberTypes[0]; got != "Application" {
			t.Fatalf("GetServicePrincipalByAppID() #%d AppRoles[0].AllowedMemberTypes[0] = %q, want %q", i, got, "Application")
		}
		sp.AppRoles[0].AllowedMemberTypes[0] = "mutated"
		sp.AccountEnabled = false

		as, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantID, "sp-1")
		if err != nil || len(as) != 1 || as[0].AppRoleID != "role-1" {
			t.Fatalf("ListAppRoleAssignmentsByPrincipal() #%d = %v, %v; want one assignment of role-1", i, as, err)
		}
		as[0].AppRoleID = "mutated"
		as[0] = nil
	}
}

// TestConcurrentReadsSeeCompletedWrites races readers against a writer
// (run with -race): a read that starts after an update returned never sees
// an older value.
func TestConcurrentReadsSeeCompletedWrites(t *testing.T) {
	ctx := t.Context()
	s := cache.New(openSQLite(t, filepath.Join(t.TempDir(), "gatehouse.db")))
	defer s.Close()
	seed(t, s)
	const writes = 50
	var written atomic.Int64 // the last version whose update returned
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := written.Load()
				a, err := s.GetApplicationByAppID(ctx, tenantID, "client-1")
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.Atoi(strings.TrimPrefix(a.DisplayName, "v"))
				if int64(n) < floor {
					errs <- fmt.Errorf("read %q after version %d was written", a.DisplayName, floor)
					return
				}
			}
		})
	}
	for i := 1; i <= writes; i++ {
		_, err := s.UpdateApplication(ctx, tenantID, "app-1", func(a *directory.Application) error {
			a.DisplayName = fmt.Sprintf("v%d", i)
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateApplication(v%d) = %v", i, err)
		}
		written.Store(int64(i))
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
