package smb

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histBuckets bounds a Histogram: bucket i counts latencies under 2^i µs,
// the last everything longer (2^30 µs is about 18 minutes).
const histBuckets = 32

// Histogram counts request latencies in power-of-two buckets of
// microseconds: recording is one atomic add, and a percentile is known to
// within a factor of two, which is what telling 200 µs from 20 ms needs.
type Histogram struct {
	b [histBuckets]atomic.Uint64
}

// Observe records one latency.
func (h *Histogram) Observe(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	i := min(bits.Len64(us), histBuckets-1)
	h.b[i].Add(1)
}

// Count is how many latencies were recorded.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.b {
		n += h.b[i].Load()
	}
	return n
}

// Percentile returns the upper bound of the bucket holding the p-th
// percentile (0 < p <= 100), or 0 if nothing was recorded.
func (h *Histogram) Percentile(p float64) time.Duration {
	var counts [histBuckets]uint64
	var total uint64
	for i := range h.b {
		counts[i] = h.b[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(p / 100 * float64(total))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, n := range counts {
		seen += n
		if seen >= rank {
			return time.Duration(uint64(1)<<i) * time.Microsecond
		}
	}
	return time.Duration(uint64(1)<<(histBuckets-1)) * time.Microsecond
}

// Reset forgets every recorded latency.
func (h *Histogram) Reset() {
	for i := range h.b {
		h.b[i].Store(0)
	}
}
