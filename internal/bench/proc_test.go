package bench

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// Fields after the command name: state ppid pgrp session tty_nr tpgid
	// flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr string
	}{
		{name: "plain", stat: "4242 (gatehouse) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 56 0 0 20 0 9 0 100 1 2",
			want: 12900 * time.Millisecond},
		{name: "command with spaces and parentheses", stat: "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 3 4 99 99 20 0",
			want: 70 * time.Millisecond},
		{name: "zero", stat: "1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0", want: 0},
		{name: "no command", stat: "garbage", wantErr: "no command name"},
		{name: "truncated", stat: "1 (x) S 0 1 1", wantErr: "fields after the command name"},
		{name: "not a number", stat: "1 (x) S 0 1 1 0 -1 0 0 0 0 0 ten 0 0 0", wantErr: `CPU time "ten"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.stat))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseStatCPU error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseStatCPU: %v", err)
			}
			if got != tt.want {
				t.Fatalf("parseStatCPU = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	const head = "Name:\tgatehouse\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 1262552 kB\n"
	tests := []struct {
		name    string
		status  string
		want    Memory
		wantErr string
	}{
		{name: "both", status: head + "VmHWM:\t   57580 kB\nVmRSS:\t   34496 kB\nRssAnon:\t   22164 kB\n",
			want: Memory{RSS: 34496 * 1024, PeakRSS: 57580 * 1024}},
		{name: "kernel thread", status: "Name:\tkthreadd\nState:\tS (sleeping)\n", wantErr: "no VmRSS"},
		{name: "bad unit", status: "VmHWM:\t1 MB\nVmRSS:\t1 MB\n", wantErr: "malformed"},
		{name: "bad number", status: "VmHWM:\tx kB\nVmRSS:\t1 kB\n", wantErr: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tt.status))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseStatus error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseStatus: %v", err)
			}
			if got != tt.want {
				t.Fatalf("parseStatus = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseSystemCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr string
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{name: "busy without idle and iowait", stat: "cpu  100 20 30 9999 888 4 5 6 50 0\ncpu0 50 10 15 5000 400 2 2 3 25 0\n",
			want: 1650 * time.Millisecond},
		{name: "old kernel without guest", stat: "cpu  1 0 1 10 0 0 0 0\n", want: 20 * time.Millisecond},
		{name: "not the cpu line", stat: "intr 1 2 3 4 5 6 7 8 9\n", wantErr: "malformed"},
		{name: "short", stat: "cpu 1 2 3\n", wantErr: "malformed"},
		{name: "not a number", stat: "cpu  x 0 1 10 0 0 0 0\n", wantErr: `CPU time "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSystemCPU([]byte(tt.stat))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseSystemCPU error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSystemCPU: %v", err)
			}
			if got != tt.want {
				t.Fatalf("parseSystemCPU = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseCPUModel(t *testing.T) {
	tests := []struct{ cpuinfo, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n", "AMD EPYC 7B13"},
		{"processor\t: 0\nmodel\t\t: 1\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := parseCPUModel([]byte(tt.cpuinfo)); got != tt.want {
			t.Fatalf("parseCPUModel(%q) = %q, want %q", tt.cpuinfo, got, tt.want)
		}
	}
}

// TestProcessReaders reads this test process, where /proc exists.
func TestProcessReaders(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn some CPU
	}
	cpu, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatalf("ProcessCPU: %v", err)
	}
	if cpu <= 0 {
		t.Fatalf("ProcessCPU = %v after 50ms of work, want > 0", cpu)
	}
	m, err := ProcessMemory(os.Getpid())
	if err != nil {
		t.Fatalf("ProcessMemory: %v", err)
	}
	if m.RSS <= 0 || m.PeakRSS < m.RSS {
		t.Fatalf("ProcessMemory = %+v, want 0 < RSS <= PeakRSS", m)
	}
	if sys, err := SystemCPU(); err != nil || sys < cpu {
		t.Fatalf("SystemCPU = %v, %v, want at least this process's %v", sys, err, cpu)
	}
	if _, err := ProcessCPU(-1); err == nil {
		t.Fatal("ProcessCPU(-1) = nil error, want one")
	}
}
