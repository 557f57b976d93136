package baseline

import (
	"slices"

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
	// Whether the repository's policies reach an account, and whether one
	// of them needs a baseline there, depend on its chain: worked out
	// once per entity, each from its parent's answer, rather than by
	// walking every account's chain (most accounts have no policy of
	// their own; the walks were 0.3 s at 100,000 accounts).
	const (
		known   = 1
		reached = 2
		needy   = 4
	)
	reach := make([]uint8, o.NumEntities())
	var reachOf func(e *org.Entity) uint8
	reachOf = func(e *org.Entity) uint8 {
		if r := reach[e.Index()]; r != 0 {
			return r
		}
		r := uint8(known)
		if e.Parent != nil {
			r |= reachOf(e.Parent)
		}
		for _, p := range o.Attached(e, policy.Type) {
			if repo.Policy(p.Name) != nil {
				r |= reached
				if needs[p.Name] {
					r |= needy
				}
			}
		}
		reach[e.Index()] = r
		return r
	}
	byKey := map[string]int{}
	var groups []plan.CoverageGroup
	// Each account's group, -1 for none: the groups' lists are allocated
	// at their final size once the accounts are counted (appending to
	// them grew and copied 27 MB at 100,000 accounts).
	accounts := o.Accounts()
	groupOf := make([]int32, len(accounts))
	var sizes []int
	var key []byte
	for j, a := range accounts {
		groupOf[j] = -1
		r := reachOf(a)
		if r&reached == 0 {
			continue
		}
		// The group's key first, its Via list only for a new group:
		// looking a map up by string(key) does not allocate.
		key = key[:0]
		for i, b := range repo.Baselines {
			if reaches[i][a.Index()] {
				key = append(key, b.Name...)
				key = append(key, 0)
				key = append(key, how(b, a, d.Management)...)
				key = append(key, 0)
			}
		}
		if len(key) == 0 {
			if r&needy != 0 {
				c.Uncovered = append(c.Uncovered, account(a))
			}
			continue
		}
		g, ok := byKey[string(key)]
		if !ok {
			var via []plan.Via
			for i, b := range repo.Baselines {
				if reaches[i][a.Index()] {
					via = append(via, plan.Via{Baseline: b.Name, How: how(b, a, d.Management)})
				}
			}
			g = len(groups)
			byKey[string(key)] = g
			groups = append(groups, plan.CoverageGroup{Via: via})
			sizes = append(sizes, 0)
		}
		groupOf[j] = int32(g)
		sizes[g]++
	}
	for g := range groups {
		groups[g].Accounts = make([]plan.Account, 0, sizes[g])
	}
	for j, a := range accounts {
		if g := groupOf[j]; g >= 0 {
			groups[g].Accounts = append(groups[g].Accounts, account(a))
		}
	}
	// Accounts come sorted by id, so groups are in order of their first
	// account.
	c.Groups = append(c.Groups, groups...)
	return c
}

// how says how baseline b reaches account a, given the management
// account.
func how(b *policy.Baseline, a, management *org.Entity) string {
	switch {
	case b.Existing:
		return plan.ViaExisting
	case a == management:
		return plan.ViaManagement
	}
	return plan.ViaStackSet
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
