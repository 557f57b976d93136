// Package generate turns validated definitions into what AWS consumes: the
// Organizations backup policy documents in AWS's operator form, the
// CloudFormation templates of the member baselines, and a manifest tying
// them together. It is pure: values in, values out, same bytes every time.
package generate

import (
	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// ChildControl is the key of the child control operator.
const ChildControl = "@@operators_allowed_for_child_policies"

// Document returns the Organizations policy document of p: {"plans": …} with
// every plain setting wrapped in {"@@assign": …} and its value rendered as
// AWS renders it (strings, "true"/"false", whole numbers as strings).
// Operator objects the author wrote are kept exactly as written, so an
// imported AWS policy round-trips byte for byte. Nodes keep their source
// positions so later checks can point at the author's line.
func Document(p *policy.Policy) *doc.Node {
	root := doc.NewObject(p.Pos)
	plans := p.Plans
	if plans == nil {
		// A policy without plans is reported by the checks; generating it
		// must not crash them.
		plans = doc.NewObject(p.Pos)
	}
	root.Fields = append(root.Fields, doc.Field{Key: "plans", KeyPos: plans.Pos, Value: convert(plans, backup.Plans)})
	return root
}

func convert(n *doc.Node, s *backup.Spec) *doc.Node {
	return backup.MapSettings(n, s, func(n *doc.Node, s *backup.Spec) *doc.Node {
		switch {
		case n.Kind == doc.Object:
			// The author wrote AWS's operator form: keep it verbatim.
			return n.Clone()
		case s.Kind == backup.Leaf:
			return assign(scalar(n), n.Pos)
		case n.Kind == doc.Array:
			items := make([]*doc.Node, len(n.Items))
			for i, it := range n.Items {
				items[i] = scalar(it)
			}
			return assign(doc.NewArray(n.Pos, items...), n.Pos)
		}
		return n.Clone()
	})
}

func assign(v *doc.Node, pos doc.Pos) *doc.Node {
	o := doc.NewObject(pos)
	o.Fields = []doc.Field{{Key: "@@assign", KeyPos: pos, Value: v}}
	return o
}

// scalar renders a plain value as the JSON string AWS uses: numbers keep
// their literal digits, booleans become "true"/"false".
func scalar(n *doc.Node) *doc.Node {
	switch n.Kind {
	case doc.Number, doc.Bool:
		return doc.NewString(n.Text, n.Pos)
	}
	return n.Clone()
}
