package keys_test

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

func newManager(t *testing.T, st *sqlite.Store) *keys.Manager {
	t.Helper()
	m, err := keys.NewManager(context.Background(), keys.Config{Store: st})
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	return m
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestJWKSShape(t *testing.T) {
	m := newManager(t, openStore(t))
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2 (active and next)", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		x5c, _ := k["x5c"].([]any)
		if k["kty"] != "RSA" || k["use"] != "sig" || k["kid"] == nil || k["n"] == nil || k["e"] != "AQAB" || len(x5c) != 1 {
			t.Fatalf("key = %v, want RSA sig key with kid, n, e and one x5c", k)
		}
		der, err := base64.StdEncoding.DecodeString(x5c[0].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x509.ParseCertificate(der); err != nil {
			t.Fatalf("x5c is not a certificate: %v", err)
		}
		sum := sha1.Sum(der)
		if k["x5t"] != base64.RawURLEncoding.EncodeToString(sum[:]) || k["kid"] != k["x5t"] {
			t.Fatalf("x5t = %v kid = %v, want both the certificate's SHA-1 thumbprint", k["x5t"], k["kid"])
		}
	}
}

func TestRotationPublishesBeforeSigning(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m := newManager(t, st)
	replica := newManager(t, st) // a second process on the same store
	oldActive := m.ActiveKID()
	published := m.PublishedKIDs()
	oldToken, err := m.Sign([]byte(`{"exp":9999999999}`), true)
	if err != nil {
		t.Fatal(err)
	}
	newActive, err := m.Rotate(ctx, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	if newActive == oldActive || !slices.Contains(published, newActive) {
		t.Fatalf("new active key %s was not published before rotation (published %v)", newActive, published)
	}
	if slices.Contains(m.PublishedKIDs(), oldActive) {
		t.Fatal("rotated-out key still published after its grace period")
	}
	if _, err := token.Verify(oldToken, m, time.Now()); err == nil {
		t.Fatal("a token signed by the dropped key still verifies")
	}
	if err := replica.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if replica.ActiveKID() != newActive {
		t.Fatalf("replica active = %s, want %s after reload", replica.ActiveKID(), newActive)
	}
	jwt, err := replica.Sign([]byte(`{"exp":9999999999}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := token.Verify(jwt, m, time.Now()); err != nil {
		t.Fatalf("token from the replica does not verify: %v", err)
	}
}

func TestRetiredKeyStaysPublishedForItsGracePeriod(t *testing.T) {
	m := newManager(t, openStore(t))
	old := m.ActiveKID()
	tok, _ := m.Sign([]byte(`{"exp":9999999999}`), false)
	if _, err := m.Rotate(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := len(m.PublishedKIDs()); got != 3 || !slices.Contains(m.PublishedKIDs(), old) {
		t.Fatalf("published = %v, want retired, active and next", m.PublishedKIDs())
	}
	if _, err := token.Verify(tok, m, time.Now()); err != nil {
		t.Fatalf("token signed before rotation: %v", err)
	}
}

// TestEmergencyRotation: dropping the old key at once makes a fresh,
// never-published key active, so caches see an unknown kid and refetch.
func TestEmergencyRotation(t *testing.T) {
	m := newManager(t, openStore(t))
	old, published := m.ActiveKID(), m.PublishedKIDs()
	oldToken, _ := m.Sign([]byte(`{"exp":9999999999}`), false)
	active, err := m.Rotate(context.Background(), -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(published, active) {
		t.Fatalf("emergency rotation activated %s, which was already published; want a fresh key", active)
	}
	if slices.Contains(m.PublishedKIDs(), old) {
		t.Fatal("the old key is still published after an emergency rotation")
	}
	if _, err := token.Verify(oldToken, m, time.Now()); err == nil {
		t.Fatal("a token signed by the dropped key still verifies")
	}
	// Security review F7: the old next key and the retired ones were in
	// the same store; none of them stays published.
	for _, kid := range published {
		if slices.Contains(m.PublishedKIDs(), kid) {
			t.Fatalf("key %s, published before the emergency rotation, is still published: %v", kid, m.PublishedKIDs())
		}
	}
	if got := len(m.PublishedKIDs()); got != 2 {
		t.Fatalf("published %v, want the new active key and a new next key", m.PublishedKIDs())
	}
}

// TestF7EmergencyRotationDropsRetiredAndNextKeys: after an ordinary
// rotation there are retired, active and next keys; an emergency rotation
// leaves none of them.
func TestF7EmergencyRotationDropsRetiredAndNextKeys(t *testing.T) {
	m := newManager(t, openStore(t))
	ctx := context.Background()
	if _, err := m.Rotate(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	before := m.PublishedKIDs()
	if len(before) != 3 {
		t.Fatalf("after a rotation published %v, want retired, active and next", before)
	}
	if _, err := m.Rotate(ctx, -time.Second); err != nil {
		t.Fatal(err)
	}
	for _, kid := range before {
		if slices.Contains(m.PublishedKIDs(), kid) {
			t.Fatalf("key %s survived the emergency rotation: %v", kid, m.PublishedKIDs())
		}
	}
}
