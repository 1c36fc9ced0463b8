package harness

import "syscall"

// procAttr makes the kernel kill the server if the test binary dies without
// running its cleanups (for example on a go test -timeout panic), so no
// server is left holding the ports.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
