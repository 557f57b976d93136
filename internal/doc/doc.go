// Package doc holds the JSON-shaped tree that every stage of orgbackup passes
// around: author-form policy data decoded from CUE, the Organizations policy
// documents the generator emits, and the effective policies the inheritance
// engine computes.
//
// A Node remembers where it came from (Pos), so that a check running long
// after CUE evaluation can still point a person at file:line:col. Objects keep
// their fields in source order; every encoder here sorts keys, so output never
// depends on that order.
package doc

import (
	"fmt"
	"strings"
)

// Kind is the JSON type of a Node.
type Kind uint8

// The JSON kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "bool"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "list"
	case Object:
		return "object"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Pos is a position in a source file. Line and Col are 1-based; the zero Pos
// means "unknown".
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid reports whether p names a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	if !p.IsValid() {
		if p.File != "" {
			return p.File
		}
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Field is one member of an Object.
type Field struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Node is one JSON value.
type Node struct {
	Kind Kind
	// Text is the string value for String, the literal as written for Number
	// (JSON number syntax), and "true"/"false" for Bool.
	Text   string
	Items  []*Node
	Fields []Field
	Pos    Pos
}

// NewString returns a String node.
func NewString(s string, pos Pos) *Node { return &Node{Kind: String, Text: s, Pos: pos} }

// NewObject returns an empty Object node.
func NewObject(pos Pos) *Node { return &Node{Kind: Object, Pos: pos} }

// NewArray returns an Array node holding items.
func NewArray(pos Pos, items ...*Node) *Node { return &Node{Kind: Array, Items: items, Pos: pos} }

// NewBool returns a Bool node.
func NewBool(b bool, pos Pos) *Node {
	if b {
		return &Node{Kind: Bool, Text: "true", Pos: pos}
	}
	return &Node{Kind: Bool, Text: "false", Pos: pos}
}

// Get returns the value of the field named key (exact match), or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return n.Fields[i].Value
		}
	}
	return nil
}

// Field returns the field named key (exact match), or nil.
func (n *Node) Field(key string) *Field {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return &n.Fields[i]
		}
	}
	return nil
}

// GetFold returns the value of the first field whose key equals key under
// Unicode case folding, or nil. Organizations matches identifier keys (plan,
// rule and tag ids) without regard to case.
func (n *Node) GetFold(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := range n.Fields {
		if strings.EqualFold(n.Fields[i].Key, key) {
			return n.Fields[i].Value
		}
	}
	return nil
}

// Set replaces the value of key, or appends a new field.
func (n *Node) Set(key string, v *Node) {
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			n.Fields[i].Value = v
			return
		}
	}
	n.Fields = append(n.Fields, Field{Key: key, KeyPos: v.Pos, Value: v})
}

// Delete removes the field named key, if present.
func (n *Node) Delete(key string) {
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			n.Fields = append(n.Fields[:i], n.Fields[i+1:]...)
			return
		}
	}
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Items != nil {
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.Clone()
		}
	}
	if n.Fields != nil {
		c.Fields = make([]Field, len(n.Fields))
		for i, f := range n.Fields {
			c.Fields[i] = Field{Key: f.Key, KeyPos: f.KeyPos, Value: f.Value.Clone()}
		}
	}
	return &c
}

// Equal reports whether a and b hold the same JSON value. Positions and field
// order are ignored; numbers compare by their literal text.
func Equal(a, b *Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for _, f := range a.Fields {
			if !Equal(f.Value, b.Get(f.Key)) {
				return false
			}
		}
		return true
	}
	return a.Text == b.Text
}

// Scalar renders a scalar node's value as text for messages: strings are
// quoted, other kinds are printed as JSON.
func (n *Node) Scalar() string {
	if n == nil {
		return "<missing>"
	}
	switch n.Kind {
	case String:
		return fmt.Sprintf("%q", n.Text)
	case Number, Bool:
		return n.Text
	case Null:
		return "null"
	}
	b := n.Compact()
	const max = 80
	if len(b) > max {
		return string(b[:max-3]) + "..."
	}
	return string(b)
}

// Strings returns the items of an Array of Strings. ok is false if n is not
// such an array.
func (n *Node) Strings() (s []string, ok bool) {
	if n == nil || n.Kind != Array {
		return nil, false
	}
	s = make([]string, 0, len(n.Items))
	for _, it := range n.Items {
		if it.Kind != String {
			return nil, false
		}
		s = append(s, it.Text)
	}
	return s, true
}

// Walk calls fn for n and every node below it, depth first, with the path of
// object keys and array indexes (as decimal strings) leading to it. If fn
// returns false the node's children are skipped.
func Walk(n *Node, fn func(path []string, n *Node) bool) {
	walk(nil, n, fn)
}

func walk(path []string, n *Node, fn func([]string, *Node) bool) {
	if n == nil || !fn(path, n) {
		return
	}
	switch n.Kind {
	case Object:
		for _, f := range n.Fields {
			walk(append(path[:len(path):len(path)], f.Key), f.Value, fn)
		}
	case Array:
		for i, it := range n.Items {
			walk(append(path[:len(path):len(path)], fmt.Sprint(i)), it, fn)
		}
	}
}
