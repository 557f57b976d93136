package orgtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

func TestDeterminism(t *testing.T) {
	a, b := Snapshot(42, 2000, 120, 60), Snapshot(42, 2000, 120, 60)
	if !bytes.Equal(a, b) {
		t.Fatal("Snapshot is not deterministic")
	}
	if bytes.Equal(a, Snapshot(43, 2000, 120, 60)) {
		t.Error("different seeds gave the same organization")
	}
}

// TestRoundTrip checks that a synthetic organization survives an
// Encode/Parse round trip byte for byte.
func TestRoundTrip(t *testing.T) {
	data := Synthetic(3, 400, 60, 40).Encode()
	o, err := org.Parse("s.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(o.Encode(), data) {
		t.Error("Parse(Encode(o)).Encode() differs from Encode(o)")
	}
}

func TestSynthetic(t *testing.T) {
	o := Synthetic(1, 3000, 200, 100)
	if n := len(o.Accounts()); n != 3000 {
		t.Errorf("%d accounts", n)
	}
	if n := len(o.OUs()); n != 200 {
		t.Errorf("%d OUs", n)
	}
	if n := len(o.Policies()); n != 100 {
		t.Errorf("%d policies", n)
	}
	maxDepth, direct, appendRegions, locked := 0, 0, 0, 0
	for _, u := range o.OUs() {
		maxDepth = max(maxDepth, u.Depth)
	}
	for _, a := range o.Accounts() {
		if len(o.Attached(a, policy.Type)) > 0 {
			direct++
		}
	}
	for _, p := range o.Policies() {
		c := string(p.Content.Compact())
		if strings.Contains(c, `"regions":{"@@append"`) {
			appendRegions++
		}
		if strings.Contains(c, "@@operators_allowed_for_child_policies") {
			locked++
		}
	}
	if maxDepth != org.MaxOUDepth {
		t.Errorf("deepest OU is %d levels down, want %d", maxDepth, org.MaxOUDepth)
	}
	if direct == 0 || direct > len(o.Accounts())/10 {
		t.Errorf("%d of %d accounts have a direct attachment; want a few", direct, len(o.Accounts()))
	}
	if appendRegions == 0 || locked == 0 {
		t.Errorf("%d policies append regions, %d use child controls; want some of each", appendRegions, locked)
	}
	if m := o.ManagementAccount(); m == nil || m.Parent != o.Root() {
		t.Errorf("management account %v", m)
	}
	// Tiny and empty sizes work too.
	for _, sz := range [][3]int{{0, 0, 0}, {1, 1, 1}, {5, 0, 3}} {
		o := Synthetic(1, sz[0], sz[1], sz[2])
		if _, err := org.Parse("s.json", o.Encode()); err != nil {
			t.Errorf("Synthetic%v: %v", sz, err)
		}
	}
}
