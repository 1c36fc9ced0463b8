package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/store/storetest"
)

func openFile(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%q) = %v, want nil", path, err)
	}
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openFile(t)
		return s
	})
}

// The in-memory database runs on one connection: check it still passes,
// concurrency tests included.
func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), ":memory:")
		if err != nil {
			t.Fatalf("Open(%q) = %v, want nil", ":memory:", err)
		}
		return s
	})
}

func TestPragmas(t *testing.T) {
	s, _ := openFile(t)
	defer s.Close()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"busy_timeout", "5000"},
	}
	for _, tc := range tests {
		var got string
		if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s = %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
}

// TestBeginImmediate checks that _txlock=immediate reaches this driver
// version: an open transaction holds the write lock before any statement,
// so a second writer is refused at once.
func TestBeginImmediate(t *testing.T) {
	s, path := openFile(t)
	defer s.Close()
	tx, err := s.db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatalf("BeginTx() = %v", err)
	}
	defer tx.Rollback()

	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatalf("sql.Open() = %v", err)
	}
	defer other.Close()
	if _, err := other.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err == nil {
		t.Fatalf("BEGIN IMMEDIATE beside an empty BeginTx() = nil, want SQLITE_BUSY: BeginTx is not immediate")
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	s, path := openFile(t)
	ctx := t.Context()
	if err := s.CreateUser(ctx, &directory.User{TenantID: "t", ID: "u1", UserPrincipalName: "a@b.c"}); err != nil {
		t.Fatalf("CreateUser() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%q) again = %v, want nil", path, err)
	}
	defer s.Close()
	if _, err := s.GetUserByUPN(ctx, "t", "A@B.C"); err != nil {
		t.Fatalf("GetUserByUPN() after reopening = %v, want nil", err)
	}
	var versions int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatalf("count schema_migrations: %v", err)
	}
	if versions != len(migrations) {
		t.Fatalf("schema_migrations has %d rows after two opens, want %d", versions, len(migrations))
	}
}

// TestUpgradeFromVersion1 opens a database written by a build that knew
// only the first migration: the later ones apply on top, and the old
// objects work with the new tables.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	v1, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatalf("sql.Open() = %v", err)
	}
	app := &directory.Application{TenantID: "t", ID: "app-1", AppID: "client-1", CreatedAt: time.Unix(0, 0).UTC()}
	doc, err := json.Marshal(app)
	if err != nil {
		t.Fatalf("encode application: %v", err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`,
		migration0001,
		`INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)`,
		`INSERT INTO applications (tenant_id, id, app_id, doc) VALUES ('t', 'app-1', 'client-1', '` + string(doc) + `')`,
	} {
		if _, err := v1.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("build version 1 database: %v", err)
		}
	}
	if err := v1.Close(); err != nil {
		t.Fatalf("close version 1 database: %v", err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%q) of a version 1 database = %v, want nil", path, err)
	}
	defer s.Close()
	var version int
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&version); err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	if version != len(migrations) {
		t.Fatalf("schema version after upgrade = %d, want %d", version, len(migrations))
	}
	if _, err := s.GetApplication(ctx, "t", "app-1"); err != nil {
		t.Fatalf("GetApplication() of a version 1 object = %v, want nil", err)
	}
	p := &directory.ExtensionProperty{TenantID: "t", ID: "ext-1", AppObjectID: "app-1", Name: "extension_client1_level"}
	if err := s.CreateExtensionProperty(ctx, p); err != nil {
		t.Fatalf("CreateExtensionProperty() after upgrade = %v, want nil", err)
	}
	if err := s.DeleteApplication(ctx, "t", "app-1"); err != nil {
		t.Fatalf("DeleteApplication() after upgrade = %v, want nil", err)
	}
	if _, err := s.GetExtensionProperty(ctx, "t", "ext-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetExtensionProperty() after DeleteApplication = %v, want ErrNotFound", err)
	}
}

// TestDirectoryVersionSharedByProcesses: the version lives in the file, so
// a store opened separately on it (another process, another replica) sees
// the writes of the first, which is what caches in front of it rely on.
func TestDirectoryVersionSharedByProcesses(t *testing.T) {
	a, path := openFile(t)
	defer a.Close()
	ctx := t.Context()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(%q) a second time = %v", path, err)
	}
	defer b.Close()
	before, err := b.DirectoryVersion(ctx)
	if err != nil {
		t.Fatalf("DirectoryVersion() = %v", err)
	}
	if err := a.CreateGroup(ctx, &directory.Group{TenantID: "t", ID: "g1"}); err != nil {
		t.Fatalf("CreateGroup() = %v", err)
	}
	after, err := b.DirectoryVersion(ctx)
	if err != nil {
		t.Fatalf("DirectoryVersion() = %v", err)
	}
	if after <= before {
		t.Fatalf("DirectoryVersion() of the second store after the first wrote = %d, want more than %d", after, before)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openFile(t)
	if _, err := s.db.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", len(migrations)+1); err != nil {
		t.Fatalf("insert schema version: %v", err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatalf("Open() of a database from a newer build = nil, want an error")
	}
}

// TestClock checks that expiry follows the injected clock, and that a
// record is gone at its expiry instant (expires_at <= now).
func TestClock(t *testing.T) {
	expiry := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := expiry.Add(-time.Second)
	s, _ := openFile(t, WithClock(func() time.Time { return now }))
	defer s.Close()
	ctx := t.Context()
	if err := s.CreateSession(ctx, &grant.Session{Hash: "h", ExpiresAt: expiry}); err != nil {
		t.Fatalf("CreateSession() = %v", err)
	}
	if _, err := s.GetSession(ctx, "h"); err != nil {
		t.Fatalf("GetSession() a second before expiry = %v, want nil", err)
	}
	now = expiry
	if _, err := s.GetSession(ctx, "h"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSession() at expiry = %v, want ErrNotFound", err)
	}
}

func BenchmarkGetApplicationByAppID(b *testing.B) {
	s, _ := openFile(b)
	defer s.Close()
	ctx := context.Background()
	const apps = 1000
	for i := range apps {
		a := &directory.Application{
			TenantID:       "tenant",
			ID:             fmt.Sprintf("app-%04d", i),
			AppID:          fmt.Sprintf("client-%04d", i),
			DisplayName:    "Benchmark app",
			SignInAudience: directory.AudienceMyOrg,
			Web:            directory.WebApplication{RedirectURIs: []string{"https://app.example/signin-oidc"}},
		}
		if err := s.CreateApplication(ctx, a); err != nil {
			b.Fatalf("CreateApplication() = %v", err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			appID := fmt.Sprintf("client-%04d", i%apps)
			if _, err := s.GetApplicationByAppID(ctx, "tenant", appID); err != nil {
				b.Errorf("GetApplicationByAppID(%q) = %v", appID, err)
				return
			}
			i++
		}
	})
}

// TestUpgradeToAuthorizationSchema: a version 5 store whose data already
// breaks the new uniqueness rules (two apps with one App ID URI, two users
// with one mail) and keeps directory roles on users opens: roles become
// role assignments, the first owner keeps a shared name, and the resource
// index answers.
func TestUpgradeToAuthorizationSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	v5, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`}
	for i, m := range migrations[:5] {
		stmts = append(stmts, m, fmt.Sprintf(`INSERT INTO schema_migrations (version, applied_at) VALUES (%d, 0)`, i+1))
	}
	doc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	a1 := &directory.Application{TenantID: "t", ID: "app-1", AppID: "client-1", IdentifierURIs: []string{"https://Orders.example/"}}
	a2 := &directory.Application{TenantID: "t", ID: "app-2", AppID: "client-2", IdentifierURIs: []string{"https://orders.example"}}
	u1 := &directory.User{TenantID: "t", ID: "u1", UserPrincipalName: "a@x", Mail: "same@x", DirectoryRoles: []string{directory.RoleGlobalAdministrator}}
	u2 := &directory.User{TenantID: "t", ID: "u2", UserPrincipalName: "b@x", Mail: "SAME@x"}
	stmts = append(stmts,
		`INSERT INTO applications (tenant_id, id, app_id, doc) VALUES ('t', 'app-1', 'client-1', '`+doc(a1)+`')`,
		`INSERT INTO applications (tenant_id, id, app_id, doc) VALUES ('t', 'app-2', 'client-2', '`+doc(a2)+`')`,
		`INSERT INTO users (tenant_id, id, upn, doc) VALUES ('t', 'u1', 'a@x', '`+doc(u1)+`')`,
		`INSERT INTO users (tenant_id, id, upn, doc) VALUES ('t', 'u2', 'b@x', '`+doc(u2)+`')`)
	for _, stmt := range stmts {
		if _, err := v5.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("build version 5 database: %v\n%s", err, stmt)
		}
	}
	v5.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 5 database = %v", err)
	}
	defer s.Close()
	if owner, err := s.ResourceOwner(ctx, "t", "https://orders.example"); err != nil || owner != "client-1" {
		t.Fatalf("ResourceOwner after upgrade = %q, %v; want client-1 (the first owner)", owner, err)
	}
	roles, err := s.ListRoleAssignments(ctx, "t", store.RoleAssignmentFilter{PrincipalID: "u1"})
	if err != nil || len(roles) != 1 || roles[0].RoleDefinitionID != directory.RoleGlobalAdministrator || !directory.IsGUID(roles[0].ID) {
		t.Fatalf("u1's role assignments after upgrade = %+v, %v; want one Global Administrator with a GUID id", roles, err)
	}
	u, err := s.GetUser(ctx, "t", "u1")
	if err != nil || len(u.DirectoryRoles) != 0 {
		t.Fatalf("u1 after upgrade = %+v, %v; want no directoryRoles left in the document", u, err)
	}
	if got, err := s.GetUserByMail(ctx, "t", "same@x"); err != nil || got.ID != "u1" {
		t.Fatalf("GetUserByMail after upgrade = %v, %v; want u1 (the lowest id keeps a shared mail)", got, err)
	}
}

// TestF8StoreFilesArePrivate: in a directory others can read, the database
// and its WAL files are still readable by the owner only.
func TestF8StoreFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(dir, "gatehouse.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTenant(t.Context(), &directory.Tenant{ID: "t", InitialDomain: "x.example"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Fatalf("%s mode = %v, want 0600", filepath.Base(p), perm)
		}
	}
	s.Close()
	// An existing world-readable file is narrowed when it is opened.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("reopened file mode = %v, want 0600", fi.Mode().Perm())
	}
}
