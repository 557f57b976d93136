// Package generate turns validated definitions into what AWS consumes: the
// Organizations backup policy documents in AWS's operator form, the
// CloudFormation templates of the member baselines, and a manifest tying
// them together. It is pure: values in, values out, same bytes every time.
package generate

import (
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/policy"
)

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
	converted := convert(plans, backup.Plans)
	for i, f := range converted.Fields {
		if cf := plans.Fields[i].Value.Field(policy.ChildChangesKey); cf != nil && f.Value.Kind == doc.Object {
			f.Value.Delete(policy.ChildChangesKey)
			// The operators point at children_may_change, so that a note
			// about an ignored change names the line that locks it.
			pos := cf.KeyPos
			if !pos.IsValid() {
				pos = cf.Value.Pos
			}
			lockExcept(f.Value, cf.Value, pos)
		}
	}
	root.Fields = append(root.Fields, doc.Field{Key: "plans", KeyPos: plans.Pos, Value: converted})
	return root
}

// lockExcept writes a plan's children_may_change as AWS's child control
// operators on n, an operator-form node, and every node below it: each
// setting named in changes gets the operators listed for it (none at all
// for ["@@all"], so that nothing below is restricted either), and every
// other node gets ["@@none"], which for a setting forbids every operator
// and for an object or map forbids adding keys under it (Organizations
// backup Example 3 locks a whole plan so: "Nor can a child policy add
// additional plans"; a restriction "under the services key controls
// whether a child policy can add to or change the list", AIOPT). AWS
// restricts per node, not per subtree, which is why every node needs its
// own. A node that changes names but does not exist is left for the checks
// to report. pos is where the new operators point to in messages.
func lockExcept(n *doc.Node, changes *doc.Node, pos doc.Pos) {
	setControl(n, []string{inherit.None}, pos)
	if isSetting(n) {
		return
	}
	for _, f := range n.Fields {
		if strings.HasPrefix(f.Key, "@@") || f.Value.Kind != doc.Object {
			continue
		}
		c := changes.Get(f.Key)
		switch {
		case c == nil:
			lockExcept(f.Value, nil, pos)
		case c.Kind == doc.Array:
			ops, _ := c.Strings()
			if len(ops) == 1 && ops[0] == inherit.All {
				f.Value.Delete(inherit.ChildControl)
			} else {
				setControl(f.Value, ops, c.Pos)
			}
		case c.Kind == doc.Object:
			lockExcept(f.Value, c, pos)
		}
	}
}

// isSetting reports whether n is a setting in operator form.
func isSetting(n *doc.Node) bool {
	for _, k := range []string{inherit.Assign, inherit.Append, inherit.Remove} {
		if n.Get(k) != nil {
			return true
		}
	}
	return false
}

func setControl(n *doc.Node, ops []string, pos doc.Pos) {
	items := make([]*doc.Node, len(ops))
	for i, op := range ops {
		items[i] = doc.NewString(op, pos)
	}
	n.Set(inherit.ChildControl, doc.NewArray(pos, items...))
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
