package bench

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
)

// fakeDevEnv makes the test binary act as `gatehouse dev` when a test runs
// it as the server's executable.
const fakeDevEnv = "GATEHOUSE_BENCH_FAKE_DEV"

func TestMain(m *testing.M) {
	switch os.Getenv(fakeDevEnv) {
	case "":
		os.Exit(m.Run())
	case "serve":
		os.Exit(fakeDev(os.Args[1:]))
	case "fail":
		fmt.Fprintln(os.Stderr, "open store: database is locked")
		os.Exit(1)
	}
}

// fakeDev writes dev.json like `gatehouse dev --data DIR` and serves until
// interrupted.
func fakeDev(args []string) int {
	if len(args) < 3 || args[0] != "dev" || args[1] != "--data" {
		fmt.Fprintf(os.Stderr, "unexpected arguments %q\n", args)
		return 2
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	if _, err := devenv.WriteDevJSON(args[2], devenv.DevJSON{HTTPBaseURL: "http://127.0.0.1:1", TenantID: "t",
		ClientID: "c", ClientSecret: "s"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-stop
	return 0
}

func TestStartDevServer(t *testing.T) {
	t.Setenv(fakeDevEnv, "serve")
	dir := t.TempDir()
	// A dev.json of an earlier run must not be taken for the new server's.
	os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`{"http_base_url":"http://127.0.0.1:9"}`), 0o600)
	s, err := StartDevServer(context.Background(), DevServerConfig{Executable: os.Args[0], DataDir: dir, StartTimeout: time.Minute})
	if err != nil {
		t.Fatalf("StartDevServer: %v", err)
	}
	if s.Dev.HTTPBaseURL != "http://127.0.0.1:1" || s.Dev.ClientSecret != "s" {
		t.Fatalf("dev.json = %+v, want the new server's", s.Dev)
	}
	if _, err := ProcessCPU(s.PID); err != nil {
		t.Fatalf("ProcessCPU of the server: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-s.exited:
	default:
		t.Fatal("server still running after Stop")
	}
	if s.err != nil {
		t.Fatalf("server exit = %v, want a clean shutdown on interrupt", s.err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestStartDevServerReportsEarlyExit(t *testing.T) {
	t.Setenv(fakeDevEnv, "fail")
	_, err := StartDevServer(context.Background(), DevServerConfig{Executable: os.Args[0], DataDir: t.TempDir(), StartTimeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("StartDevServer error = %v, want the exit and the server's log", err)
	}
}

func TestReadDevJSON(t *testing.T) {
	dir := t.TempDir()
	want := devenv.DevJSON{HTTPBaseURL: "http://127.0.0.1:8080", TenantID: "t", ClientID: "c", ClientSecret: "s",
		Users: []devenv.User{{UserPrincipalName: "adele@contoso.example", Password: "p"}}}
	path, err := devenv.WriteDevJSON(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadDevJSON(path)
	if err != nil {
		t.Fatalf("ReadDevJSON: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ReadDevJSON = %+v, want %+v", got, want)
	}
	os.WriteFile(path, []byte("{"), 0o600)
	if _, err := ReadDevJSON(path); err == nil || !strings.Contains(err.Error(), "parse") {
		t.Fatalf("ReadDevJSON of a broken file error = %v, want a parse error", err)
	}
}
