package inherit_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestSharedMatchesEffective checks that Shared renders exactly what
// State.Effective and doc's Indent do, for every state of a synthetic
// organization whose states share subtrees (each account's is its OU's with
// its own policies applied), child controls and a tag policy included.
func TestSharedMatchesEffective(t *testing.T) {
	o := orgtest.Synthetic(11, 2000, 120, 80)
	r := inherit.NewShared(inherit.LowerKeys)
	docs := map[string]*inherit.Doc{}
	for _, typ := range []string{policy.Type, "TAG_POLICY"} {
		states := map[*org.Entity]*inherit.State{}
		var state func(e *org.Entity) *inherit.State
		state = func(e *org.Entity) *inherit.State {
			if s, ok := states[e]; ok {
				return s
			}
			s := inherit.New()
			if e.Parent != nil {
				s = state(e.Parent)
			}
			if attached := o.Attached(e, typ); len(attached) > 0 {
				lvl := inherit.Level{Target: e.ID}
				for _, p := range attached {
					lvl.Policies = append(lvl.Policies, inherit.Policy{ID: p.ID, Doc: p.Content})
				}
				s = s.Apply(lvl)
			}
			states[e] = s
			return s
		}
		distinct := map[*inherit.State]bool{}
		for _, a := range o.Accounts() {
			s := state(a)
			if distinct[s] {
				continue
			}
			distinct[s] = true
			want := s.Effective()
			if got := r.Effective(s); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: account %s: shared tree differs from Effective()", typ, a.ID)
			}
			if got, want := r.Canonical(s), want.Indent(); !bytes.Equal(got, want) {
				t.Fatalf("%s: account %s: canonical JSON differs:\n%s\nwant\n%s", typ, a.ID, got, want)
			}
			// One Doc for each distinct document, whatever the state.
			d := r.Doc(s)
			if prev, ok := docs[string(d.Bytes())]; ok && prev != d {
				t.Fatalf("%s: account %s: two Docs for one document", typ, a.ID)
			}
			docs[string(d.Bytes())] = d
		}
		if typ == policy.Type && (len(distinct) < 50 || len(docs) < 20 || len(docs) == len(distinct)) {
			t.Errorf("%s: %d distinct states, %d documents; the fixture should have many of both, and states with equal documents", typ, len(distinct), len(docs))
		}
	}
	if got := r.Canonical(inherit.New()); string(got) != "{}\n" {
		t.Errorf("empty state: %q", got)
	}
}
