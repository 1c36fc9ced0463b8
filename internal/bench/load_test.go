package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunLoadStopsAtMaxRequests(t *testing.T) {
	var calls atomic.Int64
	cfg := LoadConfig{Concurrency: 4, Duration: time.Minute, MaxRequests: 100, RequestTimeout: time.Second}
	res, err := RunLoad(context.Background(), cfg, func(context.Context) error {
		calls.Add(1)
		return nil
	})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	if got := calls.Load(); got != 100 {
		t.Fatalf("calls = %d, want 100", got)
	}
	if res.Requests != 100 || res.Successes != 100 || res.Latency.Count != 100 {
		t.Fatalf("requests, successes, latency count = %d, %d, %d, want 100 each", res.Requests, res.Successes, res.Latency.Count)
	}
	if res.Elapsed > 10*time.Second {
		t.Fatalf("elapsed = %s: the count bound did not stop the run", res.Elapsed)
	}
}

func TestRunLoadStopsAtDuration(t *testing.T) {
	cfg := LoadConfig{Concurrency: 2, Duration: 100 * time.Millisecond, MaxRequests: 1 << 30, RequestTimeout: time.Second}
	res, err := RunLoad(context.Background(), cfg, func(context.Context) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	if res.Elapsed < 100*time.Millisecond || res.Elapsed > 5*time.Second {
		t.Fatalf("elapsed = %s, want about 100ms", res.Elapsed)
	}
	if res.Requests == 0 {
		t.Fatal("requests = 0, want some")
	}
	if rps := res.RequestsPerSecond(); rps <= 0 {
		t.Fatalf("requests per second = %v, want > 0", rps)
	}
}

func TestRunLoadRunsCallersConcurrently(t *testing.T) {
	const n = 8
	var inFlight atomic.Int64
	cfg := LoadConfig{Concurrency: n, Duration: time.Minute, MaxRequests: n, RequestTimeout: 5 * time.Second}
	res, err := RunLoad(context.Background(), cfg, func(ctx context.Context) error {
		inFlight.Add(1)
		// Succeed only once all n callers are in flight at the same time.
		for inFlight.Load() < n {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	if res.Successes != n {
		t.Fatalf("successes = %d, want %d (failures %v): callers did not run concurrently", res.Successes, n, res.Failures)
	}
}

func TestRunLoadCountsFailuresByKind(t *testing.T) {
	var calls atomic.Int64
	cfg := LoadConfig{Concurrency: 3, Duration: time.Minute, MaxRequests: 30, RequestTimeout: time.Second}
	res, err := RunLoad(context.Background(), cfg, func(context.Context) error {
		switch calls.Add(1) % 3 {
		case 0:
			return &StatusError{Code: 401, Detail: "AADSTS7000215: Invalid client secret provided."}
		case 1:
			return nil
		default:
			return fmt.Errorf("post: %w", context.DeadlineExceeded)
		}
	})
	if err != nil {
		t.Fatalf("RunLoad: %v", err)
	}
	want := []Failure{
		{Kind: "HTTP 401", Count: 10, Example: "HTTP 401: AADSTS7000215: Invalid client secret provided."},
		{Kind: "timeout", Count: 10, Example: "post: context deadline exceeded"},
	}
	if fmt.Sprint(res.Failures) != fmt.Sprint(want) {
		t.Fatalf("failures = %v, want %v", res.Failures, want)
	}
	if res.Requests != 30 || res.Successes != 10 || res.FailedRequests() != 20 {
		t.Fatalf("requests, successes, failed = %d, %d, %d, want 30, 10, 20", res.Requests, res.Successes, res.FailedRequests())
	}
	if res.Latency.Count != 10 {
		t.Fatalf("latency count = %d, want 10 (successes only)", res.Latency.Count)
	}
}

func TestRunLoadInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	cfg := LoadConfig{Concurrency: 2, Duration: time.Minute, MaxRequests: 1 << 30, RequestTimeout: time.Minute}
	res, err := RunLoad(ctx, cfg, func(ctx context.Context) error {
		if calls.Add(1) == 10 {
			cancel()
		}
		<-time.After(time.Millisecond)
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunLoad error = %v, want context.Canceled", err)
	}
	if res.FailedRequests() != 0 {
		t.Fatalf("failures = %v, want none: an interrupted request is not the server's failure", res.Failures)
	}
}

func TestLoadConfigValidate(t *testing.T) {
	err := LoadConfig{}.Validate()
	if err == nil {
		t.Fatal("Validate of the zero config = nil, want every problem")
	}
	for _, want := range []string{"concurrency", "duration", "max requests", "request timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("Validate error %q does not mention %q", err, want)
		}
	}
	ok := LoadConfig{Concurrency: 1, Duration: time.Second, MaxRequests: 1, RequestTimeout: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v, want nil", ok, err)
	}
}

func TestFailureKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&StatusError{Code: 500}, "HTTP 500"},
		{fmt.Errorf("token: %w", &StatusError{Code: 429, Detail: "slow down"}), "HTTP 429"},
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), "timeout"},
		{errors.New("connection reset by peer"), "transport error"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := FailureKind(tt.err); got != tt.want {
				t.Fatalf("FailureKind(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
