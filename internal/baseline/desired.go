// Package baseline plans the member baselines: the IAM role and backup vault
// every account reached by a backup policy needs, with exactly the names the
// policy uses, in every Region it runs in. A baseline is deployed by
// service-managed StackSets (the role in one Region per account, the vault
// in each Region, auto-deployment on so accounts that join later get them
// too), by regular stacks in the management account (which StackSets never
// deploy to), and, for vaults encrypted with orgbackup's own key, by one KMS
// key per Region in the management account. A baseline that declares its
// resources as existing is never deployed nor deleted.
//
// The package is pure: the organization and the live CloudFormation and KMS
// state come in as values, and changes go out as plan.Changes.
package baseline

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Tags orgbackup puts on the StackSets, stacks and keys it creates, besides
// policy.TagManagedBy and policy.TagBaseline. The same keys as on
// policies, so one IAM condition covers everything orgbackup owns.
const (
	TagSource     = "orgbackup:source"
	TagRepository = "orgbackup:repository"
)

// The parts of a baseline.
const (
	PartRole  = "role"
	PartVault = "vault"
	PartKey   = "key"
)

// KeyAlias is the alias of orgbackup's managed KMS key in each Region of the
// management account. One key per Region serves every baseline that asks
// for a managed key: its policy is the same for all of them.
const KeyAlias = "alias/orgbackup/backup-vaults"

// CapabilityNamedIAM is what CloudFormation requires to create a named role.
const CapabilityNamedIAM = "CAPABILITY_NAMED_IAM"

// ParamOrganizationID is the vault template's parameter for the
// organization whose accounts may copy into the vault.
const ParamOrganizationID = "OrganizationId"

// Input is what planning the baselines needs.
type Input struct {
	Repo *policy.Repo
	// Org is the desired organization: the actual one with the
	// repository's policies attached at their targets.
	Org *org.Org
	// Source names a definition file as the orgbackup:source tag records
	// it (repository-relative, slash-separated). Nil uses the file as the
	// loader reported it.
	Source func(file string) string
	// Repository is the organization block's repository, tagged on what
	// orgbackup creates when set.
	Repository string
}

// StackSet is one service-managed StackSet a baseline needs.
type StackSet struct {
	Name     string
	Baseline *policy.Baseline
	Part     string // PartRole or PartVault
	Template []byte // as build writes it, managed keys as placeholders
	// ManagedKeys are the Regions whose managed key the template maps.
	ManagedKeys  []string
	Capabilities []string
	Parameters   map[string]string
	Regions      []string
	// OUs are the root and OU ids the baseline's root and OU targets
	// resolve to, sorted; Accounts the account targets, deployed through
	// their parents with the account filter INTERSECTION.
	OUs      []string
	Accounts []AccountTarget
	Tags     map[string]string
}

// AccountTarget is an account a baseline targets directly, and the root or
// OU it sits in (StackSets deploy to accounts through an OU).
type AccountTarget struct {
	ID     string
	Parent string
}

// Stack is one regular stack in the management account.
type Stack struct {
	Name         string
	Baseline     *policy.Baseline
	Part         string
	Account      string
	Region       string
	Template     []byte
	ManagedKeys  []string
	Capabilities []string
	Parameters   map[string]string
	Tags         map[string]string
}

// Key is orgbackup's managed KMS key in one Region of the management
// account.
type Key struct {
	Region  string
	Account string
	Policy  []byte // canonical JSON
	Tags    map[string]string
	// Baselines are the baselines whose vaults use it, sorted.
	Baselines []string
}

// Desired is everything the repository's baselines deploy.
type Desired struct {
	StackSets []*StackSet
	Stacks    []*Stack
	Keys      []*Key
	// Existing are the baselines whose resources exist already.
	Existing []*policy.Baseline
	// Management is the management account, nil when the organization
	// does not name it; ManagementReached says whether a repository
	// policy reaches it (then covering baselines deploy there as stacks).
	Management        *org.Entity
	ManagementReached bool
	// Reach maps each baseline to the accounts it covers, sorted by id.
	Reach map[string][]*org.Entity
	Diags diag.List

	org    *org.Org
	source func(string) string
}

// sourceOf says where a baseline is defined, as plan changes record it:
// the repository-relative file, line and column.
func (d *Desired) sourceOf(b *policy.Baseline) string {
	if b == nil || b.Pos.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", d.source(b.Pos.File), b.Pos.Line, b.Pos.Col)
}

// Desire works out what the repository's baselines deploy in the
// organization.
func Desire(in Input) *Desired {
	o := in.Org
	d := &Desired{Management: o.ManagementAccount(), Reach: map[string][]*org.Entity{}, org: o}
	source := in.Source
	if source == nil {
		source = filepath.ToSlash
	}
	d.source = source
	if d.Management != nil {
		d.ManagementReached = reachedByRepo(o, in.Repo, d.Management)
	}
	keyRegions := map[string][]string{}
	for _, b := range in.Repo.Baselines {
		ous, accounts, covered := resolveTargets(o, b, &d.Diags)
		d.Reach[b.Name] = covered
		if b.Existing {
			d.Existing = append(d.Existing, b)
			continue
		}
		// The policies' ownership tags, so one IAM condition covers
		// everything orgbackup owns, and the baseline's name.
		tags := plan.Tags(source(b.Pos.File), in.Repository)
		tags[policy.TagBaseline] = b.Name
		mgmt := d.Management != nil && d.ManagementReached && slices.Contains(covered, d.Management)
		for _, part := range parts(b) {
			t := template(b, part, o)
			if len(ous)+len(accounts) > 0 {
				d.StackSets = append(d.StackSets, &StackSet{
					Name: stackSetName(b, part), Baseline: b, Part: part,
					Template: t.body, ManagedKeys: t.keys, Capabilities: t.capabilities, Parameters: t.params,
					Regions: t.regions, OUs: ous, Accounts: accounts, Tags: tags,
				})
			}
			if mgmt {
				for _, r := range t.regions {
					d.Stacks = append(d.Stacks, &Stack{
						Name: stackSetName(b, part), Baseline: b, Part: part, Account: d.Management.ID, Region: r,
						Template: t.body, ManagedKeys: t.keys, Capabilities: t.capabilities, Parameters: t.params, Tags: tags,
					})
				}
			}
		}
		if b.ManagedKMSKey && b.VaultName != "" {
			for _, r := range b.Regions {
				keyRegions[r] = append(keyRegions[r], b.Name)
			}
		}
	}
	for _, r := range slices.Sorted(maps.Keys(keyRegions)) {
		k := &Key{Region: r, Baselines: keyRegions[r], Tags: map[string]string{policy.TagManagedBy: policy.ManagedBy}}
		if in.Repository != "" {
			k.Tags[policy.TagRepository] = in.Repository
		}
		if d.Management != nil {
			k.Account = d.Management.ID
		}
		k.Policy = KeyPolicy(k.Account, o.Info.ID, r)
		d.Keys = append(d.Keys, k)
	}
	return d
}

// parts lists the StackSets a baseline needs, role first.
func parts(b *policy.Baseline) []string {
	var out []string
	if b.RoleName != "" {
		out = append(out, PartRole)
	}
	if b.VaultName != "" {
		out = append(out, PartVault)
	}
	return out
}

func stackSetName(b *policy.Baseline, part string) string {
	if part == PartRole {
		return generate.RoleStackSetName(b.Name)
	}
	return generate.VaultStackSetName(b.Name)
}

type templateInfo struct {
	body         []byte
	regions      []string
	keys         []string
	capabilities []string
	params       map[string]string
}

// template is what build writes for the part, and how it is deployed: the
// role in the baseline's first Region (IAM is global; a second instance
// would collide on the role name), the vault in every Region.
func template(b *policy.Baseline, part string, o *org.Org) templateInfo {
	if part == PartRole {
		return templateInfo{
			body:         generate.RoleTemplate(b).Indent(),
			regions:      slices.Clone(b.Regions[:min(len(b.Regions), 1)]),
			capabilities: []string{CapabilityNamedIAM},
		}
	}
	t := templateInfo{body: generate.VaultTemplate(b).Indent(), regions: slices.Clone(b.Regions)}
	if b.ManagedKMSKey {
		t.keys = slices.Clone(b.Regions)
	}
	if b.AllowCopyFromOrganization {
		t.params = map[string]string{ParamOrganizationID: o.Info.ID}
	}
	return t
}

// resolveTargets turns a baseline's targets into StackSet deployment
// targets: root and OU ids, and accounts with their parents. It also
// returns every account the baseline covers, the management account
// included (StackSets skip it; the management stacks do not).
func resolveTargets(o *org.Org, b *policy.Baseline, diags *diag.List) (ous []string, accounts []AccountTarget, covered []*org.Entity) {
	var under [][]*org.Entity
	mgmt := o.ManagementAccount()
	for _, t := range b.Targets {
		e, err := o.Resolve(t.Raw)
		if err != nil {
			d := diag.Errorf("unknown-target", t.Pos, "baseline %q is deployed to %q, which is not in the organization", b.Name, t.Raw)
			var re *org.ResolveError
			if errors.As(err, &re) {
				d = diag.Errorf("unknown-target", t.Pos, "baseline %q: %s", b.Name, re.Msg).WithHint("%s", re.Hint)
			}
			*diags = append(*diags, d.WithValue(fmt.Sprintf("%q", t.Raw)))
			continue
		}
		under = append(under, o.AccountsUnder(e))
		switch {
		case e.Kind != org.Account:
			ous = append(ous, e.ID)
		case e != mgmt:
			accounts = append(accounts, AccountTarget{ID: e.ID, Parent: e.Parent.ID})
		}
	}
	slices.Sort(ous)
	ous = slices.Compact(ous)
	slices.SortFunc(accounts, func(a, b AccountTarget) int { return cmp.Compare(a.ID, b.ID) })
	accounts = slices.CompactFunc(accounts, func(a, b AccountTarget) bool { return a.ID == b.ID })
	return ous, accounts, union(o, under)
}

// union returns the accounts of lists, each sorted by id as AccountsUnder
// returns them, in one list sorted by id without repeats. A baseline
// deployed to the root covers every account: a map of 100,000 entities and
// a sort by id string took 60 ms, where marking them by Entity.Index (the
// accounts' indexes follow their ids) and reading them back in order takes
// a pass.
func union(o *org.Org, lists [][]*org.Entity) []*org.Entity {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	in := make([]bool, o.NumEntities())
	n := 0
	for _, l := range lists {
		for _, a := range l {
			if !in[a.Index()] {
				in[a.Index()] = true
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]*org.Entity, 0, n)
	for _, a := range o.Accounts() {
		if in[a.Index()] {
			out = append(out, a)
		}
	}
	return out
}

// reachedByRepo reports whether a repository policy is attached on a's
// chain in the desired organization.
func reachedByRepo(o *org.Org, repo *policy.Repo, a *org.Entity) bool {
	for _, e := range o.Chain(a) {
		for _, p := range o.Attached(e, policy.Type) {
			if repo.Policy(p.Name) != nil {
				return true
			}
		}
	}
	return false
}

// Preferences converts a baseline's operation preferences for a change.
func Preferences(b *policy.Baseline) *plan.OperationPreferences {
	op := b.Operation
	if op == (policy.OperationPreferences{}) {
		op = policy.DefaultOperationPreferences
	}
	return &plan.OperationPreferences{
		MaxConcurrentPercentage:    op.MaxConcurrentPercentage,
		FailureTolerancePercentage: op.FailureTolerancePercentage,
		RegionConcurrency:          op.RegionConcurrency,
	}
}

// Wanted lists the accounts (sorted, without the management account) a
// StackSet change deploys to: those under the OUs, or only the given
// accounts of them.
func (d *Desired) Wanted(ous, accounts []string) []string {
	var out []string
	for _, id := range ous {
		e := d.org.Entity(id)
		if e == nil {
			continue
		}
		for _, a := range d.org.AccountsUnder(e) {
			if a == d.Management || len(accounts) > 0 && !slices.Contains(accounts, a.ID) {
				continue
			}
			out = append(out, a.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// StackSet returns the desired StackSet of that name, nil if none.
func (d *Desired) StackSet(name string) *StackSet {
	for _, s := range d.StackSets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Expected lists the accounts a desired StackSet should have instances in.
func (d *Desired) Expected(ss *StackSet) []string {
	out := d.Wanted(ss.OUs, nil)
	for _, a := range ss.Accounts {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
