package inherit

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Policy is one policy document attached to an entity.
type Policy struct {
	ID   string    // policy id (p-…) or name; used in reports
	Name string    // used in reports when ID is empty
	Doc  *doc.Node // operator form; nodes carry source positions where known

	compiled *object // Doc compiled, or nil (see Compile)
}

// Level is the policies attached directly to one entity, in attachment order.
type Level struct {
	Target   string // entity id or path, for reports
	Policies []Policy
}

// State is the merge result after some levels. Apply never modifies its
// receiver, so callers can cache the state of a shared OU prefix and reuse it
// for thousands of accounts. The zero State and a nil *State both behave like
// New().
type State struct {
	root   *node
	levels int
	notes  []Note
}

// New returns the state before any level: an empty policy.
func New() *State { return &State{} }

// Merge applies levels in order, root first, to a new State.
func Merge(levels ...Level) *State {
	s := New()
	for _, l := range levels {
		s = s.Apply(l)
	}
	return s
}

// Levels returns how many levels have been applied.
func (s *State) Levels() int {
	if s == nil {
		return 0
	}
	return s.levels
}

// Apply merges the policies attached to the next entity down the tree into a
// copy of s and returns it. Its cost is proportional to the size of the
// level's documents and the part of the state they touch.
func (s *State) Apply(l Level) *State {
	if s == nil {
		s = New()
	}
	a := &applier{gen: generation.Add(1), level: s.levels, target: l.Target}
	root := s.root
	if root == nil {
		root = &node{}
	}
	for i, p := range l.Policies {
		a.index = i
		a.policy = policyLabel(p, i)
		root = a.applyDoc(root, p)
	}
	return &State{root: root, levels: s.levels + 1, notes: slices.Concat(s.notes, a.notes)}
}

// Effective returns the effective policy: operators removed, object keys
// lower-cased, settings with their values exactly as the policies gave them,
// and nodes that ended up with no value and no children left out. The result
// is a fresh tree the caller may modify. It is never nil.
func (s *State) Effective() *doc.Node { return s.EffectiveWith(LowerKeys) }

// KeyCase says how an effective policy spells object keys. Keys always
// match without regard to case; only the output differs by policy type.
type KeyCase uint8

const (
	// LowerKeys lower-cases every key, as DescribeEffectivePolicy prints
	// backup policies: "pii_backup_plan", "hourly", "datatype" (BKEFF,
	// the only real output AWS shows for the type).
	LowerKeys KeyCase = iota
	// FirstSpelling keeps each key as the first policy to write it spelled
	// it, as AWS shows tag policies: in "Define organization-wide tag key
	// case" (TAGEX) the effective policy keeps "Project" and "CostCenter".
	FirstSpelling
)

// KeyCaseOf returns how AWS spells the keys of an effective policy of
// policyType: as first written for tag policies, lower-cased otherwise.
func KeyCaseOf(policyType string) KeyCase {
	if policyType == "TAG_POLICY" {
		return FirstSpelling
	}
	return LowerKeys
}

// EffectiveWith is Effective with keys spelled as kc says.
func (s *State) EffectiveWith(kc KeyCase) *doc.Node {
	if s == nil || s.root == nil {
		return doc.NewObject(doc.Pos{})
	}
	if n, ok := s.root.effective(kc); ok && n.Kind == doc.Object {
		return n
	}
	return doc.NewObject(s.root.pos())
}

// Notes returns everything that was ignored while merging, in the order the
// levels, policies and keys were processed.
func (s *State) Notes() []Note {
	if s == nil {
		return nil
	}
	return slices.Clone(s.notes)
}

// Contributors returns the IDs of the policies that applied a value-setting
// operator at path or anywhere below it, sorted. Path elements are matched
// against the lower-cased keys of the effective policy (they are lower-cased
// here too). An empty path asks about the whole policy; a path that does not
// exist yields nil.
//
// Ignored operators and child-control operators do not count: contributors
// are the policies that shaped the values, which is what a report such as
// "11 rules after merge, contributed by p-root, p-ou" needs.
func (s *State) Contributors(path ...string) []string {
	if s == nil || s.root == nil {
		return nil
	}
	n := s.root
	for _, k := range path {
		if n = n.child(strings.ToLower(k)); n == nil {
			return nil
		}
	}
	var ids []string
	n.walk(func(m *node) { ids = append(ids, m.contrib...) })
	slices.Sort(ids)
	return slices.Compact(ids)
}

// policyLabel names a policy in notes and contributor lists: its ID, else its
// name, else its place in the level.
func policyLabel(p Policy, i int) string {
	switch {
	case p.ID != "":
		return p.ID
	case p.Name != "":
		return p.Name
	}
	return fmt.Sprintf("policy #%d", i+1)
}

// generation hands every Apply call a number of its own. A node whose gen
// matches the running Apply was created or copied by it and may be changed
// in place; any other node is shared with earlier states and must be copied
// first. That keeps Apply copy-on-write without deep-cloning the state.
var generation atomic.Uint64

// node is one node of the merged tree. It is a setting when val is set, a
// map when it has kids, and empty (only restrictions, or nothing left) when
// neither; it is never both.
type node struct {
	gen     uint64
	kids    []child   // sorted by key
	val     *doc.Node // the setting's value; never modified once stored
	set     setter    // which policy last changed val
	limits  []limit   // child controls placed on this node, in merge order
	contrib []string  // sorted IDs of policies whose operators applied here
	origin  string    // the policy that created the node
	// src is the field of that policy that created the node: its key as
	// the policy spelled it, the key's position and the object's (see
	// name, keyPos, pos). The root's holds the document alone. One
	// pointer, not two positions and a string: a 100,000-account preview
	// makes 144,000 nodes, and this was 80 of each one's 288 bytes.
	src *doc.Field

	// first holds contrib's first ID: most settings have one contributor,
	// and a separate allocation for it was one object in six that a merge
	// made.
	first [1]string
}

type child struct {
	key string // lower-cased
	n   *node
}

// setter records the policy that last changed a setting, for the same-level
// rule and its report.
type setter struct {
	ok     bool
	level  int
	index  int // attachment index within the level
	policy string
	op     *doc.Field // the operator; its key's position is the setting's
}

// pos is where the setting was made: the operator's key.
func (s setter) pos() doc.Pos {
	if s.op == nil {
		return doc.Pos{}
	}
	return s.op.KeyPos
}

// pos is the position of the object that created n.
func (n *node) pos() doc.Pos {
	if n.src == nil || n.src.Value == nil {
		return doc.Pos{}
	}
	return n.src.Value.Pos
}

// keyPos is the position of n's key in the policy that created it.
func (n *node) keyPos() doc.Pos {
	if n.src == nil {
		return doc.Pos{}
	}
	return n.src.KeyPos
}

// name is n's key as the policy that created it spelled it.
func (n *node) name() string {
	if n.src == nil {
		return ""
	}
	return n.src.Key
}

// limit is one @@operators_allowed_for_child_policies placed on a node.
type limit struct {
	level  int
	policy string
	target string
	pos    doc.Pos
	ops    opSet
}

func (n *node) find(key string) (int, *node) {
	i, ok := slices.BinarySearchFunc(n.kids, key, func(c child, k string) int { return strings.Compare(c.key, k) })
	if !ok {
		return i, nil
	}
	return i, n.kids[i].n
}

func (n *node) child(key string) *node {
	_, c := n.find(key)
	return c
}

// allowedAt returns the operators that policies at level may use on n: the
// intersection of every restriction placed on n at a higher level. A
// restriction never applies to its own level (INHERIT: child control
// operators limit "child policies"; Ex 5 has G and H restrict the same node
// from the same level, and G still sets its value there).
//
// blame returns the restriction that took away the last operator in need:
// the one to name in a report.
func (n *node) allowedAt(level int, need opSet) (allowed opSet, blame *limit) {
	allowed = allowAll
	for i := range n.limits {
		l := &n.limits[i]
		if l.level >= level {
			continue
		}
		before := allowed
		allowed &= l.ops
		if blame == nil && before&need != 0 && allowed&need == 0 {
			blame = l
		}
	}
	return allowed, blame
}

func (n *node) addContributor(id string) {
	if n.contrib == nil {
		// Full at one: a second contributor, or one added by a later
		// Apply to its copy of n, moves contrib to an array of its own.
		n.first[0] = id
		n.contrib = n.first[:1:1]
		return
	}
	if i, ok := slices.BinarySearch(n.contrib, id); !ok {
		n.contrib = slices.Insert(n.contrib, i, id)
	}
}

// walk calls fn for n and every node below it.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for _, c := range n.kids {
		c.n.walk(fn)
	}
}

// effective renders n without operators. ok is false when n holds nothing:
// an empty node is left out rather than shown as {} (rule 7 of the package's
// design: a node that only carried a child control has no value).
func (n *node) effective(kc KeyCase) (out *doc.Node, ok bool) {
	if n.val != nil {
		return cloneValue(n.val), true
	}
	if len(n.kids) == 0 {
		return nil, false
	}
	obj := doc.NewObject(n.pos())
	for _, c := range n.kids {
		if v, ok := c.n.effective(kc); ok {
			key := c.key
			if kc == FirstSpelling && c.n.name() != "" {
				key = c.n.name()
			}
			obj.Fields = append(obj.Fields, doc.Field{Key: key, KeyPos: c.n.keyPos(), Value: v})
		}
	}
	if len(obj.Fields) == 0 {
		return nil, false
	}
	return obj, true
}

// cloneValue copies a setting value: a scalar or a list of scalars, the only
// values merge stores.
func cloneValue(v *doc.Node) *doc.Node {
	c := *v
	if v.Items != nil {
		c.Items = make([]*doc.Node, len(v.Items))
		for i, it := range v.Items {
			cp := *it
			c.Items[i] = &cp
		}
	}
	c.Fields = nil
	return &c
}
