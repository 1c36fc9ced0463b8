package server_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/bench"
	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store/cache"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// The benchmarks compare the whole token endpoint with the one operation a
// token cannot avoid, its RS256 signature. Each sub-benchmark reports
// cpu-ns/op, the process CPU time per operation: with the serial variants
// it is close to ns/op, with the parallel ones it shows what an operation
// costs when every core is busy. The target (docs/PERFORMANCE.md):
// RS256Sign/serial cpu-ns/op ÷ ClientCredentials cpu-ns/op ≥ 0.8.
//
//	go test -run XXX -bench . -benchtime 3s ./internal/server/

const benchBaseURL = "http://127.0.0.1:8080"

// newSeededHandler builds the whole handler, as `gatehouse dev` does, over a
// SQLite store in a temporary directory seeded with the demo tenant, behind
// the directory read cache; the key manager gets the plain store.
func newSeededHandler(b *testing.B) (http.Handler, *devenv.Secrets) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	st := cache.New(db)
	b.Cleanup(func() { st.Close() })
	// Info level, as the server runs: the per-token log line is formatted,
	// only its write is left out.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	km, err := keys.NewManager(ctx, keys.Config{Store: db, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	reg := registry.New(st, time.Now)
	secrets, err := devenv.Seed(ctx, reg, dir)
	if err != nil {
		b.Fatal(err)
	}
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km, Logger: log, Clock: time.Now,
		PublicURLs: []string{benchBaseURL}})
	if err != nil {
		b.Fatal(err)
	}
	return h, secrets
}

func BenchmarkClientCredentials(b *testing.B) {
	h, secrets := newSeededHandler(b)
	body := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {devenv.AppClientID},
		"client_secret": {secrets.ClientSecret},
		"scope":         {bench.DefaultScope},
	}.Encode()
	target := benchBaseURL + "/" + devenv.TenantID + "/oauth2/v2.0/token"
	issue := func() (*httptest.ResponseRecorder, error) {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return rec, fmt.Errorf("token endpoint status = %d, want 200: %s", rec.Code, rec.Body)
		}
		return rec, nil
	}
	// The benchmark measures what it should only if tokens are issued.
	rec, err := issue()
	if err != nil {
		b.Fatal(err)
	}
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || strings.Count(resp.AccessToken, ".") != 2 {
		b.Fatalf("token response = %s, want an access token in JWS compact form", rec.Body)
	}

	b.Run("serial", func(b *testing.B) {
		cpu := startCPU(b)
		for b.Loop() {
			if _, err := issue(); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
	b.Run("parallel", func(b *testing.B) {
		cpu := startCPU(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := issue(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		cpu.report(b)
	})
}

// BenchmarkRS256Sign is the raw signature of a token-sized JWS signing input
// with a fresh 2048-bit key: what `gatehouse bench` measures as the signing
// rate.
func BenchmarkRS256Sign(b *testing.B) {
	key, err := bench.NewSigningKey()
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(strings.Repeat("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", 36))
	sign := func() error {
		sum := sha256.Sum256(input)
		_, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		return err
	}
	b.Run("serial", func(b *testing.B) {
		cpu := startCPU(b)
		for b.Loop() {
			if err := sign(); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
	b.Run("parallel", func(b *testing.B) {
		cpu := startCPU(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := sign(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		cpu.report(b)
	})
}

// cpuMeter measures the process's CPU time over a benchmark run, where
// /proc exists.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU(b *testing.B) cpuMeter {
	d, err := bench.ProcessCPU(os.Getpid())
	return cpuMeter{start: d, ok: err == nil}
}

func (c cpuMeter) report(b *testing.B) {
	if !c.ok {
		return
	}
	end, err := bench.ProcessCPU(os.Getpid())
	if err != nil || b.N == 0 {
		return
	}
	b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
}
