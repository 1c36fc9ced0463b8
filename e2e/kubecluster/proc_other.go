//go:build !linux

package kubecluster

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
