package cli

import (
	"runtime/debug"
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
)

// tuneGC applies the settings above, each only when its environment
// variable (GOGC, GOMEMLIMIT) is not set: whoever sets one knows better
// than orgbackup what the machine can give.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
