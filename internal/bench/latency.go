package bench

import (
	"math"
	"slices"
	"time"
)

// LatencySummary describes a set of request latencies.
type LatencySummary struct {
	Count int
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// Summarize computes the summary of samples. It sorts samples in place.
// The load is bounded by a request count, so keeping every sample (8 bytes
// each) is cheap and the percentiles are exact rather than bucketed.
func Summarize(samples []time.Duration) LatencySummary {
	if len(samples) == 0 {
		return LatencySummary{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return LatencySummary{
		Count: len(samples),
		Min:   samples[0],
		Mean:  sum / time.Duration(len(samples)),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted samples by
// the nearest-rank method: the smallest sample that at least p% of the
// samples are less than or equal to. It never interpolates, so the result is
// always a latency that was observed. p ≤ 0 gives the minimum; no samples
// give 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	// Round p·n/100 to 9 significant decimals first, so that float error
	// (for example 0.29·100 = 28.999999999999996) does not move the rank.
	x := math.Round(p*float64(n)/100*1e9) / 1e9
	rank := int(math.Ceil(x))
	return sorted[max(rank, 1)-1]
}
