package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// scenarioTimeout bounds one scenario script: Chromium's start, a few sign-ins
// and page loads, each step of which waits at most 20 s.
const scenarioTimeout = 3 * time.Minute

// browserTools is what the scenario scripts run with.
type browserTools struct {
	node     string // the node binary
	chromium string // Chromium's executable, for playwright-core's executablePath
	dir      string // e2e/browser, with node_modules
}

// requireBrowserTools finds node, Chromium and playwright-core. A missing one
// fails the test under CI=true, where .ci/run installs them; elsewhere it
// skips the test with how to install it.
func requireBrowserTools(t *testing.T) browserTools {
	t.Helper()
	missing := func(msg string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bt := browserTools{dir: filepath.Join(harness.RepoRoot(t), "e2e", "browser")}
	var err error
	if bt.node, err = exec.LookPath("node"); err != nil {
		missing("node not found (Debian: apt-get install nodejs npm)")
	}
	bt.chromium = os.Getenv("GATEHOUSE_E2E_CHROMIUM")
	if bt.chromium == "" {
		bt.chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(bt.chromium); err != nil {
		missing(fmt.Sprintf("Chromium %s: %v (Debian: apt-get install chromium, or set GATEHOUSE_E2E_CHROMIUM)", bt.chromium, err))
	}
	if _, err := os.Stat(filepath.Join(bt.dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing(fmt.Sprintf("playwright-core is not installed in %s: run `npm ci` there (.ci/run does)", bt.dir))
	}
	return bt
}

// artifactsDir is where the scenarios save their screenshots:
// $GATEHOUSE_E2E_ARTIFACTS/browser, or e2e/artifacts/browser.
func artifactsDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_E2E_ARTIFACTS")
	if base == "" {
		base = filepath.Join(harness.RepoRoot(t), "e2e", "artifacts")
	}
	dir := filepath.Join(base, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifacts folder: %v", err)
	}
	return dir
}

// scenarioInput is what every scenario script reads from stdin; Params holds
// the scenario's own values.
type scenarioInput struct {
	Chromium    string `json:"chromium"`
	Screenshots string `json:"screenshots"` // folder for this scenario's PNGs
	PortalURL   string `json:"portalURL"`
	IssuerURL   string `json:"issuerURL"` // the HTTPS listener's base URL
	Params      any    `json:"params"`
}

// Credentials of a user the script signs in as.
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// scenarioOutcome is the part of every script's answer the runner checks.
type scenarioOutcome struct {
	// Error is why the script stopped early (a selector that never
	// appeared, a navigation that failed); it saved a screenshot then.
	Error       string   `json:"error"`
	Screenshots []string `json:"screenshots"`
	// Navigations are the main frame's documents in order: "STATUS URL".
	Navigations []string `json:"navigations"`
	// ConsoleErrors are the pages' console errors (CSP violations among
	// them) and uncaught exceptions; BadResponses the subresources that
	// failed or answered 4xx/5xx.
	ConsoleErrors []string `json:"consoleErrors"`
	BadResponses  []string `json:"badResponses"`
	// FormActionBlocked lists the issuer's sign-in pages after whose form
	// Chrome blocked the redirect to the portal for the page's
	// Content-Security-Policy form-action; the script then loaded the page
	// again, which the issuer's new session answers with a redirect.
	FormActionBlocked []string `json:"formActionBlocked"`
	// FaviconMissing: Chrome's own /favicon.ico request got an error.
	FaviconMissing bool `json:"faviconMissing"`
}

// runScenario runs scenarios/<script>.mjs with in on stdin and decodes its
// JSON answer into out (which should embed scenarioOutcome); name is the
// run's name in the log and its screenshots folder. It fails the test when
// the script fails or reports an error, or when a page logged a console
// error or a subresource failed, and logs the script's log and screenshots.
func (bt browserTools) runScenario(t *testing.T, script, name string, in scenarioInput, out any) scenarioOutcome {
	t.Helper()
	in.Chromium = bt.chromium
	in.Screenshots = filepath.Join(artifactsDir(t), name)
	// Only this run's pictures: a stale one would be mistaken for this run's.
	if err := os.RemoveAll(in.Screenshots); err != nil {
		t.Fatalf("clear %s: %v", in.Screenshots, err)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bt.node, filepath.Join("scenarios", script+".mjs"))
	cmd.Dir = bt.dir
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	took := time.Since(start).Round(time.Millisecond)
	t.Logf("scenario %s: %s, %v\n%s", name, took, runErr, strings.TrimRight(stderr.String(), "\n"))

	var outcome scenarioOutcome
	if err := json.Unmarshal(stdout.Bytes(), &outcome); err != nil {
		t.Fatalf("scenario %s: %v; stdout is not its JSON answer (%v): %q", name, runErr, err, stdout.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("scenario %s: decode answer: %v\n%s", name, err, stdout.String())
		}
	}
	if len(outcome.Screenshots) > 0 {
		t.Logf("scenario %s: screenshots in %s: %s", name, in.Screenshots, strings.Join(outcome.Screenshots, ", "))
	}
	t.Logf("scenario %s: pages:\n  %s", name, strings.Join(outcome.Navigations, "\n  "))
	if outcome.FaviconMissing {
		t.Logf("scenario %s: Chrome's own request for /favicon.ico got an error (not counted as the page's)", name)
	}
	// Console errors first: a CSP violation often explains why a step
	// stopped.
	if len(outcome.ConsoleErrors) > 0 {
		t.Errorf("scenario %s: the pages logged errors:\n  %s", name, strings.Join(outcome.ConsoleErrors, "\n  "))
	}
	if len(outcome.BadResponses) > 0 {
		t.Errorf("scenario %s: subresources failed:\n  %s", name, strings.Join(outcome.BadResponses, "\n  "))
	}
	if len(outcome.FormActionBlocked) > 0 {
		t.Errorf("scenario %s: Chrome blocked the redirect to the portal's callback after the issuer's sign-in form (%s) was posted: the sign-in page's Content-Security-Policy form-action must allow the client's redirect URI (the script loaded the authorize URL again to go on)",
			name, strings.Join(outcome.FormActionBlocked, ", "))
	}
	if outcome.Error != "" || runErr != nil {
		t.Fatalf("scenario %s stopped: %s (%v)", name, outcome.Error, runErr)
	}
	return outcome
}
