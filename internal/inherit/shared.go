package inherit

import (
	"bytes"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Shared renders the effective policies of many states that share parts of
// their trees, as the states of one organization do: Apply copies only the
// part of the tree a level touches, so an account's state shares every
// other subtree with its OU's. Shared renders each subtree once, as a tree
// and as canonical JSON, however many states hold it; a preview of 100,000
// accounts with a few thousand distinct chains then costs what their
// differences cost, not what their sum does.
//
// What Shared returns is shared between states: callers must not modify
// it. A Shared is not safe for concurrent use.
type Shared struct {
	kc    KeyCase
	trees map[*node]*doc.Node // nil when the node is left out
	// text is the canonical JSON of nodes deeper than memoFrom, at their
	// depth, without a newline.
	text map[*node][]byte
	keys map[string][]byte // a key's JSON string
}

// NewShared returns an empty Shared that spells keys as kc says (see
// KeyCaseOf).
func NewShared(kc KeyCase) *Shared {
	return &Shared{kc: kc, trees: map[*node]*doc.Node{}, text: map[*node][]byte{}, keys: map[string][]byte{}}
}

// spelling is the key c shows in an effective policy.
func (r *Shared) spelling(c child) string {
	if r.kc == FirstSpelling && c.n.name != "" {
		return c.n.name
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
	return doc.NewObject(s.root.pos)
}

func (r *Shared) tree(n *node) *doc.Node {
	if t, ok := r.trees[n]; ok {
		return t
	}
	var t *doc.Node
	switch {
	case n.val != nil:
		t = cloneValue(n.val)
	case len(n.kids) > 0:
		obj := doc.NewObject(n.pos)
		for _, c := range n.kids {
			if v := r.tree(c.n); v != nil {
				obj.Fields = append(obj.Fields, doc.Field{Key: r.spelling(c), KeyPos: c.n.keyPos, Value: v})
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
// (keys sorted, two-space indentation, a trailing newline).
func (r *Shared) Canonical(s *State) []byte {
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

// memoFrom is the depth below which encodings are kept. A root's and its
// top-level keys' (a backup policy's "plans") change with every level that
// sets anything, so each is its state's alone: the caller keeps the root's
// if it wants to, and keeping the others doubled the memory of a preview.
const memoFrom = 1

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
// The kids of a node are sorted by key as doc's encoder sorts fields, so
// an object is its kids' encodings joined.
func (r *Shared) encode(n *node, depth int) []byte {
	if b, ok := r.text[n]; ok && depth > memoFrom {
		return b
	}
	var b []byte
	switch {
	case n.val != nil:
		// A setting is a scalar or a list of scalars: doc encodes it at
		// depth 0; nested, each line after the first is indented further.
		v := bytes.TrimSuffix(n.val.Indent(), []byte("\n"))
		if depth > 0 && bytes.IndexByte(v, '\n') >= 0 {
			v = bytes.ReplaceAll(v, []byte("\n"), []byte("\n"+strings.Repeat("  ", depth)))
		}
		b = v
	case len(n.kids) > 0:
		// The kids' encodings first, to allocate the object's once.
		inner := "\n" + strings.Repeat("  ", depth+1)
		type part struct{ key, val []byte }
		parts := make([]part, 0, len(n.kids))
		size := len(inner) + 2
		for _, c := range n.kids {
			v := r.encode(c.n, depth+1)
			if v == nil {
				continue
			}
			k := r.key(c)
			parts = append(parts, part{k, v})
			size += len(inner) + len(k) + len(v) + 3
		}
		if len(parts) > 0 {
			out := make([]byte, 0, size)
			for i, p := range parts {
				if i == 0 {
					out = append(out, '{')
				} else {
					out = append(out, ',')
				}
				out = append(out, inner...)
				out = append(out, p.key...)
				out = append(out, ": "...)
				out = append(out, p.val...)
			}
			out = append(out, inner[:len(inner)-2]...)
			b = append(out, '}')
		}
	}
	if depth > memoFrom {
		r.text[n] = b
	}
	return b
}
