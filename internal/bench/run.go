package bench

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
)

// RunConfig configures a bench run.
type RunConfig struct {
	// Load bounds the measured load.
	Load LoadConfig
	// Form is the token request. Fields left empty are filled from the dev
	// server bench starts (FillFrom).
	Form TokenForm
	// BaseURL is a running server's base URL, already checked to be
	// loopback (CheckLoopbackURL). Nil starts a dev server as a child
	// process: the measured server is then a process of its own.
	BaseURL *url.URL
	// Tenant is the tenant segment of the token endpoint; empty with a
	// started dev server means its demo tenant.
	Tenant string
	// ServerPID is the process id of the server at BaseURL, for its CPU
	// time and memory; 0 leaves them unmeasured.
	ServerPID int
	// Executable is the gatehouse binary that runs a dev server.
	Executable string
	// RootCAs verifies an https BaseURL.
	RootCAs *x509.CertPool
	// SignDuration is how long each signing measurement runs (default 2s).
	SignDuration time.Duration
	// Progress receives a line per phase, for people waiting; nil discards.
	Progress io.Writer
}

// idleSettle is how long a started server is left alone before its memory
// counts as idle.
const idleSettle = 2 * time.Second

// Run measures the token endpoint in one run: it starts a dev server unless
// cfg names one, measures the raw RS256 signing rate while the server is
// idle, sends one request to check the setup, warms up, runs the bounded
// load, and reads the server's CPU time around the load and its memory.
func Run(ctx context.Context, cfg RunConfig) (Report, error) {
	if cfg.SignDuration == 0 {
		cfg.SignDuration = 2 * time.Second
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	progress := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, format+"\n", args...) }
	if err := cfg.Load.Validate(); err != nil {
		return Report{}, err
	}
	m := Measurements{Machine: CurrentMachine()}

	setup := Setup{Server: "external", Concurrency: cfg.Load.Concurrency, Duration: cfg.Load.Duration,
		MaxRequests: cfg.Load.MaxRequests, Grant: cfg.Form.Grant, Scope: cfg.Form.Scope}
	if cfg.BaseURL == nil {
		srv, usage, err := startMeasuredDevServer(ctx, cfg.Executable, progress)
		if err != nil {
			return Report{}, err
		}
		defer srv.Stop()
		base, err := CheckLoopbackURL(srv.Dev.HTTPBaseURL)
		if err != nil {
			return Report{}, fmt.Errorf("dev server: %w", err)
		}
		cfg.BaseURL, cfg.ServerPID = base, srv.PID
		if cfg.Tenant == "" {
			cfg.Tenant = srv.Dev.TenantID
		}
		cfg.Form.FillFrom(srv.Dev)
		setup.Server = fmt.Sprintf("child process `gatehouse dev` (pid %d)", srv.PID)
		m.Server = usage
	} else if cfg.ServerPID != 0 {
		mem, err := ProcessMemory(cfg.ServerPID)
		if err != nil {
			return Report{}, fmt.Errorf("--server-pid: %w", err)
		}
		// Before bench sends anything, the server is as idle as bench can know.
		m.Server = &ServerUsage{PID: cfg.ServerPID, IdleRSS: mem.RSS}
		setup.Server = fmt.Sprintf("external (pid %d)", cfg.ServerPID)
	}
	setup.BaseURL = cfg.BaseURL.String()
	m.Setup = setup
	if cfg.Tenant == "" {
		return Report{}, fmt.Errorf("the tenant is required")
	}
	body, err := cfg.Form.Encode()
	if err != nil {
		return Report{}, fmt.Errorf("token request: %w", err)
	}
	client := NewClient(ClientConfig{Concurrency: cfg.Load.Concurrency, RootCAs: cfg.RootCAs})
	defer client.CloseIdleConnections()
	endpoint := TokenEndpoint(cfg.BaseURL, cfg.Tenant)
	call := NewTokenCall(client, endpoint, body)

	// One request first: a wrong secret or tenant shows its error once,
	// instead of as a whole run of failures.
	first, cancel := context.WithTimeout(ctx, cfg.Load.RequestTimeout)
	err = call(first)
	cancel()
	if err != nil {
		return Report{}, fmt.Errorf("first token request to %s: %w", endpoint, err)
	}

	key, err := NewSigningKey()
	if err != nil {
		return Report{}, err
	}
	progress("measuring RS256 signing: one goroutine for %s, then %d for %s", cfg.SignDuration, runtime.GOMAXPROCS(0), cfg.SignDuration)
	before, err := readCPU(cfg.ServerPID)
	if err != nil {
		return Report{}, err
	}
	if m.SignOneCore, err = MeasureSigning(ctx, key, 1, cfg.SignDuration); err != nil {
		return Report{}, err
	}
	if m.SignAllCores, err = MeasureSigning(ctx, key, runtime.GOMAXPROCS(0), cfg.SignDuration); err != nil {
		return Report{}, err
	}
	after, err := readCPU(cfg.ServerPID)
	if err != nil {
		return Report{}, err
	}
	m.OtherCPUSigning = after.sub(before).others()

	// Warm up connections and caches; not measured.
	warm := cfg.Load
	warm.Duration, warm.MaxRequests = min(time.Second, cfg.Load.Duration), min(4*cfg.Load.Concurrency, cfg.Load.MaxRequests)
	if _, err := RunLoad(ctx, warm, call); err != nil {
		return Report{}, err
	}

	progress("load: %d clients for %s (at most %d requests) on %s", cfg.Load.Concurrency, cfg.Load.Duration, cfg.Load.MaxRequests, endpoint)
	before, err = readCPU(cfg.ServerPID)
	if err != nil {
		return Report{}, err
	}
	if m.Load, err = RunLoad(ctx, cfg.Load, call); err != nil {
		return Report{}, err
	}
	after, err = readCPU(cfg.ServerPID)
	if err != nil {
		return Report{}, err
	}
	used := after.sub(before)
	m.ClientCPU, m.OtherCPULoad = used.self, used.others()
	if m.Server != nil {
		m.Server.CPU = used.server
		if m.Server.AfterLoad, err = ProcessMemory(m.Server.PID); err != nil {
			return Report{}, err
		}
	}
	return Evaluate(m), nil
}

// startMeasuredDevServer starts gatehouse dev on a fresh data directory,
// which seeds the demo tenant, notes its idle memory, and starts it again on
// the seeded data: that second server, started as any server restarts, is
// the one measured. The data directory is removed when ctx ends or the
// server stops.
func startMeasuredDevServer(ctx context.Context, exe string, progress func(string, ...any)) (*DevServer, *ServerUsage, error) {
	if exe == "" {
		return nil, nil, fmt.Errorf("no gatehouse executable to start a dev server")
	}
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return nil, nil, fmt.Errorf("data directory: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	cfg := DevServerConfig{Executable: exe, DataDir: dir}
	progress("starting gatehouse dev on a fresh data directory (%s); it seeds the demo tenant", dir)
	seeder, err := StartDevServer(ctx, cfg)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	firstIdle, err := seeder.IdleMemory(ctx, idleSettle)
	if stopErr := seeder.Stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	progress("restarting gatehouse dev on the seeded data: this server is measured")
	srv, err := StartDevServer(ctx, cfg)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	srv.onStop = cleanup
	idle, err := srv.IdleMemory(ctx, idleSettle)
	if err != nil {
		srv.Stop()
		return nil, nil, err
	}
	return srv, &ServerUsage{PID: srv.PID, IdleRSS: idle.RSS, FirstStartRSS: firstIdle.RSS}, nil
}

// cpuTimes are CPU times of the machine (all processes), of bench itself
// and of the server (0 when not measured), read together so that a phase's
// CPU time can be told apart by who used it.
type cpuTimes struct{ system, self, server time.Duration }

func readCPU(serverPID int) (cpuTimes, error) {
	var t cpuTimes
	var err error
	if t.system, err = SystemCPU(); err != nil {
		return t, err
	}
	if t.self, err = ProcessCPU(os.Getpid()); err != nil {
		return t, err
	}
	if serverPID != 0 {
		if t.server, err = ProcessCPU(serverPID); err != nil {
			return t, fmt.Errorf("server: %w", err)
		}
	}
	return t, nil
}

func (t cpuTimes) sub(u cpuTimes) cpuTimes {
	return cpuTimes{system: t.system - u.system, self: t.self - u.self, server: t.server - u.server}
}

// others is the CPU time neither bench nor the server used. The three
// clocks tick in 10ms steps, so a few ticks either way are noise.
func (t cpuTimes) others() time.Duration { return max(t.system-t.self-t.server, 0) }

// CurrentMachine describes the machine bench runs on.
func CurrentMachine() Machine {
	return Machine{CPUModel: CPUModel(), CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

// FillFrom fills the form's empty fields from a dev server's dev.json: the
// demo app's credentials, and for the password grant its first user.
func (f *TokenForm) FillFrom(d devenv.DevJSON) {
	fill := func(field *string, v string) {
		if *field == "" {
			*field = v
		}
	}
	fill(&f.ClientID, d.ClientID)
	fill(&f.ClientSecret, d.ClientSecret)
	if f.Grant == GrantPassword && len(d.Users) > 0 {
		fill(&f.Username, d.Users[0].UserPrincipalName)
		fill(&f.Password, d.Users[0].Password)
	}
}
