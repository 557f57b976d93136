package cli

import (
	"io"
	"runtime/metrics"
	"strconv"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The hard memory limit of an orgbackup process. Definitions are code: a
// 1 KB CUE file that doubles a string forty times, or ranges over
// list.Range(0, 1e9, 1), asks for terabytes, and Go's answer to memory it
// cannot get is a fatal error, a stack dump and exit 2, which means
// "changes present" to `plan --detailed-exitcode`. CUE's evaluation cannot
// be stopped from outside, so, like the time limit on evaluation (see
// loader.Load), the limit is a watchdog: it samples the memory the Go
// runtime holds and ends the process with exit 1 and a message once it
// is over the limit. The soft limit of tuneGC makes the collector work
// hard well before that, so a process that stays within its live heap is
// never stopped.
const (
	// defaultMaxMemory is far above what orgbackup needs (the benchmarks
	// hold 500 policies under 300 MB, a preview of 100,000 accounts keeps
	// about 200 MiB live) and far below what a CI runner has.
	defaultMaxMemory = 2 << 30
	// maxMemoryEnv sets the limit in MiB; 0 turns it off.
	maxMemoryEnv = "ORGBACKUP_MAX_MEMORY_MIB"
	// memoryTick is how often the watchdog samples. A runaway doubles
	// what it holds in a few hundred milliseconds at the very least
	// (copying is not faster), so it is seen before it can double twice.
	memoryTick = 10 * time.Millisecond
)

// numbers prints numbers as people read them: 2,048 MiB.
var numbers = message.NewPrinter(language.English)

// maxMemory is the limit in bytes, from the environment (0: none), with a
// warning for a value that is not a whole number of MiB.
func maxMemory(getenv func(string) string, stderr io.Writer) uint64 {
	v := getenv(maxMemoryEnv)
	if v == "" {
		return defaultMaxMemory
	}
	mib, err := strconv.ParseUint(v, 10, 44)
	if err != nil {
		numbers.Fprintf(stderr, "orgbackup: ignoring %s=%q: not a whole number of MiB; the limit stays %d MiB\n", maxMemoryEnv, v, uint64(defaultMaxMemory>>20))
		return defaultMaxMemory
	}
	return mib << 20
}

// guardMemory starts the watchdog: over limit bytes, it writes why to
// stderr and calls exit(ExitFailed). A limit of 0 starts nothing.
func guardMemory(limit uint64, stderr io.Writer, exit func(int)) {
	if limit == 0 {
		return
	}
	go func() {
		t := time.NewTicker(memoryTick)
		defer t.Stop()
		for range t.C {
			if used := memoryInUse(); used > limit {
				numbers.Fprintf(stderr, "orgbackup: out of memory: the process holds %d MiB, over its limit of %d MiB\n"+
					"  hint: definitions that compute huge values (a comprehension over a huge list.Range, a string built by repeated doubling) are the usual cause; policy definitions need a few hundred MiB at most. To allow more, set %s\n",
					used>>20, limit>>20, maxMemoryEnv)
				exit(ExitFailed)
				return
			}
		}
	}()
}

// memorySamples are what memoryInUse reads: everything the Go runtime has
// mapped (heap, goroutine stacks, its own structures), less what it has
// returned to the operating system.
var memorySamples = []string{"/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"}

// memoryInUse is the memory the process holds, in bytes.
func memoryInUse() uint64 {
	s := make([]metrics.Sample, len(memorySamples))
	for i, name := range memorySamples {
		s[i].Name = name
	}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}
