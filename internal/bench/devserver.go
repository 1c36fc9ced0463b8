package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
)

// DevServer is `gatehouse dev` running as a child process. A child of its
// own, rather than a server inside the bench process, has CPU time and
// memory that /proc reports apart from the load generator's.
type DevServer struct {
	Dev devenv.DevJSON
	PID int
	// LogFile holds the child's stdout and stderr.
	LogFile string

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the child's exit status, set before exited closes
	// onStop runs once the child has exited (removes its data directory).
	onStop   func()
	stopOnce sync.Once
}

// DevServerConfig configures StartDevServer.
type DevServerConfig struct {
	// Executable is the gatehouse binary (os.Executable for the running one).
	Executable string
	// DataDir is the dev data directory; dev.json appears in it.
	DataDir string
	// StartTimeout bounds the wait for dev.json (default 2 minutes: the
	// first start generates RSA keys and hashes the demo passwords).
	StartTimeout time.Duration
}

// StartDevServer runs `gatehouse dev` on free loopback ports and waits until
// it has written dev.json, which it does once it can answer.
func StartDevServer(ctx context.Context, cfg DevServerConfig) (*DevServer, error) {
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	devJSON := filepath.Join(cfg.DataDir, "dev.json")
	// A dev.json left by an earlier run would name a server that is gone.
	if err := os.Remove(devJSON); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale %s: %w", devJSON, err)
	}
	logPath := filepath.Join(cfg.DataDir, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd := exec.Command(cfg.Executable, "dev", "--data", cfg.DataDir,
		"--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		// The bench measures the login host alone: no portal, no admin centre.
		"--portal-addr", "", "--admin-addr", "")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stopWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s dev: %w", cfg.Executable, err)
	}
	s := &DevServer{PID: cmd.Process.Pid, LogFile: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()

	timeout := time.NewTimer(cfg.StartTimeout)
	defer timeout.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-s.exited:
			return nil, fmt.Errorf("dev server exited before it was ready (%v)%s", s.err, logTail(logPath))
		case <-timeout.C:
			s.Stop()
			return nil, fmt.Errorf("dev server not ready after %s%s", cfg.StartTimeout, logTail(logPath))
		case <-poll.C:
			d, err := ReadDevJSON(devJSON)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				s.Stop()
				return nil, err
			}
			s.Dev = d
			return s, nil
		}
	}
}

// Stop interrupts the server, as Ctrl-C would, and waits for it to shut
// down; after 15 seconds it kills it. Later calls do nothing.
func (s *DevServer) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		err = s.stop()
		if s.onStop != nil {
			s.onStop()
		}
	})
	return err
}

func (s *DevServer) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil { // not on Windows
		s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("dev server (pid %d) did not stop within 15s; killed", s.PID)
	}
}

// IdleMemory leaves the server alone for settle, then reads its memory.
func (s *DevServer) IdleMemory(ctx context.Context, settle time.Duration) (Memory, error) {
	select {
	case <-ctx.Done():
		return Memory{}, ctx.Err()
	case <-s.exited:
		return Memory{}, fmt.Errorf("dev server exited (%v)%s", s.err, logTail(s.LogFile))
	case <-time.After(settle):
	}
	return ProcessMemory(s.PID)
}

// ReadDevJSON reads the dev.json a running `gatehouse dev` wrote.
func ReadDevJSON(path string) (devenv.DevJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return devenv.DevJSON{}, err
	}
	var d devenv.DevJSON
	if err := json.Unmarshal(b, &d); err != nil {
		return devenv.DevJSON{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return d, nil
}

// logTail is the end of the server log, to show why it did not start.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return ":\n" + s
}
