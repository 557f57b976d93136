package org

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is a
// *LoadError whose problems have positions, that the fast path never
// accepts what the slow path refuses, and that whatever loads survives an
// Encode/Parse round trip, and a Snapshot/New one, byte for byte.
func FuzzParse(f *testing.F) {
	f.Add([]byte(treeSrc))
	f.Add(exampleSrc(f))
	f.Add(fixtures(f)["aws"])
	for _, tc := range loadErrorCases {
		f.Add([]byte(tc.src))
	}
	f.Fuzz(checkParse)
}

// checkParse is FuzzParse's property check.
func checkParse(t *testing.T, data []byte) {
	// Decoding the accounts in chunks, here of a few bytes, decodes what
	// decoding them in one piece does, or fails as it does.
	whole, _, ok := decodeFastChunks(data, string(data), math.MaxInt)
	if chunked, _, ok2 := decodeFastChunks(data, string(data), 1); ok != ok2 || !reflect.DeepEqual(whole, chunked) {
		t.Fatalf("decoding accounts in chunks disagrees: ok %v, in one piece ok %v", ok2, ok)
	}
	o, err := Parse("fuzz.json", data)
	if err != nil {
		var le *LoadError
		if !errors.As(err, &le) || len(le.Problems) == 0 {
			t.Fatalf("error %T %v, want a *LoadError with problems", err, err)
		}
		for _, p := range le.Problems {
			if !p.Pos.IsValid() || p.Pos.File != "fuzz.json" || p.Msg == "" {
				t.Fatalf("problem without position or message: %+v", p)
			}
		}
		if parseFast("fuzz.json", data) != nil {
			t.Fatalf("the fast path accepted a snapshot the slow path refuses: %v", err)
		}
		return
	}
	enc := o.Encode()
	if want := encodeJSON(o); !bytes.Equal(enc, want) {
		t.Fatalf("Encode differs from encoding/json's encoding of Snapshot():\n%s", lineDiff(string(want), string(enc)))
	}
	o2, err := Parse("enc.json", enc)
	if err != nil {
		t.Fatalf("Parse(Encode()) failed: %v\n%s", err, enc)
	}
	if enc2 := o2.Encode(); !bytes.Equal(enc, enc2) {
		t.Fatalf("Encode not stable:\n%s", lineDiff(string(enc), string(enc2)))
	}
	if slow, err := parseSlow("fuzz.json", data); err != nil || !bytes.Equal(slow.Encode(), enc) {
		t.Fatalf("the slow path disagrees: %v", err)
	}
	if n, err := New(o.Snapshot()); err != nil || !bytes.Equal(n.Encode(), enc) {
		t.Fatalf("New(o.Snapshot()) disagrees: %v", err)
	}
	for _, e := range append(o.Accounts(), o.OUs()...) {
		if got, err := o.Resolve(o.Path(e)); err != nil || got != e {
			t.Fatalf("Resolve(Path(%s) = %q) = %v, %v", e.ID, o.Path(e), got, err)
		}
	}
}

// FuzzResolve checks that Resolve never panics and that what it finds
// resolves again from its path.
func FuzzResolve(f *testing.F) {
	o, err := Parse("tree.json", []byte(treeSrc))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Root", "Root/Workloads/Prod", "Root/Sandbox/A/B/sandbox-a", "r-ab12", "ou-ab12-22222222", "222222222222", "root/x", "Root//", "Prod", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		e, err := o.Resolve(target)
		if err != nil {
			var re *ResolveError
			if !errors.As(err, &re) || re.Msg == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if got, err := o.Resolve(o.Path(e)); err != nil || got != e {
			t.Fatalf("Resolve(Path(Resolve(%q))) = %v, %v", target, got, err)
		}
	})
}
