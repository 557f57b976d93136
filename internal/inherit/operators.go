package inherit

import (
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// The inheritance operators, spelled exactly as Organizations expects them
// (Org UG, "Inheritance operators").
const (
	// Assign overwrites the inherited value, or adds the setting.
	Assign = "@@assign"
	// Append adds values to an inherited list, or adds the setting.
	Append = "@@append"
	// Remove removes values from an inherited list.
	Remove = "@@remove"
	// ChildControl restricts the value-setting operators lower levels may use.
	ChildControl = "@@operators_allowed_for_child_policies"
	// All is the ChildControl value that allows every operator (the default).
	All = "@@all"
	// None is the ChildControl value that allows no operator.
	None = "@@none"
)

// opSet is a set of value-setting operators.
type opSet uint8

const (
	allowAssign opSet = 1 << iota
	allowAppend
	allowRemove

	allowAll = allowAssign | allowAppend | allowRemove
	// allowAddKey is what a map node must still allow for a lower level to
	// add a key under it: backup Ex 4 uses ["@@append"] on "plans" to let
	// children add plans, and adding a key is also what @@assign does to an
	// absent setting ("adds it to the effective policy").
	allowAddKey = allowAssign | allowAppend
)

// valueOps lists the value-setting operators in the order they are applied
// when one object carries several: replace first, then add, then take away,
// so that {"@@assign": [a, b], "@@remove": [b]} means [a] and not [a, b].
var valueOps = [...]valueOp{{Assign, allowAssign}, {Append, allowAppend}, {Remove, allowRemove}}

// valueOp is a value-setting operator and its bit in an opSet.
type valueOp struct {
	name string
	bit  opSet
}

func (s opSet) String() string {
	switch s {
	case allowAll:
		return "[" + All + "]"
	case 0:
		return "[" + None + "]"
	}
	var parts []string
	for _, op := range valueOps {
		if s&op.bit != 0 {
			parts = append(parts, op.name)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// opName returns the operator name of a single bit.
func opName(bit opSet) string {
	for _, op := range valueOps {
		if op.bit == bit {
			return op.name
		}
	}
	return bit.String()
}

// parseChildControl reads the value of @@operators_allowed_for_child_policies.
// problem is non-empty when the value is not one of the documented forms:
// ["@@all"], ["@@none"], or a list of one or more value-setting operators.
func parseChildControl(v *doc.Node) (ops opSet, problem string) {
	if v == nil || v.Kind != doc.Array {
		return 0, "expected a list such as [\"@@append\"], found " + kindName(v)
	}
	if len(v.Items) == 0 {
		return 0, "the list is empty; use [\"@@none\"] to allow no operators"
	}
	for _, it := range v.Items {
		if it == nil || it.Kind != doc.String {
			return 0, "list items must be strings, found " + kindName(it)
		}
		switch it.Text {
		case All, None:
			// Mixing @@all or @@none with anything else has no documented
			// meaning, so refuse to guess.
			if len(v.Items) != 1 {
				return 0, it.Text + " must be the only item in the list"
			}
			if it.Text == All {
				return allowAll, ""
			}
			return 0, ""
		case Assign:
			ops |= allowAssign
		case Append:
			ops |= allowAppend
		case Remove:
			ops |= allowRemove
		default:
			return 0, "unknown operator " + quote(it.Text) + "; expected @@all, @@none, @@assign, @@append or @@remove"
		}
	}
	return ops, ""
}

// shape is what a policy object is, judged only by its own keys.
type shape uint8

const (
	// neutral objects carry at most @@operators_allowed_for_child_policies.
	// They only restrict: INHERIT Ex 5 policy H puts a bare child control on
	// tag_value, which policy G at the same level sets with @@assign.
	neutral shape = iota
	// setting objects carry a value-setting operator (a leaf setting).
	setting
	// keyed objects carry ordinary keys whose values merge by key.
	keyed
)

// object is a policy object split into its operators and ordinary keys,
// with the objects below it: what merging it needs to know about the
// document alone, worked out once (see compile).
type object struct {
	node    *doc.Node
	ops     [len(valueOps)]*doc.Field // indexed like valueOps
	assign  *doc.Node                 // ops[0]'s value, copied for merges to store, if valid
	control *doc.Field
	// controlOps is what control allows, unless controlProblem says why
	// it cannot be used.
	controlOps     opSet
	controlProblem string
	keys           []key // ordinary keys
	// notes are what compiling found unusable, for each merge to report
	// (Kind, Path, Pos and Message set).
	notes []Note
}

// key is an ordinary key of an object.
type key struct {
	f     *doc.Field
	lower string
	// dup is the earlier key of the object this one equals under
	// case-insensitive matching.
	dup *doc.Field
	// child is the value compiled, when it is an object that merge would
	// reach (not nested deeper than maxDepth).
	child *object
}

func (o *object) shape() shape {
	for _, f := range o.ops {
		if f != nil {
			return setting
		}
	}
	if len(o.keys) > 0 {
		return keyed
	}
	return neutral
}

// firstOp returns the name of the first value-setting operator present.
func (o *object) firstOp() string {
	for i, f := range o.ops {
		if f != nil {
			return valueOps[i].name
		}
	}
	return ""
}

// isScalar reports whether n is a JSON string, number or boolean: the only
// things a setting, or an item of a list setting, holds in any management
// policy type.
func isScalar(n *doc.Node) bool {
	return n != nil && (n.Kind == doc.String || n.Kind == doc.Number || n.Kind == doc.Bool)
}

// scalarList reports whether n is a list whose items are all scalars.
func scalarList(n *doc.Node) bool {
	if n == nil || n.Kind != doc.Array {
		return false
	}
	for _, it := range n.Items {
		if !isScalar(it) {
			return false
		}
	}
	return true
}

// kindName names the JSON type of n for messages.
func kindName(n *doc.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case doc.Null:
		return "null"
	case doc.Bool:
		return "a boolean"
	case doc.Number:
		return "a number"
	case doc.String:
		return "a string"
	case doc.Array:
		return "a list"
	case doc.Object:
		return "an object"
	}
	return "an unknown value"
}
