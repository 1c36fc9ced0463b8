package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// measured is a run that meets every target: 1000 signatures/s on one
// core, 9000 tokens for 10s of server CPU (900/s = 0.9×), no failure at 16
// clients, 30 MB idle.
func measured() Measurements {
	return Measurements{
		Machine:      Machine{CPUModel: "AMD EPYC", CPUs: 2, GOMAXPROCS: 2, GoVersion: "go1.26", Platform: "linux/amd64"},
		Setup:        Setup{Server: "child process", BaseURL: "http://127.0.0.1:1", Grant: GrantClientCredentials, Scope: DefaultScope, Concurrency: 16, Duration: 10 * time.Second, MaxRequests: 200000},
		SignOneCore:  SigningRate{Goroutines: 1, Signatures: 2000, Elapsed: 2 * time.Second, CPU: 2 * time.Second},
		SignAllCores: SigningRate{Goroutines: 2, Signatures: 3900, Elapsed: 2 * time.Second, CPU: 4 * time.Second},
		Load: LoadResult{Requests: 9000, Successes: 9000, Elapsed: 10 * time.Second,
			Latency: LatencySummary{Count: 9000, Min: time.Millisecond, Mean: 17 * time.Millisecond, P50: 16 * time.Millisecond,
				P90: 25 * time.Millisecond, P99: 40 * time.Millisecond, Max: 90 * time.Millisecond}},
		ClientCPU:       6 * time.Second,
		OtherCPUSigning: 40 * time.Millisecond,
		OtherCPULoad:    2 * time.Second,
		Server: &ServerUsage{PID: 42, CPU: 10 * time.Second, IdleRSS: 30_000_000, FirstStartRSS: 57_000_000,
			AfterLoad: Memory{RSS: 45_000_000, PeakRSS: 60_000_000}},
	}
}

func TestEvaluateFigures(t *testing.T) {
	r := Evaluate(measured())
	if r.Load.RequestsPerSecond != 900 {
		t.Fatalf("requests per second = %v, want 900", r.Load.RequestsPerSecond)
	}
	if g := r.Signing; g.OneCorePerSecond != 1000 || g.OneCorePerCPUSecond != 1000 || g.AllCoresPerSecond != 1950 ||
		g.AllCoresPerCPUSecond != 975 || g.Reference != 1000 {
		t.Fatalf("signing = %+v, want 1000/s on one core, 1950/s (975 per CPU-second) on all, reference 1000", g)
	}
	if r.Server.TokensPerCPUSecond != 900 || math.Abs(r.Server.SigningRatio-0.9) > 1e-9 {
		t.Fatalf("server = %+v, want 900 tokens per CPU-second, ratio 0.9", r.Server)
	}
	// Other processes took 2s of 10s × 2 CPUs during the load, 40ms of 4s × 2 during signing.
	if o := r.OtherProcesses; o.Load == nil || math.Abs(o.Load.Share-0.1) > 1e-9 || math.Abs(o.Signing.Share-0.005) > 1e-9 {
		t.Fatalf("other processes = %+v, want shares 0.005 and 0.1", o)
	}
	m := measured()
	m.Server = nil
	if o := Evaluate(m).OtherProcesses; o.Load != nil {
		t.Fatalf("other processes during the load = %+v without the server's CPU time, want not reported", *o.Load)
	}
	if r.Load.LatencyMS.P99 != 40 || r.Setup.DurationSeconds != 10 {
		t.Fatalf("p99 = %vms, duration %vs, want 40ms and 10s", r.Load.LatencyMS.P99, r.Setup.DurationSeconds)
	}
}

func TestEvaluateChecks(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Measurements)
		want    [3]string // ratio, failures, idle RSS
		verdict string
	}{
		{"every target met", func(*Measurements) {}, [3]string{Pass, Pass, Pass}, Pass},
		{"ratio exactly at target", func(m *Measurements) { m.Load.Successes = 8000 }, [3]string{Pass, Pass, Pass}, Pass},
		{"ratio below target", func(m *Measurements) { m.Server.CPU = 12 * time.Second }, [3]string{Fail, Pass, Pass}, Fail},
		{"password grant has no ratio target", func(m *Measurements) {
			m.Setup.Grant = GrantPassword
			m.Server.CPU = time.Minute
		}, [3]string{NotApplied, Pass, Pass}, Pass},
		{"a failed request", func(m *Measurements) {
			m.Load.Failures = []Failure{{Kind: "HTTP 500", Count: 1}}
			m.Load.Requests++
		}, [3]string{Pass, Fail, Pass}, Fail},
		{"nothing succeeded", func(m *Measurements) { m.Load = LoadResult{} }, [3]string{Fail, Fail, Pass}, Fail},
		{"fewer clients than the target", func(m *Measurements) { m.Setup.Concurrency = 8 }, [3]string{Pass, NotMeasured, Pass}, Partial},
		{"idle RSS at the bound", func(m *Measurements) { m.Server.IdleRSS = TargetIdleRSS }, [3]string{Pass, Pass, Fail}, Fail},
		{"external server", func(m *Measurements) { m.Server = nil }, [3]string{NotMeasured, Pass, NotMeasured}, Partial},
		{"no signing rate", func(m *Measurements) { m.SignOneCore = SigningRate{} }, [3]string{NotMeasured, Pass, Pass}, Partial},
		// Another process took a fifth of the core while bench signed: the
		// wall rate drops to 800/s (ratio 1.1), the per-CPU rate does not.
		{"contended signing does not flatter the ratio", func(m *Measurements) {
			m.SignOneCore.Elapsed = 2500 * time.Millisecond
			m.Server.CPU = 12 * time.Second
		}, [3]string{Fail, Pass, Pass}, Fail},
		{"no CPU time: the wall rate is the reference", func(m *Measurements) {
			m.SignOneCore.CPU = 0
			m.SignOneCore.Elapsed = 2500 * time.Millisecond
			m.Server.CPU = 12 * time.Second
		}, [3]string{Pass, Pass, Pass}, Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := measured()
			tt.change(&m)
			r := Evaluate(m)
			var got [3]string
			for i, c := range r.Checks {
				got[i] = c.Result
			}
			if got != tt.want {
				t.Fatalf("check results = %v, want %v (checks %+v)", got, tt.want, r.Checks)
			}
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict = %s, want %s", r.Verdict, tt.verdict)
			}
			if failed := r.FailedChecks(); (len(failed) > 0) != (tt.verdict == Fail) {
				t.Fatalf("failed checks = %v with verdict %s", failed, r.Verdict)
			}
		})
	}
}

func TestReportText(t *testing.T) {
	m := measured()
	m.Load.Failures = []Failure{{Kind: "HTTP 401", Count: 2, Example: "HTTP 401: invalid_client"}}
	m.Load.Requests += 2
	var b bytes.Buffer
	if err := Evaluate(m).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"AMD EPYC, 2 CPUs",
		"failed: HTTP 401  2 (first: HTTP 401: invalid_client)",
		"p50 16.00ms  p90 25.00ms  p99 40.00ms  max 90.00ms",
		"1000 signatures/s, 1000 per CPU-second (the reference)",
		"1950 signatures/s with 2 goroutines, 975 per CPU-second",
		"900 = 0.90 × one core's signatures per CPU-second",
		"idle, first start",
		"57.0 MB",
		"FAIL  no failed request\n        target 0 failed with ≥ 16 concurrent clients; measured 2 of 9002 failed with 16 clients",
		"2.00 CPU-s (10% of the machine)",
		"warning",
		"Verdict: FAIL",
	} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("report text lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReportTextExternalServer(t *testing.T) {
	m := measured()
	m.Server = nil
	var b bytes.Buffer
	if err := Evaluate(m).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"not measured (external server; pass --server-pid to measure it)",
		"during the load  not measured (the server's CPU time is unknown)",
		"NOT MEASURED  client_credentials tokens per server CPU-second",
		"Verdict: PARTIAL",
	} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("report text lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReportJSON(t *testing.T) {
	b, err := json.Marshal(Evaluate(measured()))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	server := got["server"].(map[string]any)
	if server["signing_ratio"].(float64) < 0.89 || got["verdict"] != Pass {
		t.Fatalf("JSON = %s, want signing_ratio 0.9 and verdict PASS", b)
	}
	load := got["load"].(map[string]any)
	if _, ok := load["failures"].([]any); !ok {
		t.Fatalf("JSON load.failures = %v, want an empty list, not null", load["failures"])
	}
}
