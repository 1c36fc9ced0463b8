package kubecluster

import "syscall"

// procAttr makes the kernel kill etcd and kube-apiserver if the test binary
// dies without running its cleanups (for example on a go test -timeout
// panic), so no control plane is left behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
