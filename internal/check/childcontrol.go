package check

import (
	"fmt"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// childChanges checks each plan's children_may_change: what it names must
// be in the plan (a locked plan takes no new keys, so children could not
// add it), and a plan that says it there must not also write AWS's child
// control operator itself, which children_may_change would overwrite.
func (c *checker) childChanges(p *policy.Policy) {
	if p.Plans == nil || p.Plans.Kind != doc.Object {
		return
	}
	for _, pf := range p.Plans.Fields {
		changes := pf.Value.Get(policy.ChildChangesKey)
		if changes == nil {
			continue
		}
		base := []string{"plans", pf.Key, policy.ChildChangesKey}
		var missing func(path []string, plan, ch *doc.Node)
		missing = func(path []string, plan, ch *doc.Node) {
			for _, f := range ch.Fields {
				n := plan.Get(f.Key)
				if n == nil {
					c.add(diag.Errorf("child-change-unknown", orPos(f.KeyPos, ch.Pos),
						"children_may_change names %s, which plan %q does not set; a locked plan takes no new keys, so children could not add it",
						strings.Join(append(path[len(base):len(path):len(path)], f.Key), "."), pf.Key).
						WithPath(configPath(p.Name, append(path[:len(path):len(path)], f.Key))).
						WithHint("set it in the plan (children may then change it), or remove it from children_may_change"))
					continue
				}
				if f.Value.Kind == doc.Object {
					missing(append(path, f.Key), n, f.Value)
				}
			}
		}
		missing(base, pf.Value, changes)
		doc.Walk(pf.Value, func(path []string, n *doc.Node) bool {
			if len(path) > 0 && path[0] == policy.ChildChangesKey {
				return false
			}
			if f := n.Field(inherit.ChildControl); f != nil {
				c.add(diag.Errorf("child-control-twice", orPos(f.KeyPos, f.Value.Pos),
					"plan %q says what children may change with children_may_change, and also writes %s, which children_may_change replaces", pf.Key, inherit.ChildControl).
					WithPath(configPath(p.Name, append([]string{"plans", pf.Key}, path...))).
					WithHint("say it in one place: remove %s here, and list in children_may_change what children may change", inherit.ChildControl))
				return false
			}
			return true
		})
	}
}

// overrides reports what a policy attached below another changes that the
// other's child controls forbid: Organizations ignores it (INHERIT Example
// 4: F's @@assign on a @@none tag_key leaves the parent's value), so the
// author's change silently does nothing. Each pair of policies where one
// is attached above the other, and that one restricts anything, is merged
// the way Organizations would.
func (c *checker) overrides() {
	restricts := map[string]bool{}
	for _, p := range c.repo.Policies {
		doc.Walk(c.docs[p.Name], func(_ []string, n *doc.Node) bool {
			if n.Get(inherit.ChildControl) != nil {
				restricts[p.Name] = true
			}
			return !restricts[p.Name]
		})
	}
	// Each policy's document is compiled once, and the state after the
	// upper policy's level once per target it is attached to, not once
	// per pair: at 500 policies the pairs are tens of thousands, and
	// merging each from scratch took a sixth of validate's CPU time.
	compiled := make(map[string]inherit.Policy, len(c.repo.Policies))
	policyOf := func(p *policy.Policy) inherit.Policy {
		ip, ok := compiled[p.Name]
		if !ok {
			ip = inherit.Compile(inherit.Policy{ID: p.Name, Doc: c.docs[p.Name]})
			compiled[p.Name] = ip
		}
		return ip
	}
	for _, a := range c.repo.Policies {
		if !restricts[a.Name] {
			continue
		}
		upper := map[string]*inherit.State{} // by a's target
		for _, b := range c.repo.Policies {
			if a == b {
				continue
			}
			ta, tb, ok := c.above(a, b)
			if !ok {
				continue
			}
			sa, ok := upper[ta.Raw]
			if !ok {
				sa = inherit.New().Apply(inherit.Level{Target: ta.Raw, Policies: []inherit.Policy{policyOf(a)}})
				upper[ta.Raw] = sa
			}
			s := sa.Apply(inherit.Level{Target: tb.Raw, Policies: []inherit.Policy{policyOf(b)}})
			for _, n := range s.Notes() {
				if n.Kind != inherit.NotAllowed || n.Policy != b.Name {
					continue
				}
				d := diag.Warningf("child-override-ignored", orPos(n.Pos, b.Pos),
					"policy %q, attached to %s below policy %q (%s), changes %s, which Organizations ignores: %s",
					b.Name, tb.Raw, a.Name, ta.Raw, inherit.PathString(n.Path), n.Message).
					WithHint("remove the change from policy %q, or allow it in policy %q (children_may_change, or %s)", b.Name, a.Name, inherit.ChildControl)
				if n.ByPos.IsValid() {
					d = d.WithRelated(n.ByPos, fmt.Sprintf("restricted by policy %q", a.Name))
				}
				c.add(d)
			}
		}
	}
}

// above finds a target of a that is a strict ancestor of a target of b.
func (c *checker) above(a, b *policy.Policy) (ta, tb policy.Target, ok bool) {
	for _, ta := range a.Targets {
		for _, tb := range b.Targets {
			if c.r.Same(ta, tb) {
				continue
			}
			if cov, known := c.r.Covers(ta, tb); cov && known {
				return ta, tb, true
			}
		}
	}
	return policy.Target{}, policy.Target{}, false
}
