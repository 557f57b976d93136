package org_test

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
)

// benchSnapshot is the organization the load-time budget is about: 10,000
// accounts, 500 OUs, 200 policies.
var benchSnapshot = sync.OnceValue(func() []byte { return orgtest.Snapshot(1, 10000, 500, 200) })

func BenchmarkParse(b *testing.B) {
	data := benchSnapshot()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := org.Parse("bench.json", data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(retainedMB(data), "MB-retained")
}

// BenchmarkParseSlow measures the position-tracking path that an invalid
// snapshot takes, for comparison.
func BenchmarkParseSlow(b *testing.B) {
	data := benchSnapshot()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := org.ParseSlow("bench.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	o, err := org.Parse("bench.json", benchSnapshot())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		o.Encode()
	}
}

func BenchmarkClone(b *testing.B) {
	o, err := org.Parse("bench.json", benchSnapshot())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		o.Clone()
	}
}

func BenchmarkSynthetic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		orgtest.Synthetic(1, 10000, 500, 200)
	}
}

// retainedMB is the heap an Org parsed from data keeps alive.
func retainedMB(data []byte) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	o, _ := org.Parse("bench.json", data)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(o)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}

// bench100k is the snapshot of issue 10 (orgbackup preview of 100,000
// accounts in under a second): what benchgen -accounts 100000 -ous 2000
// -org-policies 555 writes.
var bench100k = sync.OnceValue(func() []byte { return orgtest.Snapshot(1, 100000, 2000, 555) })

// BenchmarkLoad100k measures Load of that snapshot from a file, reading
// included, as preview does it.
func BenchmarkLoad100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "org.snapshot.json")
	if err := os.WriteFile(path, bench100k(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	runtime.GC()
	start := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := org.Load(path); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// The process's CPU time, the collector's included: what using more
	// cores costs.
	b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
}
