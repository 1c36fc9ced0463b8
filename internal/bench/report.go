package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of the token endpoint (the performance requirement).
const (
	// TargetSigningRatio: client_credentials tokens issued per second of
	// server CPU must reach this share of the RS256 signatures one core
	// makes per second. Signing is the one cost a token cannot avoid; the
	// rest of the request (HTTP, client authentication, directory lookups,
	// claims) may add at most a quarter of it.
	TargetSigningRatio = 0.8
	// TargetConcurrency is the number of concurrent clients under which no
	// request may fail.
	TargetConcurrency = 16
	// TargetIdleRSS bounds an idle server's resident memory: 40 MB, decimal
	// megabytes (the stricter reading).
	TargetIdleRSS = 40_000_000
)

// Check results.
const (
	Pass        = "PASS"
	Fail        = "FAIL"
	NotMeasured = "NOT MEASURED"
	NotApplied  = "N/A"
	// Partial is the verdict when no check failed but some were not
	// measured.
	Partial = "PARTIAL"
)

// Measurements is everything one bench run measured.
type Measurements struct {
	Machine      Machine
	Setup        Setup
	SignOneCore  SigningRate
	SignAllCores SigningRate
	Load         LoadResult
	// ClientCPU is the CPU time the bench process used during the load.
	ClientCPU time.Duration
	// Server is nil when the server is not a process bench can read.
	Server *ServerUsage
	// OtherCPUSigning and OtherCPULoad are the CPU time other processes
	// used during the signing measurements and during the load: a busy
	// machine disturbs both figures. Without Server, OtherCPULoad includes
	// the server's CPU time and is not reported.
	OtherCPUSigning time.Duration
	OtherCPULoad    time.Duration
}

// Machine describes where the run happened.
type Machine struct {
	CPUModel   string `json:"cpu_model"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	Platform   string `json:"platform"`
}

// Setup describes the load.
type Setup struct {
	// Server says what served: "child process" (bench started gatehouse
	// dev) or "external".
	Server      string        `json:"server"`
	BaseURL     string        `json:"base_url"`
	Grant       string        `json:"grant"`
	Scope       string        `json:"scope"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"-"`
	// DurationSeconds is Duration for the JSON form (set by Evaluate).
	DurationSeconds float64 `json:"duration_seconds"`
	MaxRequests     int     `json:"max_requests"`
}

// ServerUsage is what /proc told about the server process.
type ServerUsage struct {
	PID int
	// CPU is the CPU time the server used during the load.
	CPU time.Duration
	// IdleRSS is the resident memory of the server idle after its start;
	// 0 when not measured.
	IdleRSS int64
	// FirstStartRSS is the resident memory, idle, of the server's first
	// start on an empty data directory, which also seeded the demo tenant;
	// 0 when not measured.
	FirstStartRSS int64
	// AfterLoad is the server's memory when the load ended.
	AfterLoad Memory
}

// Report is the outcome of a run: the figures and the checks against the
// targets. Its JSON form (`gatehouse bench --json`) is for machines; field
// names are stable.
type Report struct {
	Machine          Machine        `json:"machine"`
	Setup            Setup          `json:"setup"`
	Load             LoadReport     `json:"load"`
	Signing          SigningReport  `json:"signing"`
	Server           *ServerReport  `json:"server,omitempty"`
	ClientCPUSeconds float64        `json:"client_cpu_seconds"`
	OtherProcesses   OtherProcesses `json:"other_processes"`
	Checks           []Check        `json:"checks"`
	Verdict          string         `json:"verdict"`
}

// LoadReport is the load's figures.
type LoadReport struct {
	Requests          int           `json:"requests"`
	Successes         int           `json:"successes"`
	Failed            int           `json:"failed"`
	Failures          []Failure     `json:"failures"`
	ElapsedSeconds    float64       `json:"elapsed_seconds"`
	RequestsPerSecond float64       `json:"requests_per_second"`
	LatencyMS         LatencyMillis `json:"latency_ms"`
}

// LatencyMillis are latency percentiles in milliseconds.
type LatencyMillis struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// SigningReport is the raw RS256 signing rate, measured in the same run.
type SigningReport struct {
	KeyBits              int     `json:"key_bits"`
	OneCorePerSecond     float64 `json:"one_core_per_second"`
	OneCorePerCPUSecond  float64 `json:"one_core_per_cpu_second"`
	AllCoresPerSecond    float64 `json:"all_cores_per_second"`
	AllCoresPerCPUSecond float64 `json:"all_cores_per_cpu_second"`
	AllCoresGoroutines   int     `json:"all_cores_goroutines"`
	// Reference is the rate the tokens per server CPU-second are compared
	// with: one core's signatures per CPU-second, which other processes
	// taking the core cannot lower (and so cannot flatter the ratio);
	// per wall second when CPU time could not be read.
	Reference float64 `json:"reference_per_second"`
}

// ServerReport is the server process's figures.
type ServerReport struct {
	PID                int     `json:"pid"`
	CPUSeconds         float64 `json:"cpu_seconds"`
	TokensPerCPUSecond float64 `json:"tokens_per_cpu_second"`
	// SigningRatio is TokensPerCPUSecond over the one-core signing rate.
	SigningRatio       float64 `json:"signing_ratio"`
	IdleRSSBytes       int64   `json:"idle_rss_bytes,omitempty"`
	FirstStartRSSBytes int64   `json:"first_start_rss_bytes,omitempty"`
	RSSAfterLoadBytes  int64   `json:"rss_after_load_bytes"`
	PeakRSSBytes       int64   `json:"peak_rss_bytes"`
}

// OtherProcesses is the CPU time processes other than bench and the server
// used, and its share of the machine's capacity (wall time × CPUs).
type OtherProcesses struct {
	Signing CPUShare `json:"signing"`
	// Load is nil when the server's CPU time is unknown: the server's and
	// other processes' cannot be told apart.
	Load *CPUShare `json:"load,omitempty"`
}

// CPUShare is CPU time and its share of the machine's capacity.
type CPUShare struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	Share      float64 `json:"share"`
}

func newCPUShare(cpu, wall time.Duration, cpus int) CPUShare {
	return CPUShare{CPUSeconds: cpu.Seconds(), Share: share(cpu, wall, cpus)}
}

// disturbingShare is the share of the machine other processes may take
// before the report warns that they disturbed the figures.
const disturbingShare = 0.05

// Check is one target and how the run measured against it.
type Check struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Result   string `json:"result"` // Pass, Fail, NotMeasured or NotApplied
}

// Evaluate derives the report's figures and checks the targets.
func Evaluate(m Measurements) Report {
	r := Report{
		Machine: m.Machine,
		Setup:   m.Setup,
		Load: LoadReport{
			Requests: m.Load.Requests, Successes: m.Load.Successes, Failed: m.Load.FailedRequests(),
			Failures: m.Load.Failures, ElapsedSeconds: m.Load.Elapsed.Seconds(),
			RequestsPerSecond: m.Load.RequestsPerSecond(),
			LatencyMS: LatencyMillis{Min: millis(m.Load.Latency.Min), Mean: millis(m.Load.Latency.Mean),
				P50: millis(m.Load.Latency.P50), P90: millis(m.Load.Latency.P90),
				P99: millis(m.Load.Latency.P99), Max: millis(m.Load.Latency.Max)},
		},
		Signing: SigningReport{KeyBits: SigningKeyBits,
			OneCorePerSecond: m.SignOneCore.PerSecond(), OneCorePerCPUSecond: m.SignOneCore.PerCPUSecond(),
			AllCoresPerSecond: m.SignAllCores.PerSecond(), AllCoresPerCPUSecond: m.SignAllCores.PerCPUSecond(),
			AllCoresGoroutines: m.SignAllCores.Goroutines, Reference: m.SignOneCore.PerCPUSecond()},
		ClientCPUSeconds: m.ClientCPU.Seconds(),
	}
	r.Setup.DurationSeconds = m.Setup.Duration.Seconds()
	if r.Signing.Reference == 0 {
		r.Signing.Reference = r.Signing.OneCorePerSecond
	}
	r.OtherProcesses.Signing = newCPUShare(m.OtherCPUSigning, m.SignOneCore.Elapsed+m.SignAllCores.Elapsed, m.Machine.CPUs)
	if m.Server != nil {
		load := newCPUShare(m.OtherCPULoad, m.Load.Elapsed, m.Machine.CPUs)
		r.OtherProcesses.Load = &load
	}
	if r.Load.Failures == nil {
		r.Load.Failures = []Failure{}
	}
	if s := m.Server; s != nil {
		r.Server = &ServerReport{PID: s.PID, CPUSeconds: s.CPU.Seconds(), IdleRSSBytes: s.IdleRSS,
			FirstStartRSSBytes: s.FirstStartRSS, RSSAfterLoadBytes: s.AfterLoad.RSS, PeakRSSBytes: s.AfterLoad.PeakRSS}
		if s.CPU > 0 {
			r.Server.TokensPerCPUSecond = float64(m.Load.Successes) / s.CPU.Seconds()
		}
		if one := r.Signing.Reference; one > 0 {
			r.Server.SigningRatio = r.Server.TokensPerCPUSecond / one
		}
	}
	r.Checks = []Check{checkSigningRatio(r), checkFailures(r), checkIdleRSS(r)}
	r.Verdict = verdict(r.Checks)
	return r
}

func checkSigningRatio(r Report) Check {
	one := r.Signing.Reference
	c := Check{
		Name:   "client_credentials tokens per server CPU-second",
		Target: fmt.Sprintf("≥ %.2f × one core's RS256 signatures per CPU-second (≥ %.0f/s)", TargetSigningRatio, TargetSigningRatio*one),
	}
	switch {
	case r.Server == nil || r.Server.CPUSeconds == 0:
		c.Measured, c.Result = "server CPU time not measured", NotMeasured
		return c
	case one == 0:
		c.Measured, c.Result = "signing rate not measured", NotMeasured
		return c
	}
	c.Measured = fmt.Sprintf("%.0f/s = %.2f × %.0f/s", r.Server.TokensPerCPUSecond, r.Server.SigningRatio, one)
	switch {
	case r.Setup.Grant != GrantClientCredentials:
		c.Result = NotApplied // the target is about client_credentials
	case r.Server.SigningRatio >= TargetSigningRatio:
		c.Result = Pass
	default:
		c.Result = Fail
	}
	return c
}

func checkFailures(r Report) Check {
	c := Check{
		Name:     "no failed request",
		Target:   fmt.Sprintf("0 failed with ≥ %d concurrent clients", TargetConcurrency),
		Measured: fmt.Sprintf("%d of %d failed with %d clients", r.Load.Failed, r.Load.Requests, r.Setup.Concurrency),
	}
	switch {
	case r.Load.Failed > 0 || r.Load.Successes == 0:
		c.Result = Fail
	case r.Setup.Concurrency < TargetConcurrency:
		c.Result = NotMeasured
	default:
		c.Result = Pass
	}
	return c
}

func checkIdleRSS(r Report) Check {
	c := Check{Name: "idle server memory (RSS)", Target: fmt.Sprintf("< %s", megabytes(TargetIdleRSS))}
	if r.Server == nil || r.Server.IdleRSSBytes == 0 {
		c.Measured, c.Result = "not measured", NotMeasured
		return c
	}
	c.Measured = megabytes(r.Server.IdleRSSBytes)
	if r.Server.IdleRSSBytes < TargetIdleRSS {
		c.Result = Pass
	} else {
		c.Result = Fail
	}
	return c
}

// verdict is FAIL when a check failed, PASS when every check passed (or
// does not apply), PARTIAL when none failed but some were not measured.
func verdict(checks []Check) string {
	v := Pass
	for _, c := range checks {
		switch c.Result {
		case Fail:
			return Fail
		case NotMeasured:
			v = Partial
		}
	}
	return v
}

// FailedChecks lists the names of the checks that failed.
func (r Report) FailedChecks() []string {
	var out []string
	for _, c := range r.Checks {
		if c.Result == Fail {
			out = append(out, c.Name)
		}
	}
	return out
}

// share is cpu's share of the capacity of cpus CPUs over wall.
func share(cpu, wall time.Duration, cpus int) float64 {
	if wall <= 0 || cpus <= 0 {
		return 0
	}
	return cpu.Seconds() / (wall.Seconds() * float64(cpus))
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// megabytes prints bytes in decimal megabytes, as the target is stated.
func megabytes(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// WriteText prints the report for people.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	m, s := r.Machine, r.Setup
	p("Gatehouse token endpoint benchmark")
	p("  machine\t%s, %d CPUs, GOMAXPROCS %d, %s %s", orUnknown(m.CPUModel), m.CPUs, m.GOMAXPROCS, m.GoVersion, m.Platform)
	p("  server\t%s, %s", s.Server, s.BaseURL)
	p("  request\t%s, scope %s", s.Grant, s.Scope)
	p("  load\t%d concurrent clients for %s, at most %d requests", s.Concurrency, s.Duration, s.MaxRequests)
	p("")
	l := r.Load
	p("Load")
	p("  requests\t%d (%d succeeded, %d failed)", l.Requests, l.Successes, l.Failed)
	for _, f := range l.Failures {
		p("  failed: %s\t%d (first: %s)", f.Kind, f.Count, f.Example)
	}
	p("  throughput\t%.1f req/s over %.2fs", l.RequestsPerSecond, l.ElapsedSeconds)
	lat := l.LatencyMS
	p("  latency\tp50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms  (mean %.2fms, successful requests)", lat.P50, lat.P90, lat.P99, lat.Max, lat.Mean)
	p("")
	g := r.Signing
	p("RS256 signing, same run (%d-bit key, crypto/rsa SignPKCS1v15 over SHA-256)", g.KeyBits)
	p("  one core\t%.0f signatures/s, %.0f per CPU-second (the reference)", g.OneCorePerSecond, g.OneCorePerCPUSecond)
	p("  all cores\t%.0f signatures/s with %d goroutines, %.0f per CPU-second", g.AllCoresPerSecond, g.AllCoresGoroutines, g.AllCoresPerCPUSecond)
	p("")
	p("CPU during the load")
	if sv := r.Server; sv != nil {
		p("  server\t%.2fs (pid %d)", sv.CPUSeconds, sv.PID)
		p("  bench client\t%.2fs", r.ClientCPUSeconds)
		p("  tokens per server CPU-second\t%.0f = %.2f × one core's signatures per CPU-second", sv.TokensPerCPUSecond, sv.SigningRatio)
		p("")
		p("Server memory (RSS)")
		if sv.FirstStartRSSBytes > 0 {
			p("  idle, first start\t%s (that start seeded the demo data)", megabytes(sv.FirstStartRSSBytes))
		}
		if sv.IdleRSSBytes > 0 {
			p("  idle\t%s", megabytes(sv.IdleRSSBytes))
		}
		p("  after the load\t%s (peak %s)", megabytes(sv.RSSAfterLoadBytes), megabytes(sv.PeakRSSBytes))
	} else {
		p("  server\tnot measured (external server; pass --server-pid to measure it)")
		p("  bench client\t%.2fs", r.ClientCPUSeconds)
	}
	o := r.OtherProcesses
	p("")
	p("Other processes on the machine")
	p("  during signing\t%.2f CPU-s (%.0f%% of the machine)", o.Signing.CPUSeconds, 100*o.Signing.Share)
	if o.Load != nil {
		p("  during the load\t%.2f CPU-s (%.0f%% of the machine)", o.Load.CPUSeconds, 100*o.Load.Share)
	} else {
		p("  during the load\tnot measured (the server's CPU time is unknown)")
	}
	if o.Signing.Share > disturbingShare || (o.Load != nil && o.Load.Share > disturbingShare) {
		p("  warning\tthe machine was not quiet: other processes took CPU the figures assume was free")
	}
	p("")
	if err := tw.Flush(); err != nil {
		return err
	}
	// The checks' lines are long: printed without the tabwriter.
	fmt.Fprintln(w, "Targets")
	for _, c := range r.Checks {
		fmt.Fprintf(w, "  %-4s  %s\n        target %s; measured %s\n", c.Result, c.Name, c.Target, c.Measured)
	}
	_, err := fmt.Fprintf(w, "Verdict: %s\n", r.Verdict)
	return err
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown CPU"
	}
	return s
}
