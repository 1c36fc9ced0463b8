package bench

import (
	"os/exec"
	"syscall"
)

// stopWithParent has the kernel kill the child server if the bench process
// dies without stopping it (SIGKILL, a crash), so no server is left running.
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
