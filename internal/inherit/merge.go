package inherit

import (
	"slices"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// maxDepth bounds how deeply policy objects may nest. Backup policies nest
// about eight objects deep; the bound keeps hostile input from exhausting
// the stack.
const maxDepth = 64

// applier merges the policies of one level into a state.
type applier struct {
	gen    uint64
	level  int
	target string
	index  int    // attachment index of the policy being merged
	policy string // its ID
	notes  []Note
	// path holds the path of the key being merged: merge walks depth
	// first and nothing keeps a path (notes clone theirs), so every key
	// of a merge extends this one array instead of allocating its own,
	// 65,000 allocations for each side of a 100,000-account preview.
	path [16]string
}

// own returns n if this Apply may modify it, or a copy that it may. Slices
// are clipped so that appending to them reallocates instead of writing into
// an array another state still uses.
func (a *applier) own(n *node) *node {
	if n.gen == a.gen {
		return n
	}
	c := *n
	c.gen = a.gen
	c.kids = slices.Clone(n.kids)
	c.limits = slices.Clip(n.limits)
	c.contrib = slices.Clip(n.contrib)
	return &c
}

func (a *applier) note(kind NoteKind, path []string, pos doc.Pos, msg string) *Note {
	var p []string // nil at the top, as it always was
	if len(path) > 0 {
		p = slices.Clone(path)
	}
	a.notes = append(a.notes, Note{
		Kind: kind, Level: a.level, Target: a.target, Policy: a.policy,
		Path: p, Pos: pos, Message: msg,
	})
	return &a.notes[len(a.notes)-1]
}

// blame names the restriction behind a NotAllowed note.
func (a *applier) blame(nt *Note, by *limit) {
	if by != nil {
		nt.By, nt.ByPos = by.policy, by.pos
	}
}

// applyDoc merges one policy document into root and returns the new root.
func (a *applier) applyDoc(root *node, p Policy) *node {
	d := p.Doc
	if d == nil {
		a.note(Malformed, nil, doc.Pos{}, "ignored the policy: it has no document")
		return root
	}
	if d.Kind != doc.Object {
		a.note(Malformed, nil, d.Pos, "ignored the policy: a policy document is a JSON object, found "+kindName(d))
		return root
	}
	o := p.compiled
	if o == nil {
		o = compile(d, nil, true, 0)
	}
	a.replay(o)
	root = a.own(root)
	if root.pos() == (doc.Pos{}) {
		root.src = &doc.Field{Value: d}
	}
	a.merge(root, o, a.path[:0], 0)
	return root
}

// Compile returns p with its document split into operators and keys ahead
// of time, which Apply otherwise does each time it merges the document: a
// policy attached to thousands of entities is split once.
func Compile(p Policy) Policy {
	if p.Doc != nil && p.Doc.Kind == doc.Object {
		p.compiled = compile(p.Doc, nil, true, 0)
	}
	return p
}

// compile splits the fields of a policy object at path (lower-cased keys)
// into operators and ordinary keys, recording the ones that cannot be used
// as notes for every merge to report, and does the same for the objects
// below it, down to where merge stops (maxDepth). depth is that of path.
func compile(obj *doc.Node, path []string, top bool, depth int) *object {
	o := &object{node: obj}
	note := func(p []string, pos doc.Pos, msg string) {
		o.notes = append(o.notes, Note{Kind: Malformed, Path: slices.Clone(p), Pos: pos, Message: msg})
	}
	for i := range obj.Fields {
		f := &obj.Fields[i]
		switch f.Key {
		case Assign, Append, Remove:
			if top {
				note(path, f.KeyPos, "ignored "+f.Key+": the top level of a policy holds keys such as \"plans\", not value-setting operators")
				continue
			}
			j := slices.IndexFunc(valueOps[:], func(op valueOp) bool { return op.name == f.Key })
			if o.ops[j] != nil {
				// Parse rejects duplicate keys; hand-built trees may have them.
				note(path, f.KeyPos, "ignored duplicate "+f.Key)
				continue
			}
			o.ops[j] = f
		case ChildControl:
			if o.control != nil {
				note(path, f.KeyPos, "ignored duplicate "+ChildControl)
				continue
			}
			o.control = f
			o.controlOps, o.controlProblem = parseChildControl(f.Value)
		default:
			if strings.HasPrefix(f.Key, "@@") {
				// Operator names are matched exactly, as AWS spells them; a
				// misspelt one must not turn silently into a key.
				note(path, f.KeyPos, "ignored unknown operator "+quote(f.Key))
				continue
			}
			o.keys = append(o.keys, key{f: f, lower: strings.ToLower(f.Key)})
		}
	}
	if op := o.firstOp(); op != "" && len(o.keys) > 0 {
		// A setting's object holds operators only (Org UG: each setting
		// "contains" the operator and its value). INHERIT Ex 3 policy D nests
		// enforced_for inside tag_value; that key sets nothing.
		for _, k := range o.keys {
			note(append(path[:len(path):len(path)], k.lower), k.f.KeyPos,
				"ignored key "+quote(k.f.Key)+": it sits next to "+op+", and an object holding a value-setting operator is a single setting that cannot also hold keys")
		}
		o.keys = nil
	}
	if f := o.ops[0]; f != nil && (isScalar(f.Value) || scalarList(f.Value)) {
		// Stored as is by every merge that assigns it: values are never
		// modified once stored.
		o.assign = cloneValue(f.Value)
	}
	markFoldedDuplicates(o)
	for i := range o.keys {
		k := &o.keys[i]
		if v := k.f.Value; v != nil && v.Kind == doc.Object && depth+1 <= maxDepth {
			k.child = compile(v, append(path[:len(path):len(path)], k.lower), false, depth+1)
		}
	}
	return o
}

// replay reports the notes compile recorded for o, as this merge's.
func (a *applier) replay(o *object) {
	for _, n := range o.notes {
		a.note(n.Kind, n.Path, n.Pos, n.Message)
	}
}

// markFoldedDuplicates finds keys that equal an earlier key of the same
// object under case-insensitive matching. Organizations matches keys without
// regard to case (SYNTAX: identifiers are "not case sensitive"), so "Hourly"
// and "hourly" in one object name the same rule twice, which AWS rejects as
// a duplicate key. They are reported when merge reaches them, so notes stay
// in source order.
func markFoldedDuplicates(o *object) {
	if len(o.keys) < 2 {
		return
	}
	seen := make(map[string]*doc.Field, len(o.keys))
	for i := range o.keys {
		k := &o.keys[i]
		if first, dup := seen[k.lower]; dup {
			k.dup = first
			continue
		}
		seen[k.lower] = k.f
	}
}

// merge applies a split policy object to n, which this Apply owns.
func (a *applier) merge(n *node, o *object, path []string, depth int) {
	switch o.shape() {
	case setting:
		if len(n.kids) > 0 {
			a.shapeConflict(n, o, path, "a map of keys", "a setting")
			return
		}
	case keyed:
		if n.val != nil {
			a.shapeConflict(n, o, path, "a setting", "a map of keys")
			return
		}
	}
	if o.control != nil {
		a.restrict(n, o, path)
	}
	switch o.shape() {
	case setting:
		a.setValue(n, o, path)
	case keyed:
		for i := range o.keys {
			k := &o.keys[i]
			if k.dup != nil {
				a.note(Malformed, append(path[:len(path):len(path)], k.lower), k.f.KeyPos,
					"ignored key "+quote(k.f.Key)+": it duplicates key "+quote(k.dup.Key)+" of the same object, and keys match case-insensitively")
				continue
			}
			a.mergeKey(n, k, path, depth+1)
		}
	}
}

// shapeConflict reports a policy object that is a setting where the merged
// tree has a map, or the reverse. The object is ignored as a whole: replacing
// a map with a value would delete inherited keys, and no operator deletes an
// inherited key (@@remove only takes values out of lists).
func (a *applier) shapeConflict(n *node, o *object, path []string, have, got string) {
	msg := "ignored this object: in earlier policies this key is " + have + ", but this policy writes it as " + got
	nt := a.note(ShapeConflict, path, o.node.Pos, msg)
	if n.set.ok {
		nt.By, nt.ByPos = n.set.policy, n.set.pos()
	} else {
		nt.By, nt.ByPos = n.origin, n.pos()
	}
}

// restrict records a child control on n. It always applies: a restriction
// can only narrow what lower levels may do, never widen it, since the
// restrictions on a node intersect (INHERIT note: "you can't reverse that
// rule in a child policy"; Ex 5: same-level restrictions intersect).
func (a *applier) restrict(n *node, o *object, path []string) {
	f := o.control
	if o.controlProblem != "" {
		a.note(Malformed, path, f.KeyPos, "ignored "+ChildControl+": "+o.controlProblem)
		return
	}
	n.limits = append(n.limits, limit{level: a.level, policy: a.policy, target: a.target, pos: f.KeyPos, ops: o.controlOps})
}

// mergeKey merges the value of one ordinary key into the child of n.
func (a *applier) mergeKey(n *node, k *key, path []string, depth int) {
	f, key := k.f, k.lower
	// Siblings share one backing array for their paths (see
	// applier.path).
	cpath := append(path, key)
	// compile gave the key a child exactly when its value is an object
	// merge may reach, so only a key without one reads its value here: a
	// merge of a 100,000-account preview reads a million keys, and
	// reading each value (which the child holds compiled) was a cache miss.
	if k.child == nil {
		v := f.Value
		if depth > maxDepth {
			a.note(Malformed, cpath, f.KeyPos, "ignored key "+quote(f.Key)+": policy objects nest more than "+strconv.Itoa(maxDepth)+" deep")
			return
		}
		if v == nil || v.Kind != doc.Object {
			// Policies are written in operator form: every setting is an
			// object such as {"@@assign": ...}, every map an object of
			// keys. A bare value is what an effective policy looks like,
			// and "you can't directly use the contents of a displayed
			// effective policy as the contents of a new policy" (INHERIT).
			a.note(Malformed, cpath, f.KeyPos, "ignored key "+quote(f.Key)+": expected an object holding a value-setting operator or keys, found "+kindName(v))
			return
		}
		return // not reached: compile gives every such key a child
	}
	i, c := n.find(key)
	if c == nil {
		// Whether a lower level may add a key is decided by the map's own
		// restrictions: backup Ex 3 puts @@none on "plans" so children
		// cannot add plans, Ex 4 puts @@append there so they can; AIOPT: a
		// restriction under "services" controls whether a child "can add to
		// or change the list of services".
		if allowed, by := n.allowedAt(a.level, allowAddKey); allowed&allowAddKey == 0 {
			a.blame(a.note(NotAllowed, cpath, f.KeyPos, msgKeyNotAllowed(f.Key, path, allowed, by)), by)
			return
		}
		c = &node{gen: a.gen, origin: a.policy, src: f}
		if k.child != nil && len(k.child.keys) > 0 {
			// The merge below inserts the object's keys one by one:
			// room for all of them at once, not a slice grown four
			// times for a rule's eight settings.
			c.kids = make([]child, 0, len(k.child.keys))
		}
		n.kids = slices.Insert(n.kids, i, child{key: key, n: c})
	} else {
		c = a.own(c)
		n.kids[i].n = c
	}
	a.replay(k.child)
	a.merge(c, k.child, cpath, depth)
}

// setValue applies the value-setting operators of one setting object to n,
// in the order @@assign, @@append, @@remove.
func (a *applier) setValue(n *node, o *object, path []string) {
	for i, op := range valueOps {
		f := o.ops[i]
		if f == nil {
			continue
		}
		// An operator a higher level does not allow is skipped, not merged:
		// INHERIT Ex 4 policy F's @@assign on a @@none tag_key leaves the
		// parent's value in place.
		if allowed, by := n.allowedAt(a.level, op.bit); allowed&op.bit == 0 {
			a.blame(a.note(NotAllowed, path, f.KeyPos, msgOpNotAllowed(op.name, allowed, by)), by)
			continue
		}
		if a.applyOp(n, o, op.bit, f, path) {
			n.addContributor(a.policy)
		}
	}
}

// applyOp applies one allowed operator and reports whether it was accepted.
func (a *applier) applyOp(n *node, o *object, bit opSet, f *doc.Field, path []string) bool {
	v := f.Value
	switch bit {
	case allowAssign:
		if !isScalar(v) && !scalarList(v) {
			a.note(Malformed, path, f.KeyPos, "ignored @@assign: its value must be a string, number, boolean or a list of those, found "+describeOperand(v))
			return false
		}
		// At one level, policies apply in attachment order and the first
		// one to set a value keeps it: INHERIT Ex 6, J (attached first)
		// assigns "PROJECT", K assigns "project", the result is "PROJECT".
		// Later @@append and @@remove still apply; they do not overwrite.
		if s := n.set; s.ok && s.level == a.level && s.index < a.index {
			nt := a.note(SameLevel, path, f.KeyPos, msgSameLevel(s, a.target))
			nt.By, nt.ByPos = s.policy, s.pos()
			return false
		}
		// @@assign "overwrites any inherited policy settings"; for lists it
		// "removes any inherited values and replaces them". Values are kept
		// exactly as written, duplicates included.
		n.val = o.assign
	case allowAppend, allowRemove:
		name := opName(bit)
		if v == nil || v.Kind != doc.Array {
			// "You can use this operator with only multi-valued settings."
			a.note(InvalidOperator, path, f.KeyPos, "ignored "+name+": it takes a list of values, found "+describeOperand(v))
			return false
		}
		if !scalarList(v) {
			a.note(Malformed, path, f.KeyPos, "ignored "+name+": list items must be strings, numbers or booleans")
			return false
		}
		if n.val != nil && n.val.Kind != doc.Array {
			a.note(InvalidOperator, path, f.KeyPos, "ignored "+name+": the current value is "+kindName(n.val)+" "+n.val.Scalar()+", not a list, and "+name+" only works on lists")
			return false
		}
		if bit == allowAppend {
			// "Adds the specified settings (without removing any) to the
			// inherited ones. If the specified setting isn't inherited, this
			// operator adds it." Values already present are not added again.
			n.val = appendNew(n.val, v)
		} else {
			if n.val == nil {
				// "Removes the specified inherited settings ... if they
				// exist": nothing is inherited, so there is nothing to do,
				// and no empty setting is invented.
				return true
			}
			n.val = removeAll(n.val, v)
			if len(n.val.Items) == 0 {
				// A list emptied by @@remove drops out of the effective
				// policy: in the tag-policy inheritance example (INHERIT
				// Example 3) policy D removes both values of enforced_for,
				// and the effective policy has no enforced_for key ("Compliance
				// is not enforced for the CostCenter tag key"). The node
				// stays, so a lower level may still @@append to it.
				n.val = nil
			}
		}
	}
	n.set = setter{ok: true, level: a.level, index: a.index, policy: a.policy, op: f}
	return true
}

// describeOperand names an operand for messages, with its value if short.
func describeOperand(v *doc.Node) string {
	if isScalar(v) {
		return kindName(v) + " " + v.Scalar()
	}
	return kindName(v)
}

// scalarKey identifies a scalar for list membership. Kinds are part of the
// key: the string "1" and the number 1 are different values, as doc.Equal
// has it; numbers compare by their literal text.
func scalarKey(n *doc.Node) string {
	return string(rune('0'+n.Kind)) + n.Text
}

// appendNew returns a new list holding the items of list (which may be nil)
// followed by the items of add that are not already present, in order.
func appendNew(list, add *doc.Node) *doc.Node {
	out := &doc.Node{Kind: doc.Array, Pos: add.Pos, Items: []*doc.Node{}}
	if list != nil {
		out.Pos = list.Pos
		out.Items = slices.Clone(list.Items)
	}
	seen := make(map[string]bool, len(out.Items)+len(add.Items))
	for _, it := range out.Items {
		seen[scalarKey(it)] = true
	}
	for _, it := range add.Items {
		if k := scalarKey(it); !seen[k] {
			seen[k] = true
			cp := *it
			out.Items = append(out.Items, &cp)
		}
	}
	return out
}

// removeAll returns a new list without any item equal to an item of drop.
func removeAll(list, drop *doc.Node) *doc.Node {
	gone := make(map[string]bool, len(drop.Items))
	for _, it := range drop.Items {
		gone[scalarKey(it)] = true
	}
	out := &doc.Node{Kind: doc.Array, Pos: list.Pos, Items: make([]*doc.Node, 0, len(list.Items))}
	for _, it := range list.Items {
		if !gone[scalarKey(it)] {
			out.Items = append(out.Items, it)
		}
	}
	return out
}
