package kubecluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// stopTimeout is how long a process gets to exit after SIGTERM before it
	// is killed; a test cluster has no state worth a long shutdown.
	stopTimeout = 5 * time.Second
	// logTailLines is how much of each log a failed test prints.
	logTailLines = 60
)

// process is a running etcd or kube-apiserver writing to its own log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	done    chan struct{}
	err     error // set before done is closed
}

// startProcess starts bin with args, its stdout and stderr going to
// logDir/name.log.
func startProcess(name, bin string, args []string, logDir string) (*process, error) {
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", name, err)
	}
	fmt.Fprintf(logFile, "### %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, logFile: logFile, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended, with how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, fmt.Errorf("%s exited: %v", p.name, p.err)
	default:
		return false, nil
	}
}

// stop sends SIGTERM and kills the process if it has not exited within
// stopTimeout. A process that ended before it was stopped is an error: the
// cluster died under the test.
func (p *process) stop(t testing.TB) {
	t.Helper()
	defer p.logFile.Close()
	if exited, err := p.exited(); exited {
		t.Errorf("%v before the test ended", err)
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Logf("SIGTERM %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Logf("%s did not exit within %s of SIGTERM; killed it", p.name, stopTimeout)
	}
}

// dumpLog prints the tail of the process's log and, when
// GATEHOUSE_E2E_ARTIFACTS names a folder, copies the whole log there.
func (p *process) dumpLog(t testing.TB) {
	t.Helper()
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		t.Logf("read %s log: %v", p.name, err)
		return
	}
	t.Logf("--- tail of %s.log ---\n%s", p.name, tail(string(data), logTailLines))
	if dir := os.Getenv("GATEHOUSE_E2E_ARTIFACTS"); dir != "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "-" + p.name + ".log"
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, name), data, 0o644)
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
