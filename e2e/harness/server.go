package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds how long a started server may take to write
	// dev.json and answer /healthz.
	readyTimeout = 30 * time.Second
	// stopTimeout is how long a server gets to exit after SIGTERM before it
	// is killed.
	stopTimeout = 10 * time.Second
	// quitTimeout is how long the goroutine dump after SIGQUIT may take.
	quitTimeout = 3 * time.Second
	// logTailLines is how much of each server log a failed test prints.
	logTailLines = 120
)

// Option changes how Start or Restart runs `gatehouse dev`.
type Option func(*runConfig)

type runConfig struct {
	timeOffset time.Duration
	devArgs    []string // WithDevArgs
}

// WithTimeOffset shifts the server's clock (--time-offset), for example by
// -2h to get tokens that are already expired.
func WithTimeOffset(d time.Duration) Option {
	return func(c *runConfig) { c.timeOffset = d }
}

// Server is a running `gatehouse dev` process and the dev.json it wrote.
type Server struct {
	// Config is the dev.json of the current process.
	Config DevConfig

	bin       string
	dataDir   string
	logDir    string
	httpAddr  string
	httpsAddr string
	proc      *process
	logs      []string
}

type process struct {
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}
	err     error // set before done is closed
}

// Start builds gatehouse (once per run), starts `gatehouse dev` on free
// loopback ports with a new data directory and waits until it is ready. The
// server is stopped when the test ends, and its log tail printed if the test
// failed.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	root := t.TempDir()
	s := &Server{
		bin:       Gatehouse(t),
		dataDir:   filepath.Join(root, "data"),
		logDir:    filepath.Join(root, "logs"),
		httpAddr:  "127.0.0.1:0",
		httpsAddr: "127.0.0.1:0",
	}
	for _, dir := range []string{s.dataDir, s.logDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("create %s: %v", dir, err)
		}
	}
	// Registered after TempDir, so it runs before the directory is removed.
	t.Cleanup(func() {
		if s.proc != nil {
			s.stop(t)
		}
		if t.Failed() {
			s.dumpLogs(t)
		}
	})
	s.start(t, opts)
	return s
}

// Restart stops the server and starts it again on the same ports with the
// same data directory, so keys, users and issued refresh tokens survive.
func (s *Server) Restart(t testing.TB, opts ...Option) {
	t.Helper()
	s.Stop(t)
	s.httpAddr = hostPort(t, s.Config.HTTPBaseURL)
	s.httpsAddr = hostPort(t, s.Config.HTTPSBaseURL)
	s.start(t, opts)
}

// Stop sends SIGTERM and waits for the process to exit, killing it if it
// does not exit in time.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.proc == nil {
		t.Fatalf("gatehouse is not running")
	}
	s.stop(t)
}

// User returns the n-th seeded user.
func (s *Server) User(t testing.TB, n int) DevUser {
	t.Helper()
	if n >= len(s.Config.Users) {
		t.Fatalf("dev.json has %d users, want at least %d", len(s.Config.Users), n+1)
	}
	return s.Config.Users[n]
}

func (s *Server) start(t testing.TB, opts []Option) {
	t.Helper()
	var rc runConfig
	for _, opt := range opts {
		opt(&rc)
	}
	devJSON := filepath.Join(s.dataDir, "dev.json")
	if err := os.Remove(devJSON); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("remove stale dev.json: %v", err)
	}

	args := []string{"dev", "--data", s.dataDir, "--http-addr", s.httpAddr, "--https-addr", s.httpsAddr}
	if rc.timeOffset != 0 {
		args = append(args, "--time-offset="+rc.timeOffset.String())
	}
	args = append(args, s.portalArgs()...)
	args = append(args, rc.devArgs...)
	logPath := filepath.Join(s.logDir, fmt.Sprintf("gatehouse-%d.log", len(s.logs)+1))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create server log: %v", err)
	}
	fmt.Fprintf(logFile, "### %s %s\n", s.bin, strings.Join(args, " "))
	s.logs = append(s.logs, logPath)

	cmd := exec.Command(s.bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start gatehouse: %v", err)
	}
	p := &process{cmd: cmd, logFile: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.proc = p

	cfg, err := waitReady(p, devJSON)
	if err != nil {
		t.Fatalf("gatehouse %s: %v", strings.Join(args, " "), err)
	}
	s.Config = cfg
	t.Logf("gatehouse ready: %s %s (tenant %s)", cfg.HTTPBaseURL, cfg.HTTPSBaseURL, cfg.TenantID)
}

// waitReady waits for dev.json to be complete and /healthz to answer 200.
func waitReady(p *process, devJSON string) (DevConfig, error) {
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var last error = errors.New("dev.json not written")
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return DevConfig{}, fmt.Errorf("exited before it was ready: %v", p.err)
		case <-time.After(50 * time.Millisecond):
		}
		cfg, err := readDevJSON(devJSON)
		if err != nil {
			last = err
			continue
		}
		resp, err := client.Get(cfg.HTTPBaseURL + "/healthz")
		if err != nil {
			last = fmt.Errorf("GET /healthz: %w", err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = fmt.Errorf("GET /healthz: status %d", resp.StatusCode)
			continue
		}
		return cfg, nil
	}
	return DevConfig{}, fmt.Errorf("not ready after %s: %w", readyTimeout, last)
}

func readDevJSON(path string) (DevConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return DevConfig{}, err
	}
	var cfg DevConfig
	// A partly written file fails here and is read again on the next poll.
	if err := json.Unmarshal(data, &cfg); err != nil {
		return DevConfig{}, fmt.Errorf("parse dev.json: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return DevConfig{}, err
	}
	return cfg, nil
}

func (s *Server) stop(t testing.TB) {
	t.Helper()
	p := s.proc
	s.proc = nil
	defer p.logFile.Close()
	select {
	case <-p.done:
		t.Errorf("gatehouse exited before it was stopped: %v", p.err)
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Logf("SIGTERM gatehouse: %v", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Logf("gatehouse exited after SIGTERM: %v", p.err)
		}
	case <-time.After(stopTimeout):
		// SIGQUIT makes the Go runtime write every goroutine's stack to
		// the log, which shows where the server hangs.
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-p.done:
		case <-time.After(quitTimeout):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		t.Errorf("gatehouse did not exit within %s of SIGTERM; stopped it with SIGQUIT (goroutine dump in its log)", stopTimeout)
	}
}

func (s *Server) dumpLogs(t testing.TB) {
	t.Helper()
	for _, path := range s.logs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Logf("read %s: %v", path, err)
			continue
		}
		t.Logf("--- tail of %s ---\n%s", filepath.Base(path), tail(string(data), logTailLines))
		if dir := os.Getenv("GATEHOUSE_E2E_ARTIFACTS"); dir != "" {
			name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + filepath.Base(path)
			if err := os.MkdirAll(dir, 0o755); err == nil {
				_ = os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d earlier lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func hostPort(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		t.Fatalf("base URL %q from dev.json: %v", base, err)
	}
	return u.Host
}
