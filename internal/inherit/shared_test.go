package inherit_test

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
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
		state := stateOf(o, typ)
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

// TestDocWithoutBytes checks that a Doc written by AppendNested, and
// compared by Equal, is the Doc its bytes are: AppendNested at every depth
// is the canonical JSON with its lines indented, before Bytes was ever
// asked (so from the parts its Shared kept) and on several goroutines at
// once; Equal, between the Docs of two Shareds, is equality of the bytes.
func TestDocWithoutBytes(t *testing.T) {
	o := orgtest.Synthetic(13, 1500, 100, 70)
	for _, tc := range []struct {
		typ string
		kc  inherit.KeyCase
	}{{policy.Type, inherit.LowerKeys}, {"TAG_POLICY", inherit.FirstSpelling}} {
		var states []*inherit.State
		seen := map[*inherit.State]bool{}
		state := stateOf(o, tc.typ)
		for _, a := range o.Accounts() {
			if s := state(a); !seen[s] {
				seen[s] = true
				states = append(states, s)
			}
		}
		states = append(states, inherit.New())
		// want is each state's canonical JSON, from a Shared of its own.
		ref := inherit.NewShared(tc.kc)
		want := make([][]byte, len(states))
		for i, s := range states {
			want[i] = ref.Canonical(s)
		}
		a, b := inherit.NewShared(tc.kc), inherit.NewShared(tc.kc)
		da, db := make([]*inherit.Doc, len(states)), make([]*inherit.Doc, len(states))
		for i, s := range states {
			da[i], db[i] = a.Doc(s), b.Doc(s)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := g; i < len(states); i += 4 {
					for depth := range 4 {
						w := bytes.TrimSuffix(want[i], []byte("\n"))
						w = bytes.ReplaceAll(w, []byte("\n"), []byte("\n"+strings.Repeat("  ", depth)))
						if got := da[i].AppendNested([]byte("x"), depth); !bytes.Equal(got, append([]byte("x"), w...)) {
							t.Errorf("%s: state %d at depth %d:\n%s\nwant\n%s", tc.typ, i, depth, got, w)
						}
					}
				}
			})
		}
		wg.Wait()
		// Equal between two Shareds (by bytes), and between two siblings
		// (by shape), the siblings' Docs made on two goroutines at once,
		// in opposite orders, numbering their parts in one table.
		x := inherit.NewShared(tc.kc)
		y := x.Sibling()
		dx, dy := make([]*inherit.Doc, len(states)), make([]*inherit.Doc, len(states))
		var made sync.WaitGroup
		made.Go(func() {
			for i, s := range states {
				dx[i] = x.Doc(s)
			}
		})
		for i := len(states) - 1; i >= 0; i-- {
			dy[i] = y.Doc(states[i])
		}
		made.Wait()
		equal := 0
		for i := range states {
			for j := i; j < len(states) && j < i+40; j++ {
				w := bytes.Equal(want[i], want[j])
				if got := da[i].Equal(db[j]); got != w {
					t.Errorf("%s: states %d and %d: Equal %v, their bytes equal %v", tc.typ, i, j, got, w)
				}
				if got := dx[i].Equal(dy[j]); got != w {
					t.Errorf("%s: states %d and %d: Equal of siblings' Docs %v, their bytes equal %v", tc.typ, i, j, got, w)
				}
				if w {
					equal++
				}
			}
		}
		// The synthetic organization has few tag policies: their Docs keep
		// their bytes, which AppendNested indents like any other.
		if tc.kc == inherit.LowerKeys && (len(states) < 30 || equal <= len(states) || equal == len(states)*40) || len(states) < 2 {
			t.Errorf("%s: %d states, %d equal pairs: the fixture should have many states and both kinds of pair", tc.typ, len(states), equal)
		}
		for i := range states {
			if !bytes.Equal(da[i].Bytes(), want[i]) {
				t.Errorf("%s: state %d: Bytes after AppendNested differ", tc.typ, i)
			}
		}
	}
}

// stateOf returns a function that merges an entity's chain of policies of
// typ, each entity's state from its parent's, as the engine does.
func stateOf(o *org.Org, typ string) func(e *org.Entity) *inherit.State {
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
	return state
}
