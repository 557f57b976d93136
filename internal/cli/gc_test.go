package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGC checks that orgbackup sets the collector's target and soft
// memory limit only when the user has not set GOGC or GOMEMLIMIT.
func TestTuneGC(t *testing.T) {
	restorePercent, restoreLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(restorePercent)
		debug.SetMemoryLimit(restoreLimit)
	}()
	// read returns the current settings, leaving them at Go's defaults.
	read := func() (int, int64) {
		return debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	}
	for _, c := range []struct {
		env     map[string]string
		percent int
		limit   int64
	}{
		{map[string]string{}, gcPercent, memoryLimit},
		{map[string]string{"GOGC": "100"}, 100, memoryLimit},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, gcPercent, math.MaxInt64},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, 100, math.MaxInt64},
	} {
		tuneGC(func(k string) string { return c.env[k] })
		if p, l := read(); p != c.percent || l != c.limit {
			t.Errorf("env %v: GC percent %d, memory limit %d; want %d, %d", c.env, p, l, c.percent, c.limit)
		}
	}
}
