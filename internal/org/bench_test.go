package org_test

import (
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
