package inherit

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"sync"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Shared renders the effective policies of many states that share parts of
// their trees, as the states of one organization do: Apply copies only the
// part of the tree a level touches, so an account's state shares every
// other subtree with its OU's. Shared renders each subtree once as a tree,
// and each plan once as canonical JSON, however many states hold it, and
// tells equal documents apart from different ones by their plans (see
// Doc); a preview of 100,000 accounts with a few thousand distinct chains
// then costs what their differences cost, not what their sum does.
//
// What Shared returns is shared between states: callers must not modify
// it. A Shared is not safe for concurrent use.
type Shared struct {
	kc    KeyCase
	trees map[*node]*doc.Node // nil when the node is left out
	// text is the canonical JSON of nodes at memoDepth, without a
	// newline.
	text map[*node][]byte
	keys map[string][]byte // a key's JSON string

	// For Doc: the number of each distinct encoding of nodes at memoDepth,
	// each node's, the Doc of each distinct shape, each state's.
	parts  *partTable
	partOf map[*node]int
	docs   map[string]*Doc
	docOf  map[*State]*Doc

	// scratch holds encode's buffer for each depth up to memoDepth.
	scratch [memoDepth + 1][]byte
}

// NewShared returns an empty Shared that spells keys as kc says (see
// KeyCaseOf).
func NewShared(kc KeyCase) *Shared {
	return &Shared{kc: kc, trees: map[*node]*doc.Node{}, text: map[*node][]byte{}, keys: map[string][]byte{},
		parts: &partTable{}, partOf: map[*node]int{}, docs: map[string]*Doc{}, docOf: map[*State]*Doc{}}
}

// Sibling returns a new Shared that spells keys as r does and numbers the
// parts of documents as r does: their documents compare by what
// identifies them within one Shared, without being written out (see
// Doc.Equal). A Sibling may be used on another goroutine at the same time
// as r; each is still not safe for concurrent use itself.
func (r *Shared) Sibling() *Shared {
	s := NewShared(r.kc)
	s.parts = r.parts
	return s
}

// partTable numbers the distinct encodings of parts for one Shared and
// its siblings.
type partTable struct {
	mu sync.Mutex
	in Interner
}

func (t *partTable) id(b []byte) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.in.ID(b)
}

// spelling is the key c shows in an effective policy.
func (r *Shared) spelling(c child) string {
	if r.kc == FirstSpelling && c.n.name() != "" {
		return c.n.name()
	}
	return c.key
}

// Effective is State.EffectiveWith, with subtrees shared with the trees of
// other states: callers must not modify the result.
func (r *Shared) Effective(s *State) *doc.Node {
	if s == nil || s.root == nil {
		return doc.NewObject(doc.Pos{})
	}
	if n := r.tree(s.root); n != nil && n.Kind == doc.Object {
		return n
	}
	return doc.NewObject(s.root.pos())
}

func (r *Shared) tree(n *node) *doc.Node {
	if t, ok := r.trees[n]; ok {
		return t
	}
	var t *doc.Node
	switch {
	case n.val != nil:
		// Stored values are never modified, and neither are Shared's
		// trees: the value itself, not a copy.
		t = n.val
	case len(n.kids) > 0:
		obj := doc.NewObject(n.pos())
		obj.Fields = make([]doc.Field, 0, len(n.kids))
		for _, c := range n.kids {
			if v := r.tree(c.n); v != nil {
				obj.Fields = append(obj.Fields, doc.Field{Key: r.spelling(c), KeyPos: c.n.keyPos(), Value: v})
			}
		}
		if len(obj.Fields) > 0 {
			t = obj
		}
	}
	r.trees[n] = t
	return t
}

// Canonical returns the effective policy of s as doc.Node.Indent encodes it
// (keys sorted, two-space indentation, a trailing newline). States whose
// policies are equal share the bytes (see Doc).
func (r *Shared) Canonical(s *State) []byte { return r.Doc(s).Bytes() }

// Doc is the canonical JSON of an effective policy (what Canonical
// returns). A Shared hands out one Doc for each distinct document, however
// many states have it, so documents compare by pointer, and computes its
// bytes only when asked: the states of 100,000 accounts compare and group
// their documents without writing each out whole.
//
// A Doc need not hold its bytes to be compared or written out: Equal
// compares the documents of siblings by their shapes, and AppendNested
// writes one from the parts its Shared keeps. At 100,000 accounts the documents' bytes,
// held whole, were 36 MB that no report needed.
type Doc struct {
	r     *Shared
	state *State // a state whose policy this is
	bytes []byte

	// shape identifies the document among those of its Shared and the
	// Shared's siblings: equal for equal documents (see Shared.shape).
	shape string
}

// Bytes returns the document, computed once; callers must not modify it.
// It writes to the Shared, so it must not run while documents of that
// Shared are written with AppendNested on other goroutines.
func (d *Doc) Bytes() []byte {
	if d == nil {
		return nil // no document: a hand-built preview's account may have none
	}
	if d.bytes == nil {
		d.bytes = d.r.canonical(d.state)
	}
	return d.bytes
}

// Equal reports whether d and o are the same document, which may come
// from different Shareds. The documents of one Shared and its siblings
// compare by what identifies them, which numbers their parts alike;
// others are written out and compared byte by byte (no preview does
// that). Neither Shared may be in use meanwhile.
func (d *Doc) Equal(o *Doc) bool {
	if d == o {
		return true
	}
	if d.r.parts == o.r.parts {
		return d.shape == o.shape
	}
	return bytes.Equal(d.AppendNested(nil, 0), o.AppendNested(nil, 0))
}

// AppendNested appends the document to b as Bytes spells it, without the
// final newline, nested in a JSON document at a line indented by depth
// levels (two spaces each): every line after the first is indented by
// depth levels more. It reads what the Shared has kept and changes
// nothing, so documents may be written on many goroutines at once, as
// long as none of them uses the Shared otherwise.
func (d *Doc) AppendNested(b []byte, depth int) []byte {
	if d.bytes != nil {
		return nest(b, bytes.TrimSuffix(d.bytes, []byte("\n")), depth)
	}
	if s := d.state; s != nil && s.root != nil && s.root.val == nil {
		if w, ok := d.r.appendAt(b, s.root, 0, depth); ok {
			return w
		}
	}
	return append(b, "{}"...)
}

// nest appends t to b with every line after the first indented by depth
// more levels.
func nest(b, t []byte, depth int) []byte {
	for {
		i := bytes.IndexByte(t, '\n')
		if i < 0 {
			return append(b, t...)
		}
		b = append(b, t[:i]...)
		b = newline(b, depth)
		t = t[i+1:]
	}
}

// Doc returns the Doc of s's effective policy: the same *Doc for every
// state whose effective policy has the same canonical JSON.
func (r *Shared) Doc(s *State) *Doc {
	if s == nil {
		s = New()
	}
	if d, ok := r.docOf[s]; ok {
		return d
	}
	var key, text []byte
	if r.kc != LowerKeys {
		// Tag policies are few and small: their bytes are their identity.
		key = r.canonical(s)
		text = key
	} else if s.root != nil && s.root.val == nil {
		key = r.shape(nil, s.root, 0)
	}
	d, ok := r.docs[string(key)]
	if !ok {
		// A tag policy's Doc keeps the bytes it is known by: AppendNested
		// writes only backup policies' from their parts.
		d = &Doc{r: r, state: s, bytes: text, shape: string(key)}
		r.docs[d.shape] = d
	}
	r.docOf[s] = d
	return d
}

// canonical computes what Canonical returns.
func (r *Shared) canonical(s *State) []byte {
	if r.kc != LowerKeys {
		// Kids are kept in the order of their lower-cased keys, which is
		// the encoder's order only when keys are shown lower-cased.
		return r.Effective(s).Indent()
	}
	var b []byte
	if s != nil && s.root != nil && s.root.val == nil {
		b = r.encode(s.root, 0)
	}
	if b == nil {
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// shape appends to key a description of n's canonical encoding at depth
// that is equal for equal encodings and cheap to compute: the objects
// above memoDepth with their keys, and at it the number of each
// distinct encoding (see part). It describes what encode would write; an
// empty key stands for a node left out.
func (r *Shared) shape(key []byte, n *node, depth int) []byte {
	if depth >= memoDepth || n.val != nil {
		id := r.part(n, depth)
		if id < 0 {
			return key
		}
		return binary.AppendUvarint(append(key, 'v'), uint64(id))
	}
	mark := len(key)
	key = append(key, '{')
	empty := true
	for _, c := range n.kids {
		before := len(key)
		k := r.key(c)
		key = binary.AppendUvarint(key, uint64(len(k)))
		key = append(key, k...)
		after := len(key)
		if key = r.shape(key, c.n, depth+1); len(key) == after {
			key = key[:before] // left out
			continue
		}
		empty = false
	}
	if empty {
		return key[:mark]
	}
	return append(key, '}')
}

// part numbers the distinct encodings of nodes at depth, -1 for a node
// left out. A node is always at the same depth, so its number is kept.
func (r *Shared) part(n *node, depth int) int {
	if id, ok := r.partOf[n]; ok {
		return id
	}
	id := -1
	if b := r.encode(n, depth); b != nil {
		id = r.parts.id(b)
	}
	r.partOf[n] = id
	return id
}

// Interner numbers distinct byte strings by content without keeping a copy
// of each as a map key (the parts of 100,000 accounts' policies are tens
// of MB). The strings must not change while it is in use. The zero
// Interner is ready to use.
type Interner struct {
	seed    maphash.Seed
	buckets map[uint64][]int // hash → numbers of the strings with that hash
	list    [][]byte
}

// ID returns b's number: 0 for the first string, 1 for the next distinct
// one, and so on.
func (in *Interner) ID(b []byte) int {
	if in.buckets == nil {
		in.seed, in.buckets = maphash.MakeSeed(), map[uint64][]int{}
	}
	h := maphash.Bytes(in.seed, b)
	for _, n := range in.buckets[h] {
		if bytes.Equal(in.list[n], b) {
			return n
		}
	}
	n := len(in.list)
	in.list = append(in.list, b)
	in.buckets[h] = append(in.buckets[h], n)
	return n
}

// memoDepth is the depth whose encodings are kept: the plans of a backup
// policy. The root and its top-level keys ("plans") change with every
// level that sets anything, so each is its state's alone; below them, a
// plan that one level changes is written out again whole rather than
// joined from kept encodings of its parts, which kept every part's bytes
// once for each level above it (130 MB at 100,000 accounts).
const memoDepth = 2

// key returns the JSON string of a kid's key, encoded once per key.
func (r *Shared) key(c child) []byte {
	if k, ok := r.keys[c.key]; ok {
		return k
	}
	k := doc.NewString(c.key, doc.Pos{}).Compact()
	r.keys[c.key] = k
	return k
}

// encode returns the canonical JSON of n at depth (the indentation of the
// line it starts on), or nil when n is left out of the effective policy.
func (r *Shared) encode(n *node, depth int) []byte {
	if depth == memoDepth {
		if b, ok := r.text[n]; ok {
			return b
		}
	}
	// Written in scratch space and copied out at its size: appending to a
	// growing slice allocated each document about twice.
	var b []byte
	if depth < len(r.scratch) {
		w, ok := r.write(r.scratch[depth][:0], n, depth)
		if ok {
			b = bytes.Clone(w)
		}
		r.scratch[depth] = w
	} else if w, ok := r.write(nil, n, depth); ok {
		b = w
	}
	if depth == memoDepth {
		r.text[n] = b
	}
	return b
}

// write appends the canonical JSON of n at depth to b, or reports false
// and appends nothing when n is left out. The kids of a node are sorted by
// key as doc's encoder sorts fields, so an object is its kids' encodings
// joined. The parts at memoDepth and the keys it writes are kept.
func (r *Shared) write(b []byte, n *node, depth int) ([]byte, bool) {
	return r.emit(b, n, depth, 0, true)
}

// appendAt appends what write would, nested at depth+ind: every line
// indented by ind more levels. It only reads the Shared's maps (see
// Doc.AppendNested): a part or a key they lack is written out rather than
// kept.
func (r *Shared) appendAt(b []byte, n *node, depth, ind int) ([]byte, bool) {
	return r.emit(b, n, depth, ind, false)
}

// emit is write and appendAt: n at depth, indented by ind more levels,
// keeping what it encodes if keep.
func (r *Shared) emit(b []byte, n *node, depth, ind int, keep bool) ([]byte, bool) {
	switch {
	case n.val != nil:
		// A setting is a scalar or a list of scalars, indented as doc
		// indents it at this depth.
		return appendValue(b, n.val, depth+ind), true
	case len(n.kids) == 0:
		return b, false
	}
	start := len(b)
	b = append(b, '{')
	wrote := false
	for _, c := range n.kids {
		mark := len(b)
		if wrote {
			b = append(b, ',')
		}
		b = newline(b, depth+1+ind)
		if k, ok := r.keys[c.key]; ok || keep {
			if !ok {
				k = r.key(c)
			}
			b = append(b, k...)
		} else {
			b = doc.AppendString(b, c.key)
		}
		b = append(b, ": "...)
		var ok bool
		if b, ok = r.emitKid(b, c.n, depth+1, ind, keep); !ok {
			b = b[:mark]
			continue
		}
		wrote = true
	}
	if !wrote {
		return b[:start], false
	}
	b = newline(b, depth+ind)
	return append(b, '}'), true
}

// emitKid is emit for a kid, which at memoDepth is its kept encoding.
func (r *Shared) emitKid(b []byte, n *node, depth, ind int, keep bool) ([]byte, bool) {
	if depth == memoDepth {
		t, ok := r.text[n]
		if !ok && keep {
			t, ok = r.encode(n, depth), true
		}
		if ok {
			if t == nil {
				return b, false
			}
			if ind == 0 {
				return append(b, t...), true
			}
			return nest(b, t, ind), true
		}
	}
	return r.emit(b, n, depth, ind, keep)
}

// appendValue appends a setting's value as doc.Node.AppendIndent does at
// depth. A setting is a scalar or a list of scalars, which it writes
// itself: AppendIndent builds an indentation string and a buffer for each
// value, and the 100,000-account preview writes 300,000 of them.
func appendValue(b []byte, v *doc.Node, depth int) []byte {
	switch v.Kind {
	case doc.String:
		return doc.AppendString(b, v.Text)
	case doc.Number, doc.Bool:
		return append(b, v.Text...)
	case doc.Array:
		if len(v.Items) == 0 || !scalarList(v) {
			break
		}
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = newline(b, depth+1)
			b = appendValue(b, it, depth+1)
		}
		b = newline(b, depth)
		return append(b, ']')
	}
	return v.AppendIndent(b, depth)
}

// newline appends a line break and the indentation of depth.
func newline(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, "  "...)
	}
	return b
}
