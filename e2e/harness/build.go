package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// productModule is the module path of the repository root; RepoRoot looks
// for the go.mod that declares it.
const productModule = "github.com/gatehouse-id/gatehouse"

// buildTimeout bounds one `go build`; a cold build cache needs tens of seconds.
const buildTimeout = 10 * time.Minute

// builds caches one build result per program for the whole test binary run,
// so every test shares one gatehouse binary. It is the harness's only
// package-level state and lives exactly as long as Main.
var builds = struct {
	mu      sync.Mutex
	dir     string
	results map[string]*buildResult
}{results: map[string]*buildResult{}}

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// Main runs the package's tests with a temporary directory for the binaries
// that Gatehouse and GoBuild produce, and removes it afterwards. Call it from
// TestMain: os.Exit(harness.Main(m)).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gatehouse-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: create build directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	builds.mu.Lock()
	builds.dir = dir
	builds.mu.Unlock()
	return m.Run()
}

// RepoRoot returns the root of the gatehouse repository, found by walking up
// from the working directory to the go.mod of the product module.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := findRepoRoot()
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	return root
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == productModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for module %s above the working directory", productModule)
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Gatehouse returns the path of a gatehouse binary built from the working
// tree's ./cmd/gatehouse, building it on first use. GATEHOUSE_E2E_BINARY
// names a prebuilt binary to run instead.
func Gatehouse(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("GATEHOUSE_E2E_BINARY"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("GATEHOUSE_E2E_BINARY: %v", err)
		}
		return bin
	}
	return build(t, RepoRoot(t), "./cmd/gatehouse", "gatehouse")
}

// GoBuild builds a main package of the e2e module (an import path such as
// "github.com/gatehouse-id/gatehouse/e2e/cmd/headless-login") once per run
// and returns the binary's path.
func GoBuild(t testing.TB, pkg string) string {
	t.Helper()
	return build(t, filepath.Join(RepoRoot(t), "e2e"), pkg, filepath.Base(pkg))
}

func build(t testing.TB, dir, pkg, name string) string {
	t.Helper()
	builds.mu.Lock()
	if builds.dir == "" {
		builds.mu.Unlock()
		t.Fatalf("harness: build of %s needs harness.Main in the package's TestMain", pkg)
	}
	key := dir + "|" + pkg
	r, ok := builds.results[key]
	if !ok {
		r = &buildResult{}
		builds.results[key] = r
	}
	out := filepath.Join(builds.dir, name)
	builds.mu.Unlock()

	r.once.Do(func() {
		start := time.Now()
		r.err = goBuild(dir, pkg, out)
		r.path = out
		if r.err == nil {
			t.Logf("built %s in %s", pkg, time.Since(start).Round(time.Millisecond))
		}
	})
	if r.err != nil {
		t.Fatalf("build %s: %v", pkg, r.err)
	}
	return r.path
}

func goBuild(dir, pkg, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %s: %w", buildTimeout, err)
		}
		return fmt.Errorf("go build -o %s %s in %s: %w\n%s", out, pkg, dir, err, output.String())
	}
	return nil
}
