package org_test

import (
	"bytes"
	"testing"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
)

// TestFastPathTakesValidSnapshots checks that a valid snapshot, as the
// synthetic generator writes it on one line and as Encode writes it
// indented, loads on the fast path (the slow one would take seconds at
// 100,000 accounts) and to the same organization as on the slow path.
func TestFastPathTakesValidSnapshots(t *testing.T) {
	data := orgtest.Snapshot(3, 2000, 100, 60)
	slow, err := org.ParseSlow("s.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := slow.Encode()
	for name, src := range map[string][]byte{"generated": data, "encoded": want} {
		o := org.ParseFast("s.json", src)
		if o == nil {
			t.Fatalf("%s: the fast path refused a valid snapshot", name)
		}
		if got := o.Encode(); !bytes.Equal(got, want) {
			t.Errorf("%s: the fast path's organization differs from the slow path's", name)
		}
	}
}
