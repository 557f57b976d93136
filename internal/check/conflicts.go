package check

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// assignment is one value a policy @@assigns.
type assignment struct {
	path  string // lower-cased, '/'-separated: Organizations matches keys without case
	keys  []string
	value []byte
	node  *doc.Node
}

// assignments lists the settings a document assigns.
func assignments(d *doc.Node) []assignment {
	var out []assignment
	doc.Walk(d, func(path []string, n *doc.Node) bool {
		if n.Kind != doc.Object {
			return true
		}
		if v := n.Get("@@assign"); v != nil {
			out = append(out, assignment{path: strings.ToLower(strings.Join(path, "/")), keys: slices.Clone(path), value: v.Compact(), node: v})
			return false
		}
		return true
	})
	return out
}

// sameLeaf reports two policies attached to the same entity that assign the
// same setting different values. Organizations applies the one attached
// first; nothing in the API shows which that is, and re-attaching changes
// it. The outcome should not depend on it.
func (c *checker) sameLeaf() {
	assigned := map[string][]assignment{}
	assignedBy := func(p *policy.Policy) []assignment {
		as, ok := assigned[p.Name]
		if !ok {
			as = assignments(c.docs[p.Name])
			assigned[p.Name] = as
		}
		return as
	}
	ps := c.repo.Policies
	partners := c.partners()
	for i := 0; i < len(ps); i++ {
		for j := range partners(i) {
			a, b := ps[i], ps[j]
			t, ok := c.sharedTarget(a, b)
			if !ok {
				continue
			}
			byPath := map[string]assignment{}
			for _, x := range assignedBy(a) {
				byPath[x.path] = x
			}
			for _, y := range assignedBy(b) {
				x, ok := byPath[y.path]
				if !ok || bytes.Equal(x.value, y.value) {
					continue
				}
				c.add(diag.Errorf("attachment-order", y.node.Pos,
					"policies %q and %q are both attached to %s and set %s to different values (%s and %s); which one wins depends on the order they were attached",
					a.Name, b.Name, t.Raw, strings.Join(y.keys, "."), x.value, y.value).
					WithPath(configPath(b.Name, y.keys)).
					WithRelated(x.node.Pos, "set by policy "+quoted(a.Name)).
					WithHint("set it in one of the two policies only, or attach one of them to a different target"))
			}
		}
	}
}

// partners returns, for policy i, the policies after it in c.repo.Policies
// that may share a target with it, in order. Comparing every pair is
// quadratic in the number of policies; when the resolver's Same compares
// a key, only policies attached to the same keys are candidates. Callers
// still decide with sharedTarget, so the result is the same.
func (c *checker) partners() func(i int) iter.Seq[int] {
	ps := c.repo.Policies
	key, ok := c.sameKey()
	if !ok {
		return func(i int) iter.Seq[int] {
			return func(yield func(int) bool) {
				for j := i + 1; j < len(ps); j++ {
					if !yield(j) {
						return
					}
				}
			}
		}
	}
	byKey := map[string][]int{}
	for i, p := range ps {
		for _, t := range p.Targets {
			k := key(t)
			if l := byKey[k]; len(l) == 0 || l[len(l)-1] != i {
				byKey[k] = append(l, i)
			}
		}
	}
	return func(i int) iter.Seq[int] {
		var js []int
		for _, t := range ps[i].Targets {
			l := byKey[key(t)]
			n, _ := slices.BinarySearch(l, i+1)
			js = append(js, l[n:]...)
		}
		slices.Sort(js)
		return slices.Values(slices.Compact(js))
	}
}

func (c *checker) sharedTarget(a, b *policy.Policy) (policy.Target, bool) {
	for _, ta := range a.Targets {
		for _, tb := range b.Targets {
			if c.r.Same(ta, tb) {
				return tb, true
			}
		}
	}
	return policy.Target{}, false
}

// planMerges warns about plans of the same name in complete policies that
// reach the same accounts: Organizations merges plans by name, so the two
// definitions silently become one plan there. A partial policy exists to
// do exactly that, and is not reported.
func (c *checker) planMerges() {
	type def struct {
		p    *policy.Policy
		name string
		node *doc.Node
	}
	byName := map[string][]def{}
	var names []string
	for _, p := range c.repo.Policies {
		if p.Partial || p.Plans == nil {
			continue
		}
		for _, f := range p.Plans.Fields {
			if strings.HasPrefix(f.Key, "@@") {
				continue
			}
			k := strings.ToLower(f.Key)
			if _, ok := byName[k]; !ok {
				names = append(names, k)
			}
			byName[k] = append(byName[k], def{p: p, name: f.Key, node: f.Value})
		}
	}
	slices.Sort(names)
	for _, k := range names {
		defs := byName[k]
		for i := 0; i < len(defs); i++ {
			for j := i + 1; j < len(defs); j++ {
				a, b := defs[i], defs[j]
				if a.p == b.p {
					// One policy, two spellings: a duplicate key, which
					// the value checks report (backup.DuplicateKey).
					continue
				}
				where, ok := c.overlap(a.p, b.p)
				if !ok {
					continue
				}
				c.add(diag.Warningf("plan-merge", b.node.Pos,
					"plan %q is defined by policies %q and %q, which both reach the accounts under %s; Organizations merges them into one plan there",
					b.name, a.p.Name, b.p.Name, where).
					WithPath(configPath(b.p.Name, []string{"plans", b.name})).
					WithRelated(a.node.Pos, fmt.Sprintf("plan %q of policy %q", a.name, a.p.Name)).
					WithHint("if one refines the other, mark it partial: true; otherwise give the plans different names"))
			}
		}
	}
}

// overlap finds a target reached by both policies.
func (c *checker) overlap(a, b *policy.Policy) (string, bool) {
	for _, ta := range a.Targets {
		for _, tb := range b.Targets {
			if cov, _ := c.r.Covers(ta, tb); cov {
				return tb.Raw, true
			}
			if cov, _ := c.r.Covers(tb, ta); cov {
				return ta.Raw, true
			}
		}
	}
	return "", false
}
