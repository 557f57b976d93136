package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"

	"github.com/orgbackup/orgbackup/internal/org"
)

// The garbage collector's settings for an orgbackup process, unless the
// user chose them. orgbackup runs briefly and allocates fast (CUE's
// evaluation of a 500-policy repository allocates gigabytes in total while
// holding about a hundred MiB), so with Go's default target (GOGC=100) a
// third of its CPU time went to collecting. A higher target collects less
// often; the soft memory limit makes it collect more often again as the
// heap approaches the limit, so the peak stays where the benchmarks hold
// it (internal/bench/README.md) instead of growing with the target.
const (
	gcPercent   = 400
	memoryLimit = 240 << 20
	// orgMemoryLimit is the soft limit of the commands that hold a whole
	// organization's effective policies (see orgSized). A preview of
	// 100,000 accounts keeps about 180 MiB live and allocates about 400
	// MiB in all; under 240 MiB the collector marked that live heap three
	// times, a third of the process's CPU time. Under 384 MiB it runs
	// once, and the process stays under its 500 MB peak target
	// (internal/bench/README.md).
	orgMemoryLimit = 384 << 20
	// headroom is what the collector may let the heap grow by above the
	// live heap before it must collect, once the live heap is large.
	headroom = 128 << 20
)

// ours says tuneGC chose the collector's target: the user set neither
// GOGC nor GOMEMLIMIT.
var ours atomic.Bool

// floor is the soft memory limit below which followLiveHeap never goes;
// 0 while orgbackup does not set the limit (the user set GOMEMLIMIT, or
// tuneGC has not run: tests call Run).
var floor atomic.Int64

// tuneGC applies the settings above, each only when its environment
// variable (GOGC, GOMEMLIMIT) is not set: whoever sets one knows better
// than orgbackup what the machine can give.
func tuneGC(getenv func(string) string) {
	percent, limit := gcChoices(getenv)
	ours.Store(collectsEarly(percent, limit))
	if percent {
		debug.SetGCPercent(gcPercent)
	}
	if limit {
		floor.Store(memoryLimit)
		debug.SetMemoryLimit(memoryLimit)
		followLiveHeap()
	}
}

// useOrgMemoryLimit raises the soft limit to orgMemoryLimit, if orgbackup
// sets the limit: the command about to run holds a whole organization.
func useOrgMemoryLimit() {
	if floor.CompareAndSwap(memoryLimit, orgMemoryLimit) {
		debug.SetMemoryLimit(orgMemoryLimit)
	}
}

// gcChoices says which settings are orgbackup's to make.
func gcChoices(getenv func(string) string) (percent, limit bool) {
	return getenv("GOGC") == "", getenv("GOMEMLIMIT") == ""
}

// collectsEarly says whether loadOrg may start a collection of its own:
// only when both settings are orgbackup's.
func collectsEarly(percent, limit bool) bool { return percent && limit }

// limitFor is the soft memory limit for a live heap of live bytes, given
// the floor.
func limitFor(floor, live int64) int64 { return max(floor, live+headroom) }

// followLiveHeap keeps the soft memory limit at least headroom above the
// live heap, adjusting it after each collection. A fixed limit at or below
// what a large input keeps live (a preview of 100,000 accounts holds about
// 200 MiB) made the collector run back to back, three times as slow as not
// limiting at all.
func followLiveHeap() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		// A finalizer runs after the collection that found its object
		// unreachable; the object must not be a tiny allocation, which
		// may share its memory with others and never be freed alone.
		sentinel := new([64]byte)
		runtime.SetFinalizer(sentinel, func(*[64]byte) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(limitFor(floor.Load(), int64(sample[0].Value.Uint64())))
			}
			arm()
		})
	}
	arm()
}

// loadOrg is org.Load for the commands that go on to compute every
// account's effective policy. Loading a 100,000-account snapshot leaves
// most of what it allocated (the file, the decoded records) as garbage,
// and the collection the next allocations would trigger then marks the
// merges under way as well: 123 MB live, 83 ms of CPU. Collecting as soon
// as the snapshot is loaded marks 57 MB in 39 ms, on the collector's
// share of the cores while the command goes on, and leaves room for the
// rest of a preview without another collection. Only when the collector's
// settings are orgbackup's (see tuneGC).
func loadOrg(path string) (*org.Org, error) {
	o, err := org.Load(path)
	if err == nil && ours.Load() {
		go runtime.GC()
	}
	return o, err
}
