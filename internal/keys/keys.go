package keys

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Config configures a Manager.
type Config struct {
	Store  store.Keys
	Clock  func() time.Time
	Logger *slog.Logger
	// RetiredLifetime is how long a rotated-out key stays published, so
	// tokens it signed still verify until they expire. Default 24h, the
	// longest token lifetime Entra allows.
	RetiredLifetime time.Duration
}

// Manager loads keys from the store, signs with the active key and serves
// the JWKS. It is safe for concurrent use.
type Manager struct {
	cfg Config

	mu      sync.RWMutex
	active  *signingKey
	jwks    []byte
	kids    []string
	loaded  time.Time
	version string // fingerprint of the loaded key set
}

type signingKey struct {
	kid    string
	x5t    string
	key    *rsa.PrivateKey
	signer jose.Signer
	// v1Signer adds the x5t header, as Entra does on v1 tokens.
	v1Signer jose.Signer
}

// NewManager returns a Manager with keys loaded, creating the first active
// key and the next key when the store has none.
func NewManager(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RetiredLifetime == 0 {
		cfg.RetiredLifetime = 24 * time.Hour
	}
	m := &Manager{cfg: cfg}
	list, err := cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	if len(list) == 0 {
		if _, err := m.create(ctx, store.KeyActive); err != nil {
			return nil, err
		}
		if _, err := m.create(ctx, store.KeyNext); err != nil {
			return nil, err
		}
	}
	if err := m.Reload(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// create generates, self-signs and stores a key.
func (m *Manager) create(ctx context.Context, state string) (*store.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	now := m.cfg.Clock()
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Gatehouse token signing key"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("self-sign signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal signing key: %w", err)
	}
	k := &store.SigningKey{KID: thumbprint(cert), State: state, PrivateKeyDER: der, CertDER: cert, CreatedAt: now}
	if err := m.cfg.Store.CreateSigningKey(ctx, k); err != nil {
		return nil, fmt.Errorf("store signing key: %w", err)
	}
	m.cfg.Logger.Info("signing key created", "kid", k.KID, "state", state)
	return k, nil
}

// thumbprint is the base64url SHA-1 of the certificate: Entra uses it as
// both kid and x5t.
func thumbprint(certDER []byte) string {
	sum := sha1.Sum(certDER)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Reload reads the key set from the store and rebuilds the JWKS and the
// signer. Replicas call it periodically to pick up a rotation.
func (m *Manager) Reload(ctx context.Context) error {
	list, err := m.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	now := m.cfg.Clock()
	sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.After(list[j].CreatedAt) })
	var (
		active    *signingKey
		published []jose.JSONWebKey
		kids      []string
		version   string
	)
	for _, k := range list {
		if k.State == store.KeyRetired && !k.RetireAfter.IsZero() && now.After(k.RetireAfter) {
			continue
		}
		cert, err := x509.ParseCertificate(k.CertDER)
		if err != nil {
			return fmt.Errorf("parse certificate of key %s: %w", k.KID, err)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(k.PrivateKeyDER)
		if err != nil {
			return fmt.Errorf("parse signing key %s: %w", k.KID, err)
		}
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return fmt.Errorf("signing key %s is not RSA", k.KID)
		}
		published = append(published, jose.JSONWebKey{
			Key: &priv.PublicKey, KeyID: k.KID, Algorithm: "RS256", Use: "sig",
			Certificates: []*x509.Certificate{cert}, CertificateThumbprintSHA1: sha1Bytes(k.CertDER),
		})
		kids = append(kids, k.KID)
		version += k.KID + ":" + k.State + ";"
		if k.State == store.KeyActive && active == nil {
			if active, err = newSigningKey(k.KID, priv); err != nil {
				return err
			}
		}
	}
	if active == nil {
		return errors.New("no active signing key in the store")
	}
	doc, err := marshalJWKS(published)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if version != m.version {
		m.cfg.Logger.Info("signing keys loaded", "active", active.kid, "published", len(published))
	}
	m.active, m.jwks, m.kids, m.loaded, m.version = active, doc, kids, now, version
	return nil
}

func sha1Bytes(b []byte) []byte {
	sum := sha1.Sum(b)
	return sum[:]
}

// marshalJWKS renders the key set in Entra's field order and shape.
func marshalJWKS(keys []jose.JSONWebKey) ([]byte, error) {
	type jwk struct {
		Kty string   `json:"kty"`
		Use string   `json:"use"`
		Kid string   `json:"kid"`
		X5t string   `json:"x5t"`
		N   string   `json:"n"`
		E   string   `json:"e"`
		X5c []string `json:"x5c"`
		Alg string   `json:"alg"`
	}
	out := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		pub := k.Key.(*rsa.PublicKey)
		out.Keys = append(out.Keys, jwk{
			Kty: "RSA", Use: "sig", Kid: k.KeyID, X5t: base64.RawURLEncoding.EncodeToString(k.CertificateThumbprintSHA1),
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			X5c: []string{base64.StdEncoding.EncodeToString(k.Certificates[0].Raw)},
			Alg: "RS256",
		})
	}
	return json.Marshal(out)
}

func newSigningKey(kid string, priv *rsa.PrivateKey) (*signingKey, error) {
	key := jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("signer for key %s: %w", kid, err)
	}
	v1, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t", kid))
	if err != nil {
		return nil, fmt.Errorf("v1 signer for key %s: %w", kid, err)
	}
	return &signingKey{kid: kid, x5t: kid, key: priv, signer: signer, v1Signer: v1}, nil
}

// JWKS returns the prepared JWKS document bytes. Callers must not modify it.
func (m *Manager) JWKS() []byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.jwks
}

// PublishedKIDs lists the kids currently in the JWKS, newest first.
func (m *Manager) PublishedKIDs() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]string(nil), m.kids...)
}

// ActiveKID is the kid of the key that signs now.
func (m *Manager) ActiveKID() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.active.kid
}

// Sign signs a JWT payload with the active key. withX5T adds the x5t header
// (v1 tokens).
func (m *Manager) Sign(payload []byte, withX5T bool) (string, error) {
	m.mu.RLock()
	k := m.active
	m.mu.RUnlock()
	s := k.signer
	if withX5T {
		s = k.v1Signer
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign with key %s: %w", k.kid, err)
	}
	return jws.CompactSerialize()
}

// PublicKey returns the published public key with the kid, for verifying
// Gatehouse's own tokens (Graph, userinfo).
func (m *Manager) PublicKey(kid string) (crypto.PublicKey, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(m.jwks, &set); err != nil {
		return nil, false
	}
	for _, k := range set.Keys {
		if k.KeyID == kid {
			return k.Key, true
		}
	}
	return nil, false
}

// Rotate retires the active key, promotes the next key (published since the
// previous rotation) to active, and creates a new next key. retiredFor is how
// long the retired key stays published; zero uses the configured default. A
// negative value is an emergency rotation: every key that existed before
// (active, next and retired) leaves the JWKS at once and fresh keys sign
// and wait (see below).
func (m *Manager) Rotate(ctx context.Context, retiredFor time.Duration) (newActive string, err error) {
	if retiredFor == 0 {
		retiredFor = m.cfg.RetiredLifetime
	}
	list, err := m.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return "", fmt.Errorf("list signing keys: %w", err)
	}
	now := m.cfg.Clock()
	var next *store.SigningKey
	for _, k := range list {
		if k.State == store.KeyNext && (next == nil || k.CreatedAt.Before(next.CreatedAt)) {
			next = k
		}
	}
	emergency := retiredFor < 0
	if next == nil || emergency {
		// An emergency rotation (the old key is dropped at once, e.g. it
		// leaked) makes a brand-new, unpublished key active: relying
		// parties that cached the JWKS see an unknown kid and refetch, which
		// also drops the old key from their cache. Promoting the published
		// next key would let them keep trusting the dropped one. A store
		// without a next key gets one the same way.
		created, err := m.create(ctx, store.KeyNext)
		if err != nil {
			return "", err
		}
		next = created
	}
	// Promote first: a crash between the two steps leaves two active keys,
	// both published, which still verifies every token.
	if _, err := m.cfg.Store.UpdateSigningKey(ctx, next.KID, func(k *store.SigningKey) error {
		k.State = store.KeyActive
		k.CreatedAt = now
		return nil
	}); err != nil {
		return "", fmt.Errorf("promote key %s: %w", next.KID, err)
	}
	if emergency {
		// Every key that existed before sits in the same (maybe leaked)
		// store: the published next key and the retired ones are as
		// compromised as the active one, so none stays published or trusted
		// (security review F7).
		for _, k := range list {
			if k.KID == next.KID {
				continue
			}
			if err := m.cfg.Store.DeleteSigningKey(ctx, k.KID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", fmt.Errorf("drop key %s: %w", k.KID, err)
			}
		}
		list = nil
	}
	for _, k := range list {
		if k.State != store.KeyActive || k.KID == next.KID {
			continue
		}
		if _, err := m.cfg.Store.UpdateSigningKey(ctx, k.KID, func(k *store.SigningKey) error {
			k.State = store.KeyRetired
			k.RetireAfter = now.Add(retiredFor)
			return nil
		}); err != nil {
			return "", fmt.Errorf("retire key %s: %w", k.KID, err)
		}
	}
	// Drop retired keys that are no longer published.
	for _, k := range list {
		if k.State == store.KeyRetired && now.After(k.RetireAfter) {
			if err := m.cfg.Store.DeleteSigningKey(ctx, k.KID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", fmt.Errorf("delete retired key %s: %w", k.KID, err)
			}
		}
	}
	// A fresh next key, published one rotation early as usual.
	if _, err := m.create(ctx, store.KeyNext); err != nil {
		return "", err
	}
	if err := m.Reload(ctx); err != nil {
		return "", err
	}
	m.cfg.Logger.Info("signing keys rotated", "active", next.KID)
	return next.KID, nil
}

// Refresh reloads keys every interval until ctx ends, so a rotation made by
// another process (gatehouse keys rotate, another replica) takes effect.
func (m *Manager) Refresh(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Reload(ctx); err != nil {
				m.cfg.Logger.Warn("reload signing keys", "err", err)
			}
		}
	}
}
