package effective

import (
	"bytes"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Account is one account's preview.
type Account struct {
	Account *org.Entity
	Path    string
	// Before and After are the canonical effective policies (indented
	// JSON) under the current and the desired attachments, BeforeDoc and
	// AfterDoc the same as trees. Accounts that share a chain share these
	// values; they must not be modified.
	Before, After       []byte
	BeforeDoc, AfterDoc *doc.Node
	Changed             bool
	Problems            []Problem
	// Notes are what the inheritance engine ignored in the desired state:
	// operators a parent forbids, same-level overrides.
	Notes []inherit.Note
}

// Group is a set of accounts that see the same change and the same
// problems, so a preview of thousands of accounts stays readable.
type Group struct {
	Accounts  []*Account
	Before    []byte
	After     []byte
	BeforeDoc *doc.Node
	AfterDoc  *doc.Node
	Diff      []byte // unified diff of Before and After; nil if unchanged
	Problems  []Problem
	Notes     []inherit.Note
}

// Preview is the effect of a change to an organization on every account's
// effective policy.
type Preview struct {
	Actual, Desired *org.Org
	Accounts        []*Account // every account, sorted by id

	groups  []*Group // Groups' result, computed once: its diffs are most of its cost
	grouped bool
}

// Compute previews the change from actual to desired, two states of one
// organization (package plan builds desired from a repository). Only backup
// policies are considered. baselines are the member baselines deployed in
// desired; ours reports whether a policy of desired is defined by the
// repository, whose vault and role references are then checked against the
// baselines (see Validate). ours may be nil.
func Compute(actual, desired *org.Org, baselines []*policy.Baseline, ours func(*org.Policy) bool) *Preview {
	pv := &Preview{Actual: actual, Desired: desired}
	before := NewEngine(actual, policy.Type)
	after := NewEngine(desired, policy.Type)
	bl := NewBaselines(desired, baselines)
	label := Label(desired)
	var oursID func(id string) bool
	if ours != nil {
		oursID = func(id string) bool {
			pol := desired.Policy(id)
			return pol != nil && ours(pol)
		}
	}

	type key struct {
		s         *inherit.State
		baselines string
	}
	problems := map[key][]Problem{}
	notes := map[*inherit.State][]inherit.Note{}
	for _, a := range desired.Accounts() {
		sb, sa := before.State(a), after.State(a)
		provided := bl.For(a)
		k := key{s: sa, baselines: baselineKey(provided)}
		ps, ok := problems[k]
		if !ok {
			ps = Validate(sa, after.Effective(sa), provided, oursID, label)
			problems[k] = ps
		}
		ns, ok := notes[sa]
		if !ok {
			ns = sa.Notes()
			notes[sa] = ns
		}
		acc := &Account{
			Account:   a,
			Path:      desired.Path(a),
			Before:    before.Canonical(sb),
			After:     after.Canonical(sa),
			BeforeDoc: before.Effective(sb),
			AfterDoc:  after.Effective(sa),
			Problems:  ps,
			Notes:     ns,
		}
		acc.Changed = !bytes.Equal(acc.Before, acc.After)
		pv.Accounts = append(pv.Accounts, acc)
	}
	return pv
}

func baselineKey(bs []*policy.Baseline) string {
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return strings.Join(names, "\x00")
}

// Changed returns the accounts whose effective policy changes.
func (p *Preview) Changed() []*Account {
	var out []*Account
	for _, a := range p.Accounts {
		if a.Changed {
			out = append(out, a)
		}
	}
	return out
}

// Invalid returns the accounts whose desired effective policy has
// problems.
func (p *Preview) Invalid() []*Account {
	var out []*Account
	for _, a := range p.Accounts {
		if len(a.Problems) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Groups returns the accounts that change or have problems, grouped by
// identical before, after and problems, largest group first, then by the
// first account id. The groups are computed once and shared; callers must
// not modify them.
func (p *Preview) Groups() []*Group {
	if !p.grouped {
		p.groups, p.grouped = p.group(), true
	}
	return p.groups
}

func (p *Preview) group() []*Group {
	type gkey struct {
		before, after, problems int
	}
	// Interning by content: indexing a map with string(b) does not copy b,
	// so each account costs a hash of its documents and no allocation.
	intern := map[string]int{}
	id := func(b []byte) int {
		if n, ok := intern[string(b)]; ok {
			return n
		}
		intern[string(b)] = len(intern)
		return len(intern) - 1
	}
	idx := map[gkey]*Group{}
	var groups []*Group
	for _, a := range p.Accounts {
		if !a.Changed && len(a.Problems) == 0 {
			continue
		}
		k := gkey{before: id(a.Before), after: id(a.After), problems: id([]byte(problemKey(a.Problems)))}
		g := idx[k]
		if g == nil {
			g = &Group{Before: a.Before, After: a.After, BeforeDoc: a.BeforeDoc, AfterDoc: a.AfterDoc, Problems: a.Problems, Notes: a.Notes}
			if a.Changed {
				g.Diff = diff.Diff("before", a.Before, "after", a.After)
				// The first line is a "diff before after" header, which says
				// nothing the ---/+++ lines do not.
				if i := bytes.IndexByte(g.Diff, '\n'); i >= 0 && bytes.HasPrefix(g.Diff, []byte("diff ")) {
					g.Diff = g.Diff[i+1:]
				}
			}
			idx[k] = g
			groups = append(groups, g)
		}
		g.Accounts = append(g.Accounts, a)
	}
	slices.SortStableFunc(groups, func(x, y *Group) int {
		if len(x.Accounts) != len(y.Accounts) {
			return len(y.Accounts) - len(x.Accounts)
		}
		return strings.Compare(x.Accounts[0].Account.ID, y.Accounts[0].Account.ID)
	})
	return groups
}

func problemKey(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Code)
		b.WriteByte(0)
		b.WriteString(p.PathString())
		b.WriteByte(0)
		b.WriteString(p.Message)
		b.WriteByte(0)
	}
	return b.String()
}
