package inherit

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// fuzzLayouts groups the three fuzzed documents a, b, c into levels.
var fuzzLayouts = [...][]int{
	{1, 1, 1}, // [a] [b] [c]
	{2, 1},    // [a b] [c]
	{1, 2},    // [a] [b c]
	{3},       // [a b c]
}

// fuzzLevels parses the fuzzed documents and groups them into levels.
// Documents that do not parse are left out.
func fuzzLevels(docs [3][]byte, layout uint8) []Level {
	var levels []Level
	i := 0
	for li, size := range fuzzLayouts[int(layout)%len(fuzzLayouts)] {
		l := Level{Target: fmt.Sprintf("L%d", li)}
		for range size {
			id := string(rune('a' + i))
			if n, err := doc.Parse(id+".json", docs[i]); err == nil {
				l.Policies = append(l.Policies, Policy{ID: id, Doc: n})
			}
			i++
		}
		levels = append(levels, l)
	}
	return levels
}

func FuzzMerge(f *testing.F) {
	// Seeds: the documented examples, by level (testdata/fuzz/FuzzMerge holds
	// more, including hostile shapes).
	files, _ := filepath.Glob("testdata/examples/*.txtar")
	for _, file := range files {
		ex := loadExample(f, file)
		var docs [3][]byte
		var sizes []int
		i := 0
		for _, l := range ex.levels {
			n := 0
			for _, p := range l.Policies {
				if i < 3 {
					docs[i] = p.Doc.Compact()
					i, n = i+1, n+1
				}
			}
			if n > 0 {
				sizes = append(sizes, n)
			}
		}
		for len(sizes) > 0 && sum(sizes) < 3 {
			sizes = append(sizes, 3-sum(sizes))
			docs[2] = []byte(`{}`)
		}
		for layout, l := range fuzzLayouts {
			if slices.Equal(l, sizes) {
				f.Add(docs[0], docs[1], docs[2], uint8(layout))
			}
		}
	}
	f.Fuzz(func(t *testing.T, a, b, c []byte, layout uint8) {
		levels := fuzzLevels([3][]byte{a, b, c}, layout)
		s := Merge(levels...)
		got := s.Effective()

		// Deterministic: the same input gives the same bytes and notes.
		again := Merge(levels...)
		if x, y := got.Compact(), again.Effective().Compact(); string(x) != string(y) {
			t.Fatalf("merge is not deterministic:\n%s\n%s", x, y)
		}
		if !reflect.DeepEqual(s.Notes(), again.Notes()) {
			t.Fatalf("notes are not deterministic")
		}

		// Compiled ahead (as the effective engine does, once per policy)
		// or at each Apply, a document merges alike, notes and all, and
		// one compiled form serves several merges.
		var compiled []Level
		for _, l := range levels {
			c := Level{Target: l.Target}
			for _, p := range l.Policies {
				c.Policies = append(c.Policies, Compile(p))
			}
			compiled = append(compiled, c)
		}
		for range 2 {
			cs := Merge(compiled...)
			if x, y := got.Compact(), cs.Effective().Compact(); string(x) != string(y) {
				t.Fatalf("compiled ahead, the merge differs:\n%s\n%s", y, x)
			}
			if !reflect.DeepEqual(s.Notes(), cs.Notes()) {
				t.Fatalf("compiled ahead, the notes differ:\n%v\n%v", cs.Notes(), s.Notes())
			}
		}

		// Apply leaves its receiver alone.
		prefix := Merge(levels[:len(levels)-1]...)
		before := string(prefix.Effective().Compact())
		prefix.Apply(levels[len(levels)-1])
		if after := string(prefix.Effective().Compact()); after != before {
			t.Fatalf("Apply changed its receiver:\n%s\nwas:\n%s", after, before)
		}

		checkEffectiveForm(t, got)
		checkLocks(t, levels)
		checkUnwrap(t, levels, s)
		for _, n := range s.Notes() {
			if n.Message == "" || n.Kind.String() == "" || strings.HasPrefix(n.Kind.String(), "NoteKind") {
				t.Fatalf("bad note %+v", n)
			}
		}
	})
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// checkEffectiveForm checks the shape of any effective policy: no operator
// keys, every key lower-case, no empty objects below the top, and settings
// that are scalars or lists of scalars.
func checkEffectiveForm(t *testing.T, eff *doc.Node) {
	t.Helper()
	if eff == nil || eff.Kind != doc.Object {
		t.Fatalf("effective policy is not an object: %v", eff)
	}
	doc.Walk(eff, func(path []string, n *doc.Node) bool {
		switch n.Kind {
		case doc.Object:
			if len(path) > 0 && len(n.Fields) == 0 {
				t.Fatalf("empty object at %q", path)
			}
			for _, f := range n.Fields {
				if strings.HasPrefix(f.Key, "@@") {
					t.Fatalf("operator %q left in the effective policy at %q", f.Key, path)
				}
				if strings.ToLower(f.Key) != f.Key {
					t.Fatalf("key %q is not lower-case", f.Key)
				}
			}
		case doc.Array:
			if !scalarList(n) {
				t.Fatalf("list at %q holds non-scalars", path)
			}
			return false
		case doc.Null:
			t.Fatalf("null at %q", path)
		}
		return true
	})
}

// checkLocks checks the @@none property: once a level puts
// ["@@none"] on a node, no lower level changes it. A locked setting keeps its
// value; a locked map gains no keys (its existing children may still change:
// a restriction governs its own node only). Locks inside objects the policy
// could not place (noted at or above the lock) are skipped.
func checkLocks(t *testing.T, levels []Level) {
	t.Helper()
	final := Merge(levels...)
	for k := range levels {
		prefix := Merge(levels[:k+1]...)
		for _, p := range levels[k].Policies {
			for _, lock := range noneLocks(p.Doc) {
				if ignoredAt(prefix.Notes(), k, p.ID, lock) {
					continue
				}
				was, now := lookup(prefix.root, lock), lookup(final.root, lock)
				if was == nil {
					t.Fatalf("lock at %q by %s is not in the state", lock, p.ID)
				}
				if now == nil {
					t.Fatalf("locked node %q disappeared", lock)
				}
				if was.val != nil || now.val != nil {
					if was.val == nil || now.val == nil || !doc.Equal(was.val, now.val) {
						t.Fatalf("locked setting %q changed from %s to %s", lock, was.val.Scalar(), now.val.Scalar())
					}
					continue
				}
				for _, c := range now.kids {
					if was.child(c.key) == nil {
						t.Fatalf("key %q added under locked map %q", c.key, lock)
					}
				}
			}
		}
	}
}

// noneLocks returns the lower-cased paths of the objects in d that carry
// exactly "@@operators_allowed_for_child_policies": ["@@none"].
func noneLocks(d *doc.Node) [][]string {
	var out [][]string
	var walk func(path []string, n *doc.Node, depth int)
	walk = func(path []string, n *doc.Node, depth int) {
		if n == nil || n.Kind != doc.Object || depth > maxDepth {
			return
		}
		if c := n.Get(ChildControl); c != nil {
			if s, ok := c.Strings(); ok && slices.Equal(s, []string{None}) {
				out = append(out, slices.Clone(path))
			}
		}
		for _, f := range n.Fields {
			if !strings.HasPrefix(f.Key, "@@") {
				walk(append(path[:len(path):len(path)], strings.ToLower(f.Key)), f.Value, depth+1)
			}
		}
	}
	walk(nil, d, 0)
	return out
}

// ignoredAt reports whether a note by policy at level concerns path or one
// of its ancestors (other than the whole document).
func ignoredAt(notes []Note, level int, policy string, path []string) bool {
	for _, n := range notes {
		if n.Level == level && n.Policy == policy && len(n.Path) > 0 && len(n.Path) <= len(path) && slices.Equal(n.Path, path[:len(n.Path)]) {
			return true
		}
	}
	return false
}

func lookup(n *node, path []string) *node {
	for _, k := range path {
		if n == nil {
			return nil
		}
		n = n.child(k)
	}
	return n
}

// checkUnwrap checks that a single policy without child controls, whose
// settings each hold one @@assign, merges into itself with the operators
// unwrapped.
func checkUnwrap(t *testing.T, levels []Level, s *State) {
	t.Helper()
	var only *Policy
	for i := range levels {
		for j := range levels[i].Policies {
			if only != nil {
				return
			}
			only = &levels[i].Policies[j]
		}
	}
	if only == nil || len(s.Notes()) > 0 {
		return
	}
	want, ok := unwrap(only.Doc, 0)
	if !ok {
		return
	}
	if want == nil {
		want = doc.NewObject(doc.Pos{})
	}
	if got := s.Effective(); string(got.Compact()) != string(want.Compact()) {
		t.Fatalf("single policy:\n%s\nunwrapped:\n%s", got.Compact(), want.Compact())
	}
}

// unwrap is the reference for the single-level property: it replaces
// {"@@assign": v} by v, lower-cases keys and drops objects left empty. ok is
// false for documents outside that simple form.
func unwrap(n *doc.Node, depth int) (out *doc.Node, ok bool) {
	if n == nil || n.Kind != doc.Object || depth > maxDepth {
		return nil, false
	}
	if v := n.Get(Assign); v != nil {
		if depth == 0 || len(n.Fields) != 1 || !(isScalar(v) || scalarList(v)) {
			return nil, false
		}
		return v, true
	}
	obj := doc.NewObject(doc.Pos{})
	for _, f := range n.Fields {
		if strings.HasPrefix(f.Key, "@@") || obj.Get(strings.ToLower(f.Key)) != nil {
			return nil, false
		}
		v, ok := unwrap(f.Value, depth+1)
		if !ok {
			return nil, false
		}
		if v != nil {
			obj.Fields = append(obj.Fields, doc.Field{Key: strings.ToLower(f.Key), Value: v})
		}
	}
	if len(obj.Fields) == 0 {
		return nil, true
	}
	return obj, true
}

// gen builds random policy documents over a small key space, so that keys
// from different levels collide often.
type gen struct {
	r     *rand.Rand
	locks bool // place child controls
}

var genKeys = []string{"plans", "Plans", "p1", "P1", "p2", "rules", "r1", "R2", "regions", "tags", "x", "y"}

func (g *gen) value() any {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("v%d", g.r.IntN(4))
	case 1:
		return g.r.IntN(3) == 0
	default:
		var l []any
		for range g.r.IntN(4) {
			l = append(l, fmt.Sprintf("v%d", g.r.IntN(5)))
		}
		return l
	}
}

func (g *gen) control() []any {
	switch g.r.IntN(4) {
	case 0:
		return []any{None}
	case 1:
		return []any{All}
	case 2:
		return []any{Append}
	}
	return []any{Assign, Remove}
}

// object returns a random operator-form object of the given remaining depth.
func (g *gen) object(depth int, assignOnly bool) map[string]any {
	m := map[string]any{}
	if g.locks && g.r.IntN(3) == 0 {
		m[ChildControl] = g.control()
	}
	if depth == 0 || g.r.IntN(3) == 0 {
		// A setting.
		if assignOnly {
			m[Assign] = g.value()
			return m
		}
		for _, op := range []string{Assign, Append, Remove} {
			if g.r.IntN(2) == 0 {
				v := g.value()
				if op != Assign {
					if _, isList := v.([]any); !isList && g.r.IntN(4) != 0 {
						v = []any{v}
					}
				}
				m[op] = v
			}
		}
		return m
	}
	seen := map[string]bool{}
	for range 1 + g.r.IntN(3) {
		k := genKeys[g.r.IntN(len(genKeys))]
		if assignOnly && seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		m[k] = g.object(depth-1, assignOnly)
	}
	return m
}

// doc returns a random policy document: an object of keys at the top.
func (g *gen) doc(assignOnly bool) *doc.Node {
	m := map[string]any{}
	if g.locks && g.r.IntN(4) == 0 {
		m[ChildControl] = g.control()
	}
	for range 1 + g.r.IntN(2) {
		k := genKeys[g.r.IntN(len(genKeys))]
		if _, dup := m[strings.ToLower(k)]; assignOnly && dup {
			continue
		}
		m[strings.ToLower(k)] = g.object(g.r.IntN(4), assignOnly)
	}
	return doc.FromAny(m)
}

// TestPropertySingleLevelUnwraps: a single level with no child-control
// operators yields the document with the operators unwrapped.
func TestPropertySingleLevelUnwraps(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	for i := range 2000 {
		d := g.doc(true)
		s := New().Apply(Level{Policies: []Policy{{ID: "p", Doc: d}}})
		want, ok := unwrap(d, 0)
		if !ok {
			t.Fatalf("generator made a document outside the simple form: %s", d.Compact())
		}
		if want == nil {
			want = doc.NewObject(doc.Pos{})
		}
		if got := s.Effective(); string(got.Compact()) != string(want.Compact()) {
			t.Fatalf("case %d: %s\ngot  %s\nwant %s", i, d.Compact(), got.Compact(), want.Compact())
		}
		if len(s.Notes()) > 0 {
			t.Fatalf("case %d: unexpected notes %v", i, s.Notes())
		}
	}
}

// TestPropertyNoneLocks: ["@@none"] on a node makes every lower-level change
// to that node a no-op, over random chains of random documents.
func TestPropertyNoneLocks(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(3, 4)), locks: true}
	for range 1500 {
		var levels []Level
		for li := range 1 + g.r.IntN(4) {
			l := Level{Target: fmt.Sprintf("L%d", li)}
			for pi := range 1 + g.r.IntN(2) {
				l.Policies = append(l.Policies, Policy{ID: fmt.Sprintf("p%d%d", li, pi), Doc: g.doc(false)})
			}
			levels = append(levels, l)
		}
		checkLocks(t, levels)
		checkEffectiveForm(t, Merge(levels...).Effective())
	}
}

// TestHostileInput feeds shapes that must not panic or recurse without
// bound: deep nesting, nil nodes, bad kinds.
func TestHostileInput(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 900) + `{"@@assign":"x"}` + strings.Repeat(`}`, 900)
	s := Merge(chain(t, []pol{{"deep", deep}})...)
	if ns := s.Notes(); len(ns) != 1 || ns[0].Kind != Malformed || len(ns[0].Path) != maxDepth+1 {
		t.Errorf("deep nesting notes = %v", noteSummaries(ns))
	}
	// Built by hand: nil values, nil items, unknown kinds, a self-referencing list.
	loop := &doc.Node{Kind: doc.Array}
	loop.Items = []*doc.Node{loop}
	hand := &doc.Node{Kind: doc.Object, Fields: []doc.Field{
		{Key: "nil", Value: nil},
		{Key: "nilop", Value: &doc.Node{Kind: doc.Object, Fields: []doc.Field{{Key: Assign}}}},
		{Key: "nilitem", Value: &doc.Node{Kind: doc.Object, Fields: []doc.Field{{Key: Append, Value: &doc.Node{Kind: doc.Array, Items: []*doc.Node{nil}}}}}},
		{Key: "kind", Value: &doc.Node{Kind: doc.Kind(42)}},
		{Key: "loop", Value: &doc.Node{Kind: doc.Object, Fields: []doc.Field{{Key: Assign, Value: loop}}}},
		{Key: "ctl", Value: &doc.Node{Kind: doc.Object, Fields: []doc.Field{{Key: ChildControl, Value: &doc.Node{Kind: doc.Array, Items: []*doc.Node{nil}}}}}},
		{Key: "dup", Value: &doc.Node{Kind: doc.Object, Fields: []doc.Field{{Key: Assign, Value: doc.NewString("a", doc.Pos{})}, {Key: Assign, Value: doc.NewString("b", doc.Pos{})}}}},
	}}
	s = Merge(Level{Policies: []Policy{{ID: "hand", Doc: hand}}}, Level{Policies: []Policy{{ID: "hand", Doc: hand}}})
	if got := string(s.Effective().Compact()); got != `{"dup":"a"}` {
		t.Errorf("hand-built effective = %s", got)
	}
	if len(s.Notes()) == 0 {
		t.Errorf("no notes for hand-built input")
	}
}
