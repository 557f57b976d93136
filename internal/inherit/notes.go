package inherit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// NoteKind classifies why part of a policy did not make it into the
// effective policy.
type NoteKind uint8

const (
	// NotAllowed means a higher level's @@operators_allowed_for_child_policies
	// forbids the operator here, or forbids adding a new key under a map.
	NotAllowed NoteKind = iota + 1
	// SameLevel means a later-attached policy tried to @@assign a setting
	// that an earlier-attached policy at the same level had already set.
	SameLevel
	// InvalidOperator means @@append or @@remove was used on something that
	// is not a list: a scalar operand or a scalar inherited value.
	InvalidOperator
	// Malformed means the policy object is not in operator form: a non-object
	// where an object belongs, an unknown @@ key, an ordinary key next to a
	// value-setting operator, a bad child-control list, and the like.
	Malformed
	// ShapeConflict means one policy treats a key as a setting and another as
	// a map of keys.
	ShapeConflict
)

// String returns the short name reports use for the kind, such as
// "not-allowed".
func (k NoteKind) String() string {
	switch k {
	case NotAllowed:
		return "not-allowed"
	case SameLevel:
		return "same-level"
	case InvalidOperator:
		return "invalid-operator"
	case Malformed:
		return "malformed"
	case ShapeConflict:
		return "shape-conflict"
	}
	return "NoteKind(" + strconv.Itoa(int(k)) + ")"
}

// Note reports one part of a policy that was ignored while merging, and why.
type Note struct {
	Kind NoteKind
	// Level is the index of the level in the chain: 0 for the root.
	Level int
	// Target is the Level.Target the ignored policy is attached to.
	Target string
	// Policy is the ID of the policy whose content was ignored.
	Policy string
	// Path is the lower-cased key path of the ignored node.
	Path []string
	// Pos is where the ignored operator or key is written, if known.
	Pos     doc.Pos
	Message string
	// By names the policy that caused the note when another one did: the
	// policy whose child control forbids the operator (NotAllowed), the
	// earlier policy at the same level (SameLevel), or the policy that gave
	// the key its other shape (ShapeConflict). ByPos is where that policy
	// says so.
	By    string
	ByPos doc.Pos
}

// String renders the note as "pos: policy (target): path: message".
func (n Note) String() string {
	var b strings.Builder
	b.WriteString(n.Pos.String())
	b.WriteString(": ")
	b.WriteString(n.Policy)
	if n.Target != "" {
		b.WriteString(" (")
		b.WriteString(n.Target)
		b.WriteString(")")
	}
	if len(n.Path) > 0 {
		b.WriteString(": ")
		b.WriteString(PathString(n.Path))
	}
	b.WriteString(": ")
	b.WriteString(n.Message)
	return b.String()
}

// PathString joins a key path with dots for messages, quoting keys that
// contain dots, spaces or quotes so the path stays unambiguous.
func PathString(path []string) string {
	var b strings.Builder
	for i, k := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		if k == "" || strings.ContainsAny(k, ". \"\t\n") {
			b.WriteString(strconv.Quote(k))
		} else {
			b.WriteString(k)
		}
	}
	return b.String()
}

// quote renders a key or string for a message.
func quote(s string) string { return strconv.Quote(s) }

// where describes a policy's attachment and source position for messages.
func where(policy, target string, pos doc.Pos) string {
	s := policy
	if target != "" {
		s += " attached to " + target
	}
	if pos.IsValid() {
		s += " at " + pos.String()
	}
	return s
}

// The message builders below keep the wording of every note in one place.
// Each says what was ignored, then why.

// msgOpNotAllowed explains a value-setting operator a higher level forbids.
func msgOpNotAllowed(op string, allowed opSet, by *limit) string {
	if allowed == 0 {
		return fmt.Sprintf("ignored %s: a parent policy locks this setting (%s: [@@none])", op, setBy(by))
	}
	return fmt.Sprintf("ignored %s: lower levels may only use %s on this setting (%s)", op, allowed, setBy(by))
}

// setBy says which policy placed a restriction.
func setBy(by *limit) string {
	if by == nil {
		return ChildControl + " set by a higher level"
	}
	return ChildControl + " set by " + where(by.policy, by.target, by.pos)
}

// msgKeyNotAllowed explains a new key a higher level forbids under its map.
func msgKeyNotAllowed(key string, parent []string, allowed opSet, by *limit) string {
	under := "the top level"
	if len(parent) > 0 {
		under = quote(parent[len(parent)-1])
	}
	if allowed == 0 {
		return fmt.Sprintf("ignored new key %s and everything under it: a parent policy allows no new keys under %s (%s)", quote(key), under, setBy(by))
	}
	return fmt.Sprintf("ignored new key %s and everything under it: lower levels may only use %s under %s (%s), and adding a key needs @@assign or @@append",
		quote(key), allowed, under, setBy(by))
}

// msgSameLevel explains an @@assign an earlier policy at the level overrules.
func msgSameLevel(earlier setter, target string) string {
	at := ""
	if earlier.pos().IsValid() {
		at = " at " + earlier.pos().String()
	}
	return fmt.Sprintf("ignored @@assign: %s, attached to %s before this policy, already set this value%s; at one level the first-attached policy wins",
		earlier.policy, target, at)
}
