package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/orgtest"
)

// The acceptance organization: 100,000 accounts under 2,000 OUs, with 555
// policies, 500 of them backup policies (every tenth is a tag policy).
const (
	previewAccounts = 100000
	previewOUs      = 2000
	previewPolicies = 555
)

// BenchmarkPreview100kProcess runs `orgbackup preview` of the bundled
// example against the acceptance organization, end to end, as a process,
// as a CI job would: load and check the snapshot, load and validate the
// definitions, merge every account's chain before and after, validate,
// group and write the JSON report. The example attaches a policy at the
// root, so every account's effective policy changes. Targets: under 1 s
// and 500 MB. It reports the median wall time (s), the median CPU time
// (user+system, cpu-s: on the shared 2-core machine the wall time moves
// with the load, the CPU time much less) and the process's peak resident
// memory (peak-MB). The in-process BenchmarkPreview10k in
// internal/effective splits out the computation.
func BenchmarkPreview100kProcess(b *testing.B) {
	f := binaries(b)
	snap := filepath.Join(f.root, "org.snapshot.json")
	data := orgtest.Snapshot(1, previewAccounts, previewOUs, previewPolicies)
	if err := os.WriteFile(snap, data, 0o644); err != nil {
		b.Fatal(err)
	}
	policies := filepath.Join(f.modRoot, "policies")
	// This process has just generated the snapshot and, in a full run,
	// the in-process benchmarks before it held gigabytes: its collector
	// and scavenger would still be at work beside the preview, which
	// then took 0.15 s and 0.2 s of CPU more. They finish here first.
	runtime.GC()
	debug.FreeOSMemory()
	var rs []result
	var out []byte
	for b.Loop() {
		r, stdout, err := f.preview(policies, snap)
		if err != nil {
			b.Fatal(err)
		}
		rs, out = append(rs, r), stdout
	}
	if !bytes.Contains(out, []byte(fmt.Sprintf("\"accounts\": %d,", previewAccounts))) {
		b.Fatalf("preview did not cover %d accounts", previewAccounts)
	}
	b.ReportMetric(medianWall(rs), "s")
	b.ReportMetric(medianCPU(rs), "cpu-s")
	b.ReportMetric(peakMB(rs), "peak-MB")
}

// medianCPU is the median of the runs' CPU time (user+system), in
// seconds.
func medianCPU(rs []result) float64 {
	var xs []float64
	for _, r := range rs {
		xs = append(xs, r.cpu.Seconds())
	}
	return median(xs)
}

// preview runs `orgbackup preview --output json` and returns its report.
// Exit status 1 means some accounts' effective policies would be invalid,
// which the preview reports; any other failure is an error.
func (f *fixture) preview(dir, snap string) (result, []byte, error) {
	out, err := os.Create(filepath.Join(f.root, "preview.json"))
	if err != nil {
		return result{}, nil, err
	}
	defer out.Close()
	cmd := exec.Command(f.orgbackup, "preview", dir, "--org", snap, "--output", "json")
	r, err := f.run(cmd, out)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return result{}, nil, err
	}
	data, err := os.ReadFile(out.Name())
	return r, data, err
}

// watchPeakRSS samples the process's VmHWM (its resident-memory high-water
// mark, in KiB) until it exits and sends the last reading. getrusage is no
// use here: a child started from this process inherits the benchmark
// process's own high-water mark at exec, which after the 500-policy
// benchmarks is gigabytes. VmHWM belongs to the new program's memory only,
// and being a high-water mark, a late sample still covers earlier peaks.
func watchPeakRSS(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		var last int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				break
			}
			kb, ok := vmHWM(string(data))
			if !ok {
				break // the process has exited and is a zombie
			}
			last = kb
			time.Sleep(2 * time.Millisecond)
		}
		ch <- last
	}()
	return ch
}

func vmHWM(status string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb, true
			}
		}
	}
	return 0, false
}
