package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat. Linux fixes it at
// 100 in its ABI (USER_HZ, what `getconf CLK_TCK` prints) whatever the
// kernel's internal tick rate.
const userHZ = 100

// ProcessCPU returns the CPU time (user + system) a Linux process has used,
// from /proc/<pid>/stat, with a resolution of 10ms.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	d, err := parseStatCPU(b)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return d, nil
}

// parseStatCPU reads utime and stime (fields 14 and 15, proc(5)) of a
// /proc/<pid>/stat line. Field 2, the command name in parentheses, may hold
// spaces and parentheses itself, so fields are counted from its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat: no command name")
	}
	fields := strings.Fields(string(stat[i+1:]))
	// fields[0] is field 3 (state), so field n is fields[n-3].
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("malformed /proc stat: %d fields after the command name", len(fields))
	}
	var ticks int64
	for _, f := range []string{fields[utime], fields[stime]} {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc stat CPU time %q", f)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// SystemCPU returns the CPU time all processes of a Linux machine have used
// since boot, from the first line of /proc/stat: busy time (user, nice,
// system, irq, softirq, steal), without idle and I/O wait.
func SystemCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read system CPU time: %w", err)
	}
	return parseSystemCPU(b)
}

func parseSystemCPU(stat []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := strings.Fields(string(line))
	// cpu user nice system idle iowait irq softirq steal [guest guest_nice]:
	// guest time is already counted in user and nice.
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("malformed /proc/stat first line %q", line)
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc/stat CPU time %q", f[i])
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// Memory is a process's resident memory.
type Memory struct {
	RSS     int64 // bytes resident now (VmRSS)
	PeakRSS int64 // bytes resident at most so far (VmHWM)
}

// ProcessMemory reads a Linux process's resident memory from
// /proc/<pid>/status.
func ProcessMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	m, err := parseStatus(b)
	if err != nil {
		return Memory{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return m, nil
}

// parseStatus reads VmRSS and VmHWM ("VmRSS:	   34496 kB") of a
// /proc/<pid>/status file. The kernel's "kB" is 1024 bytes.
func parseStatus(status []byte) (Memory, error) {
	var m Memory
	var seenRSS, seenHWM bool
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("malformed /proc status line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("malformed /proc status line %q", sc.Text())
		}
		if name == "VmRSS" {
			m.RSS, seenRSS = kb*1024, true
		} else {
			m.PeakRSS, seenHWM = kb*1024, true
		}
	}
	if !seenRSS || !seenHWM {
		return Memory{}, fmt.Errorf("/proc status has no VmRSS or VmHWM (a kernel thread or a zombie?)")
	}
	return m, nil
}

// CPUModel is the processor's model name from /proc/cpuinfo, or "" when it
// cannot be read.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	return parseCPUModel(b)
}

func parseCPUModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
