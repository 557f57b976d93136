package baseline

import (
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// NewCoverage works out how the baselines of d cover the accounts of the
// desired organization that the repository's policies reach.
func NewCoverage(d *Desired, repo *policy.Repo) *plan.Coverage {
	o := d.org
	c := &plan.Coverage{Baselines: []plan.CoverageBaseline{}, Groups: []plan.CoverageGroup{}, Uncovered: []plan.Account{}}
	if d.Management != nil {
		c.Management = d.Management.ID
	}
	account := func(a *org.Entity) plan.Account { return plan.Account{ID: a.ID, Name: a.Name, Path: o.Path(a)} }
	for _, b := range repo.Baselines {
		dep := plan.CoverageBaseline{Name: b.Name, Existing: b.Existing, Role: b.RoleName, Vault: b.VaultName, Regions: b.Regions,
			ManagedKey: b.ManagedKMSKey, StackSets: []string{}, Targets: []string{}}
		for _, ss := range d.StackSets {
			if ss.Baseline == b {
				dep.StackSets = append(dep.StackSets, ss.Name)
				if len(dep.Targets) == 0 {
					for _, id := range ss.OUs {
						dep.Targets = append(dep.Targets, o.Path(o.Entity(id))+" ("+id+")")
					}
					for _, a := range ss.Accounts {
						dep.Targets = append(dep.Targets, o.Path(o.Entity(a.ID)))
					}
				}
			}
		}
		dep.ManagementStacks = slices.ContainsFunc(d.Stacks, func(s *Stack) bool { return s.Baseline == b })
		c.Baselines = append(c.Baselines, dep)
	}

	needs := memberRelativeNeeds(repo)
	// Which accounts each baseline reaches, by entity index: a Reach list
	// can hold every account, and scanning it for each account was
	// quadratic (2.6 s at 100,000 accounts).
	reaches := make([][]bool, len(repo.Baselines))
	for i, b := range repo.Baselines {
		reaches[i] = make([]bool, o.NumEntities())
		for _, e := range d.Reach[b.Name] {
			reaches[i][e.Index()] = true
		}
	}
	byKey := map[string]*plan.CoverageGroup{}
	var order []*plan.CoverageGroup
	for _, a := range o.Accounts() {
		reached, needy := false, false
		for _, e := range o.Chain(a) {
			for _, p := range o.Attached(e, policy.Type) {
				if repo.Policy(p.Name) != nil {
					reached = true
					needy = needy || needs[p.Name]
				}
			}
		}
		if !reached {
			continue
		}
		var via []plan.Via
		for i, b := range repo.Baselines {
			if !reaches[i][a.Index()] {
				continue
			}
			how := plan.ViaStackSet
			switch {
			case b.Existing:
				how = plan.ViaExisting
			case a == d.Management:
				how = plan.ViaManagement
			}
			via = append(via, plan.Via{Baseline: b.Name, How: how})
		}
		if len(via) == 0 {
			if needy {
				c.Uncovered = append(c.Uncovered, account(a))
			}
			continue
		}
		var k strings.Builder
		for _, v := range via {
			k.WriteString(v.Baseline + "\x00" + v.How + "\x00")
		}
		g := byKey[k.String()]
		if g == nil {
			g = &plan.CoverageGroup{Via: via}
			byKey[k.String()] = g
			order = append(order, g)
		}
		g.Accounts = append(g.Accounts, account(a))
	}
	// Accounts come sorted by id, so groups are in order of their first
	// account.
	for _, g := range order {
		c.Groups = append(c.Groups, *g)
	}
	return c
}

// memberRelativeNeeds reports, per repository policy, whether it names a
// role or vault of the member account itself (what a baseline provides),
// rather than only fixed-account ones.
func memberRelativeNeeds(repo *policy.Repo) map[string]bool {
	out := map[string]bool{}
	for _, p := range repo.Policies {
		for _, ref := range backup.References(backup.Unwrap(generate.Document(p))) {
			if ref.Account == "" {
				out[p.Name] = true
				break
			}
		}
	}
	return out
}
