package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Call makes one request. It returns nil when the request succeeded; a
// failed request's error says why (a *StatusError for an HTTP answer other
// than success).
type Call func(ctx context.Context) error

// LoadConfig bounds a load run. Every field is required: a run always
// stops, by time or by count, whichever comes first.
type LoadConfig struct {
	// Concurrency is the number of callers, each with at most one request in
	// flight.
	Concurrency int
	// Duration is how long callers start new requests. Requests in flight
	// when it ends still complete and count.
	Duration time.Duration
	// MaxRequests bounds the number of requests of the whole run.
	MaxRequests int
	// RequestTimeout bounds each request.
	RequestTimeout time.Duration
}

// Validate reports every problem of the config at once.
func (c LoadConfig) Validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, not %d", c.Concurrency))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be positive, not %s", c.Duration))
	}
	if c.MaxRequests < 1 {
		errs = append(errs, fmt.Errorf("max requests must be at least 1, not %d", c.MaxRequests))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("request timeout must be positive, not %s", c.RequestTimeout))
	}
	return errors.Join(errs...)
}

// LoadResult is what a load run measured.
type LoadResult struct {
	// Requests counts the requests made, succeeded or failed.
	Requests  int
	Successes int
	// Failures groups failed requests by kind (FailureKind), sorted by kind.
	Failures []Failure
	// Elapsed runs from the first request's start to the last one's end.
	Elapsed time.Duration
	// Latency is over successful requests: a fast refusal would make the
	// percentiles look better than the service is.
	Latency LatencySummary
}

// Failure counts the failed requests of one kind.
type Failure struct {
	Kind    string // "HTTP 401", "timeout", "transport error"
	Count   int
	Example string // the first error of this kind
}

// FailedRequests is the number of failed requests.
func (r LoadResult) FailedRequests() int {
	n := 0
	for _, f := range r.Failures {
		n += f.Count
	}
	return n
}

// RequestsPerSecond is the rate of successful requests.
func (r LoadResult) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Successes) / r.Elapsed.Seconds()
}

// StatusError is a request answered with an unexpected HTTP status.
type StatusError struct {
	Code int
	// Detail is what the body said (an OAuth error_description), shortened.
	Detail string
}

func (e *StatusError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Detail)
}

// FailureKind classifies a failed request's error for counting: by HTTP
// status, timeout, or any other transport error.
func FailureKind(err error) string {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("HTTP %d", se.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	default:
		return "transport error"
	}
}

// workerResult is one caller's share of a run, merged at the end so that
// callers share nothing but the request counter.
type workerResult struct {
	latencies []time.Duration
	failures  map[string]*Failure
}

// RunLoad runs call from cfg.Concurrency goroutines until cfg.Duration has
// passed or cfg.MaxRequests requests have started. It returns ctx's error
// (with the partial result) when ctx ends first.
func RunLoad(ctx context.Context, cfg LoadConfig, call Call) (LoadResult, error) {
	if err := cfg.Validate(); err != nil {
		return LoadResult{}, fmt.Errorf("load config: %w", err)
	}
	var (
		started  atomic.Int64
		wg       sync.WaitGroup
		results  = make([]workerResult, cfg.Concurrency)
		begin    = time.Now()
		deadline = begin.Add(cfg.Duration)
	)
	for i := range results {
		wg.Add(1)
		go func(res *workerResult) {
			defer wg.Done()
			res.latencies = make([]time.Duration, 0, min(cfg.MaxRequests/cfg.Concurrency+1, 1<<16))
			res.failures = map[string]*Failure{}
			for ctx.Err() == nil && time.Now().Before(deadline) && started.Add(1) <= int64(cfg.MaxRequests) {
				rctx, cancel := context.WithTimeout(ctx, cfg.RequestTimeout)
				t0 := time.Now()
				err := call(rctx)
				took := time.Since(t0)
				cancel()
				if err == nil {
					res.latencies = append(res.latencies, took)
					continue
				}
				if ctx.Err() != nil {
					return // interrupted: not the server's failure
				}
				kind := FailureKind(err)
				if f, ok := res.failures[kind]; ok {
					f.Count++
				} else {
					res.failures[kind] = &Failure{Kind: kind, Count: 1, Example: err.Error()}
				}
			}
		}(&results[i])
	}
	wg.Wait()
	elapsed := time.Since(begin)
	return mergeResults(results, elapsed), ctx.Err()
}

func mergeResults(results []workerResult, elapsed time.Duration) LoadResult {
	var latencies []time.Duration
	failures := map[string]*Failure{}
	for _, r := range results {
		latencies = append(latencies, r.latencies...)
		for kind, f := range r.failures {
			if g, ok := failures[kind]; ok {
				g.Count += f.Count
			} else {
				c := *f
				failures[kind] = &c
			}
		}
	}
	out := LoadResult{Successes: len(latencies), Elapsed: elapsed}
	for _, f := range failures {
		out.Failures = append(out.Failures, *f)
	}
	slices.SortFunc(out.Failures, func(a, b Failure) int { return cmp.Compare(a.Kind, b.Kind) })
	out.Requests = out.Successes + out.FailedRequests()
	out.Latency = Summarize(latencies)
	return out
}
