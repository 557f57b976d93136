package baseline

import (
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// How a baseline reaches an account.
const (
	ViaStackSet   = "stack-set"        // a service-managed StackSet instance
	ViaManagement = "management-stack" // a stack in the management account
	ViaExisting   = "existing"         // declared as existing, not deployed by orgbackup
)

// Coverage says how every account that a repository policy reaches gets the
// roles and vaults the policies name: which baseline, and by which means.
// validate --org, preview and plan show it, so that the management account
// (which StackSets skip) and accounts no baseline covers are visible.
type Coverage struct {
	Baselines []Deployment
	// Groups are the reached accounts grouped by how they are covered, in
	// a fixed order (by the first account's id).
	Groups []CoverageGroup
	// Uncovered are reached accounts that no baseline covers, though a
	// policy reaching them names a role or vault of the member account.
	Uncovered  []*org.Entity
	Management *org.Entity
}

// Deployment is how one baseline is deployed.
type Deployment struct {
	Name     string
	Existing bool
	Role     string
	Vault    string
	Regions  []string
	// StackSets are the StackSets deploying it to member accounts, and
	// Targets their deployment targets as paths with ids.
	StackSets []string
	Targets   []string
	// ManagementStacks is true when it is deployed to the management
	// account as stacks.
	ManagementStacks bool
	ManagedKey       bool
}

// CoverageGroup is a set of accounts covered the same way.
type CoverageGroup struct {
	Via      []Via
	Accounts []*org.Entity
}

// Via is one baseline covering an account, and how.
type Via struct {
	Baseline string
	How      string // ViaStackSet, ViaManagement or ViaExisting
}

// NewCoverage works out the coverage of the desired organization o by the
// baselines of d.
func NewCoverage(d *Desired, repo *policy.Repo) *Coverage {
	o := d.org
	c := &Coverage{Management: d.Management}
	for _, b := range repo.Baselines {
		dep := Deployment{Name: b.Name, Existing: b.Existing, Role: b.RoleName, Vault: b.VaultName, Regions: b.Regions, ManagedKey: b.ManagedKMSKey}
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
	byKey := map[string]*CoverageGroup{}
	var order []*CoverageGroup
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
		var via []Via
		for _, b := range repo.Baselines {
			if !slices.Contains(d.Reach[b.Name], a) {
				continue
			}
			how := ViaStackSet
			switch {
			case b.Existing:
				how = ViaExisting
			case a == d.Management:
				how = ViaManagement
			}
			via = append(via, Via{Baseline: b.Name, How: how})
		}
		if len(via) == 0 {
			if needy {
				c.Uncovered = append(c.Uncovered, a)
			}
			continue
		}
		var k strings.Builder
		for _, v := range via {
			k.WriteString(v.Baseline + "\x00" + v.How + "\x00")
		}
		g := byKey[k.String()]
		if g == nil {
			g = &CoverageGroup{Via: via}
			byKey[k.String()] = g
			order = append(order, g)
		}
		g.Accounts = append(g.Accounts, a)
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
