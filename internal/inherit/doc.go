// Package inherit computes effective management policies: it merges the
// policy documents attached to the root, each OU on an account's path, and
// the account itself, the way AWS Organizations does for backup, tag and AI
// services opt-out policies (Org UG, "Policy syntax and inheritance for
// management policy types"; "Inheritance operators").
//
// Callers pass levels from the root down, each holding the policies attached
// directly to one entity in attachment order:
//
//	s := inherit.Merge(rootLevel, ouLevel, accountLevel)
//	eff := s.Effective() // operators stripped, keys lower-cased
//	for _, n := range s.Notes() { ... } // everything that was ignored
//
// # Rules
//
// The comments where each rule is applied (merge.go) quote the documentation
// behind it. In short:
//
//  1. An object holding @@assign, @@append or @@remove is a setting; an
//     object holding other keys is a map whose keys merge with the inherited
//     ones; an object holding only @@operators_allowed_for_child_policies
//     restricts whatever its node is.
//  2. Keys match case-insensitively. They come out lower-cased, as
//     DescribeEffectivePolicy prints backup policies ("pii_backup_plan",
//     "hourly"), or as first written for tag policies (see KeyCase).
//  3. @@assign replaces or adds a value; @@append adds list values not yet
//     present, or adds the setting; @@remove takes values out of an inherited
//     list. In one object they apply in that order. @@append and @@remove on
//     anything but lists are ignored.
//  4. @@operators_allowed_for_child_policies on a node restricts what lower
//     levels may do to that node only: which operators they may use on a
//     setting, and whether they may add keys to a map (allowed while @@assign
//     or @@append is). Restrictions intersect across levels and across the
//     policies of one level, and never bind their own level.
//  5. Whatever a restriction forbids is ignored, not merged; a forbidden new
//     key is ignored with everything under it.
//  6. At one level the first-attached policy wins: a later policy cannot
//     @@assign a setting an earlier one at that level set, though its
//     @@append and @@remove still apply.
//  7. Nothing deletes an inherited key, and a setting and a map never
//     replace each other; but a list emptied by @@remove has no value left
//     and drops out of the output, as in AWS's tag-policy example (INHERIT
//     Example 3). Nodes left with no value and no children are omitted;
//     an explicit {"@@assign": []} stays [].
//  8. Values are kept exactly as written: strings stay strings, booleans stay
//     booleans, $account and $region stay literal.
//
// # Immutability
//
// A State is immutable. Apply returns a new State that shares every part of
// the tree the level did not touch (copy-on-write), so a caller can merge the
// shared OU prefix once and apply thousands of account levels to it, from
// many goroutines at once. Apply costs time proportional to the size of the
// level's documents and the part of the state they touch.
package inherit
