package bench

import (
	"testing"
	"time"
)

// ms returns 1ms, 2ms, ... n ms.
func ms(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample p50", ms(1), 50, 1 * time.Millisecond},
		{"one sample p99", ms(1), 99, 1 * time.Millisecond},
		{"p0 is the minimum", ms(10), 0, 1 * time.Millisecond},
		{"negative p is the minimum", ms(10), -5, 1 * time.Millisecond},
		{"p100 is the maximum", ms(10), 100, 10 * time.Millisecond},
		{"above 100 is the maximum", ms(10), 150, 10 * time.Millisecond},
		{"ten p50", ms(10), 50, 5 * time.Millisecond},
		{"ten p90", ms(10), 90, 9 * time.Millisecond},
		{"ten p91 rounds up", ms(10), 91, 10 * time.Millisecond},
		{"ten p99", ms(10), 99, 10 * time.Millisecond},
		{"ten p10", ms(10), 10, 1 * time.Millisecond},
		{"ten p11", ms(10), 11, 2 * time.Millisecond},
		{"hundred p99", ms(100), 99, 99 * time.Millisecond},
		{"hundred p29 despite float error", ms(100), 29, 29 * time.Millisecond},
		{"hundred p99.5", ms(100), 99.5, 100 * time.Millisecond},
		{"thousand p99.9", ms(1000), 99.9, 999 * time.Millisecond},
		{"two p50 is the lower", ms(2), 50, 1 * time.Millisecond},
		{"two p51 is the upper", ms(2), 51, 2 * time.Millisecond},
		{"tiny p on many samples is the minimum", ms(1000), 0.01, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.samples, tt.p); got != tt.want {
				t.Fatalf("Percentile(%d samples, %v) = %v, want %v", len(tt.samples), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    LatencySummary
	}{
		{"empty", nil, LatencySummary{}},
		{"one", []time.Duration{3 * time.Millisecond}, LatencySummary{Count: 1, Min: 3 * time.Millisecond,
			Mean: 3 * time.Millisecond, P50: 3 * time.Millisecond, P90: 3 * time.Millisecond,
			P99: 3 * time.Millisecond, Max: 3 * time.Millisecond}},
		{"unsorted input", []time.Duration{9, 1, 5, 3, 7}, LatencySummary{Count: 5, Min: 1, Mean: 5, P50: 5, P90: 9, P99: 9, Max: 9}},
		{"hundred", ms(100), LatencySummary{Count: 100, Min: time.Millisecond, Mean: 50500 * time.Microsecond,
			P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.samples); got != tt.want {
				t.Fatalf("Summarize = %+v, want %+v", got, tt.want)
			}
		})
	}
}
