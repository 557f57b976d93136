package baseline

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// MaxOUsPerCall is how many OUs one CreateStackInstances or
// DeleteStackInstances call accepts (gitops-safety.md §3.6).
const MaxOUsPerCall = 50

// Planned is the baselines' part of a plan.
type Planned struct {
	// Changes are in the order apply runs them: PhaseBaselines first
	// (keys, StackSets and their instances, management stacks), then the
	// removals in PhaseDelete.
	Changes []plan.Change
	// Running are StackSet operations in progress; apply waits for each
	// before it submits anything to that StackSet, and before it attaches
	// a policy that depends on it.
	Running []RunningOperation
	// Notes explain what the plan found but does not change: instances
	// that will be redeployed and why, resources let go.
	Notes []string
	Diags diag.List
}

// RunningOperation is an operation in progress on one of orgbackup's
// StackSets.
type RunningOperation struct {
	StackSet string
	Operation
}

// Plan compares what the repository's baselines need (d) with what is
// deployed (live) and returns the changes. repository is the organization
// block's repository, for ownership.
func Plan(repo *policy.Repo, d *Desired, live *Live, repository string) *Planned {
	p := &planner{repo: repo, d: d, live: live, repository: repository, out: &Planned{Diags: slices.Clone(d.Diags)}}
	if live == nil {
		p.live = &Live{}
	}
	p.keys()
	for _, ss := range d.StackSets {
		p.stackSet(ss)
	}
	for _, st := range d.Stacks {
		p.stack(st)
	}
	p.removed()
	p.out.Changes = append(append(p.pre, p.changes...), p.post...)
	for _, ls := range p.live.StackSets {
		if ls.Operation != nil && isOrgbackup(ls.Name) && Owned(ls.Tags, repository) {
			p.out.Running = append(p.out.Running, RunningOperation{StackSet: ls.Name, Operation: *ls.Operation})
			p.out.Notes = append(p.out.Notes, fmt.Sprintf("StackSet %s: operation %s (%s) is %s; apply waits for it before changing the StackSet or attaching what depends on it",
				ls.Name, ls.Operation.ID, ls.Operation.Action, ls.Operation.Status))
		}
	}
	return p.out
}

type planner struct {
	repo       *policy.Repo
	d          *Desired
	live       *Live
	repository string
	out        *Planned
	// pre, changes and post are concatenated in that order: pre holds
	// removals that must precede additions (a role moving Region), post
	// the removals that wait until policies no longer need them.
	pre, changes, post []plan.Change
}

func (p *planner) keys() {
	for _, k := range p.d.Keys {
		dep := &plan.Deployment{Baseline: strings.Join(k.Baselines, ","), Part: PartKey, Account: k.Account, Region: k.Region, KeyAlias: KeyAlias}
		if k.Account == "" || p.d.Management == nil {
			p.out.Diags = append(p.out.Diags, diag.Errorf("key-needs-organization", p.baselinePos(k.Baselines[0]),
				"baseline %q asks for a managed KMS key, but the organization's management account is not known", k.Baselines[0]).
				WithHint("plan against the live organization (orgbackup plan), or name the management account in the org snapshot (organization.management_account_id and id)"))
			continue
		}
		lk := p.live.key(k.Region)
		switch {
		case lk == nil:
			p.changes = append(p.changes, plan.Change{Action: plan.CreateKMSKey, Phase: plan.PhaseBaselines,
				After: string(k.Policy), Tags: k.Tags, Deployment: dep, Source: p.d.sourceOf(p.baseline(k.Baselines[0])),
				Reason: fmt.Sprintf("vaults of %s in %s are encrypted with orgbackup's key; it does not exist there yet", baselineList(k.Baselines), k.Region)})
		case !Owned(lk.Tags, p.repository):
			p.out.Diags = append(p.out.Diags, diag.Errorf("key-not-owned", p.baselinePos(k.Baselines[0]),
				"%s in %s of the management account names key %s, which is not tagged %s=%s", KeyAlias, k.Region, lk.ARN, policy.TagManagedBy, policy.ManagedBy).
				WithHint("orgbackup never changes a key it does not own: delete or rename the alias, or use the key through vault_kms_key_arn instead of managed_kms_key"))
		case lk.State != "" && lk.State != "Enabled":
			p.out.Diags = append(p.out.Diags, diag.Errorf("key-unusable", p.baselinePos(k.Baselines[0]),
				"orgbackup's key %s in %s is %s; vaults cannot be created with it, and backups into vaults that use it fail", lk.ARN, k.Region, lk.State).
				WithHint("in %s of the management account: aws kms cancel-key-deletion and aws kms enable-key --key-id %s", k.Region, lk.ARN))
		case !SameJSON(lk.Policy, string(k.Policy)):
			p.changes = append(p.changes, plan.Change{Action: plan.UpdateKMSKeyPolicy, Phase: plan.PhaseBaselines,
				Before: canonicalJSON(lk.Policy), After: string(k.Policy), Deployment: dep,
				Reason: "the key policy differs from the one orgbackup sets (the organization's accounts, through AWS Backup only)"})
		}
	}
}

func (p *planner) stackSet(ss *StackSet) {
	b := ss.Baseline
	dep := func() *plan.Deployment {
		d := &plan.Deployment{Baseline: b.Name, Part: ss.Part, StackSet: ss.Name,
			Capabilities: ss.Capabilities, Parameters: ss.Parameters, Preferences: Preferences(b), ManagedKeys: ss.ManagedKeys}
		return d
	}
	p.checkParameters(b, ss.Parameters)
	ls := p.live.stackSet(ss.Name)
	if ls == nil {
		c := plan.Change{Action: plan.CreateStackSet, Phase: plan.PhaseBaselines, After: string(ss.Template), Tags: ss.Tags,
			Deployment: dep(), Source: p.d.sourceOf(b),
			Reason: fmt.Sprintf("baseline %q deploys its %s %q with a service-managed StackSet", b.Name, ss.Part, partName(b, ss.Part))}
		c.Deployment.Regions = ss.Regions
		p.changes = append(p.changes, c)
		p.addInstances(ss, ss.OUs, ss.Regions, "new StackSet")
		p.addAccounts(ss, ss.Accounts, ss.Regions, "new StackSet")
		return
	}
	if !Owned(ls.Tags, p.repository) {
		p.out.Diags = append(p.out.Diags, diag.Errorf("stack-set-not-owned", b.Pos,
			"StackSet %s exists and is not orgbackup's (no %s=%s tag%s); orgbackup will not deploy baseline %q through it",
			ss.Name, policy.TagManagedBy, policy.ManagedBy, repoClause(p.repository), b.Name).
			WithHint("rename the baseline, or, if its role and vault are deployed already by that StackSet, declare them with existing: true"))
		return
	}
	if ls.PermissionModel != "" && ls.PermissionModel != "SERVICE_MANAGED" {
		p.out.Diags = append(p.out.Diags, diag.Errorf("stack-set-self-managed", b.Pos,
			"StackSet %s uses %s permissions; orgbackup deploys baselines with service-managed StackSets, which reach accounts that join later", ss.Name, ls.PermissionModel).
			WithHint("delete the StackSet (its stack instances first) and let orgbackup create it again, or declare the baseline's resources with existing: true"))
		return
	}

	var why []string
	resolved, _ := ResolveKeys(ss.Template, ss.ManagedKeys, p.live.KeyARNs())
	if !SameJSON(ls.Template, string(resolved)) {
		why = append(why, "the template changed")
	}
	if !maps.Equal(nonNil(ls.Parameters), nonNil(ss.Parameters)) {
		why = append(why, "its parameters changed")
	}
	if !sameSet(ls.Capabilities, ss.Capabilities) {
		why = append(why, "its capabilities changed")
	}
	if !ls.AutoDeployment {
		why = append(why, "automatic deployment to new accounts is off")
	}
	if len(why) == 0 && ls.Operation == nil {
		// Redeploy instances a failed operation left behind; not while an
		// operation runs, when instances are OUTDATED on their way to
		// CURRENT.
		var bad []string
		for _, i := range ls.Instances {
			if !i.Healthy() && p.wanted(ss, i.Account, i.Region) {
				bad = append(bad, fmt.Sprintf("%s in %s: %s %s %s", i.Account, i.Region, i.Status, i.Detailed, i.Reason))
			}
		}
		if len(bad) > 0 {
			why = append(why, "stack instances are not CURRENT")
			p.out.Notes = append(p.out.Notes, fmt.Sprintf("StackSet %s: %d stack instances are redeployed: %s", ss.Name, len(bad), strings.Join(firstN(bad, 3), "; ")))
		}
	}
	if len(why) > 0 {
		c := plan.Change{Action: plan.UpdateStackSet, Phase: plan.PhaseBaselines, Before: canonicalJSON(ls.Template), After: string(ss.Template),
			Tags: ss.Tags, Deployment: dep(), Source: p.d.sourceOf(b),
			Reason: fmt.Sprintf("%s; StackSets roll the update out to every stack instance", strings.Join(why, ", "))}
		c.Deployment.Regions = ss.Regions
		p.changes = append(p.changes, c)
	}

	liveOUs, liveRegions := ls.instanceOUs(), ls.regions()
	if len(liveOUs) == 0 && len(ls.Instances) > 0 {
		// The StackSet records no OU (some emulators do not): an OU is
		// deployed when each of its accounts has an instance everywhere.
		for _, ou := range ss.OUs {
			if p.deployedEverywhere(ls, ou, ss.Regions) {
				liveOUs = append(liveOUs, ou)
			}
		}
	}
	newOUs := minus(ss.OUs, liveOUs)
	kept := minus(ss.OUs, newOUs)
	newRegions := minus(ss.Regions, liveRegions)
	p.addInstances(ss, newOUs, ss.Regions, "new deployment targets")
	p.addInstances(ss, kept, newRegions, "new Regions")
	var missing []AccountTarget
	for _, a := range ss.Accounts {
		for _, r := range ss.Regions {
			if !ls.has(a.ID, r) {
				missing = append(missing, a)
				break
			}
		}
	}
	p.addAccounts(ss, missing, ss.Regions, "new account targets")

	// Removals: OUs no longer targeted, Regions no longer wanted, accounts
	// no longer targeted one by one.
	parents := map[string]bool{}
	for _, a := range ss.Accounts {
		parents[a.Parent] = true
	}
	var goneOUs []string
	for _, ou := range liveOUs {
		if !slices.Contains(ss.OUs, ou) && !parents[ou] {
			goneOUs = append(goneOUs, ou)
		}
	}
	p.removeInstances(ss.Name, b, ss.Part, goneOUs, nil, liveRegions, false, "no longer a target of the baseline")
	if goneRegions := minus(liveRegions, ss.Regions); len(goneRegions) > 0 {
		stay := minus(liveOUs, goneOUs)
		var accts []string
		if len(stay) == 0 {
			accts = ls.accountsIn(goneRegions)
		}
		p.removeInstances(ss.Name, b, ss.Part, stay, accts, goneRegions, false, "Region no longer in the baseline")
	}
	for parent := range parents {
		if slices.Contains(ss.OUs, parent) {
			continue
		}
		var gone []string
		for _, i := range ls.Instances {
			if p.parentOf(i.Account) == parent && !slices.ContainsFunc(ss.Accounts, func(a AccountTarget) bool { return a.ID == i.Account }) {
				gone = append(gone, i.Account)
			}
		}
		slices.Sort(gone)
		gone = slices.Compact(gone)
		if len(gone) > 0 {
			p.removeInstances(ss.Name, b, ss.Part, []string{parent}, gone, ss.Regions, false, "account no longer a target of the baseline")
		}
	}
}

// addInstances plans CreateStackInstances for OU targets in regions, at
// most MaxOUsPerCall OUs per change.
func (p *planner) addInstances(ss *StackSet, ous, regions []string, why string) {
	if len(ous) == 0 || len(regions) == 0 {
		return
	}
	for chunk := range slices.Chunk(ous, MaxOUsPerCall) {
		p.changes = append(p.changes, plan.Change{Action: plan.AddStackInstances, Phase: plan.PhaseBaselines,
			Source: p.d.sourceOf(ss.Baseline),
			Deployment: &plan.Deployment{Baseline: ss.Baseline.Name, Part: ss.Part, StackSet: ss.Name,
				OrganizationalUnits: chunk, Regions: regions, Parameters: ss.Parameters, Preferences: Preferences(ss.Baseline)},
			Reason: fmt.Sprintf("%s: deploy %s %q to %s in %s; accounts that join these later get it automatically",
				why, ss.Part, partName(ss.Baseline, ss.Part), p.describeOUs(chunk), strings.Join(regions, ", "))})
	}
}

// addAccounts plans CreateStackInstances for account targets: their parents
// intersected with the accounts.
func (p *planner) addAccounts(ss *StackSet, accounts []AccountTarget, regions []string, why string) {
	if len(accounts) == 0 {
		return
	}
	var ids, parents []string
	for _, a := range accounts {
		ids = append(ids, a.ID)
		parents = append(parents, a.Parent)
	}
	slices.Sort(parents)
	parents = slices.Compact(parents)
	p.changes = append(p.changes, plan.Change{Action: plan.AddStackInstances, Phase: plan.PhaseBaselines,
		Source: p.d.sourceOf(ss.Baseline),
		Deployment: &plan.Deployment{Baseline: ss.Baseline.Name, Part: ss.Part, StackSet: ss.Name,
			OrganizationalUnits: parents, Accounts: ids, Regions: regions, Parameters: ss.Parameters, Preferences: Preferences(ss.Baseline)},
		Reason: fmt.Sprintf("%s: deploy %s %q to accounts %s in %s", why, ss.Part, partName(ss.Baseline, ss.Part), strings.Join(ids, ", "), strings.Join(regions, ", "))})
}

// removeInstances plans DeleteStackInstances, destructive. A role moving to
// another Region is removed first (the new instance would collide on the
// role name); everything else waits for the delete phase, after policies
// stop needing it.
func (p *planner) removeInstances(name string, b *policy.Baseline, part string, ous, accounts, regions []string, retain bool, why string) {
	if len(regions) == 0 || len(ous) == 0 && len(accounts) == 0 {
		return
	}
	phase := plan.PhaseDelete
	if part == PartRole && why == "Region no longer in the baseline" {
		phase = plan.PhaseBaselines
	}
	baseline := ""
	if b != nil {
		baseline = b.Name
	}
	emit := func(ous []string) {
		c := plan.Change{Action: plan.RemoveStackInstances, Phase: phase, Destructive: true,
			Deployment: &plan.Deployment{Baseline: baseline, Part: part, StackSet: name,
				OrganizationalUnits: ous, Accounts: accounts, Regions: regions, RetainStacks: retain},
			Reason: fmt.Sprintf("%s: remove the stack instances of %s from %s in %s%s", why, name, p.describeTargets(ous, accounts), strings.Join(regions, ", "), retainClause(retain, part))}
		if phase == plan.PhaseBaselines {
			p.pre = append(p.pre, c)
		} else {
			p.post = append(p.post, c)
		}
	}
	if len(ous) == 0 {
		emit(nil)
		return
	}
	for chunk := range slices.Chunk(ous, MaxOUsPerCall) {
		emit(chunk)
	}
}

func retainClause(retain bool, part string) string {
	switch {
	case retain:
		return "; the stacks, role and vault stay in the accounts (existing: true)"
	case part == PartVault:
		return "; the vaults stay (retained: CloudFormation cannot delete a vault that holds recovery points)"
	}
	return ""
}

func (p *planner) stack(st *Stack) {
	b := st.Baseline
	p.checkParameters(b, st.Parameters)
	dep := &plan.Deployment{Baseline: b.Name, Part: st.Part, Stack: st.Name, Account: st.Account, Region: st.Region,
		Capabilities: st.Capabilities, Parameters: st.Parameters, ManagedKeys: st.ManagedKeys}
	ls := p.live.stack(st.Name, st.Region)
	// Stacks are desired only where the management account is known.
	target := &plan.Target{ID: st.Account, Kind: org.Account.String(), Path: p.path(p.d.Management)}
	switch {
	case ls == nil:
		p.changes = append(p.changes, plan.Change{Action: plan.CreateStack, Phase: plan.PhaseBaselines, Target: target,
			After: string(st.Template), Tags: st.Tags, Deployment: dep, Source: p.d.sourceOf(b),
			Reason: fmt.Sprintf("a policy reaches the management account, which StackSets never deploy to: baseline %q deploys its %s %q there as a stack", b.Name, st.Part, partName(b, st.Part))})
	case !Owned(ls.Tags, p.repository):
		p.out.Diags = append(p.out.Diags, diag.Errorf("stack-not-owned", b.Pos,
			"stack %s in %s of the management account exists and is not orgbackup's (no %s=%s tag%s)", st.Name, st.Region, policy.TagManagedBy, policy.ManagedBy, repoClause(p.repository)).
			WithHint("rename the baseline, or, if that stack deploys the role and vault already, declare them with existing: true"))
	case failedStack(ls.Status):
		p.changes = append(p.changes, plan.Change{Action: plan.CreateStack, Phase: plan.PhaseBaselines, Target: target,
			After: string(st.Template), Tags: st.Tags, Deployment: dep, Source: p.d.sourceOf(b),
			Reason: fmt.Sprintf("stack %s is %s (%s): apply deletes it (it holds nothing) and creates it again", st.Name, ls.Status, ls.Reason)})
	default:
		resolved, _ := ResolveKeys(st.Template, st.ManagedKeys, p.live.KeyARNs())
		if !SameJSON(ls.Template, string(resolved)) || !maps.Equal(nonNil(ls.Parameters), nonNil(st.Parameters)) {
			p.changes = append(p.changes, plan.Change{Action: plan.UpdateStack, Phase: plan.PhaseBaselines, Target: target,
				Before: canonicalJSON(ls.Template), After: string(st.Template), Tags: st.Tags, Deployment: dep, Source: p.d.sourceOf(b),
				Reason: fmt.Sprintf("baseline %q: the %s template or its parameters changed", b.Name, st.Part)})
		}
	}
}

// failedStack reports whether a stack is in a state from which only
// deleting it helps.
func failedStack(status string) bool {
	return status == "ROLLBACK_COMPLETE" || status == "ROLLBACK_FAILED" || status == "CREATE_FAILED"
}

// removed plans the removal of orgbackup's StackSets and management stacks
// that no baseline needs any more. A baseline that now declares its
// resources as existing keeps them: its stack instances are removed with
// RetainStacks.
func (p *planner) removed() {
	want := map[string]bool{}
	for _, ss := range p.d.StackSets {
		want[ss.Name] = true
	}
	for _, ls := range p.live.StackSets {
		if want[ls.Name] || !isOrgbackup(ls.Name) || !Owned(ls.Tags, p.repository) {
			continue
		}
		name := ls.Tags[policy.TagBaseline]
		b := p.baseline(name)
		retain := b != nil && b.Existing
		part := PartVault
		if strings.HasSuffix(ls.Name, "-role") {
			part = PartRole
		}
		why := fmt.Sprintf("baseline %q is no longer in the repository", name)
		switch {
		case retain:
			why = fmt.Sprintf("baseline %q now declares its resources as existing", name)
		case b != nil:
			why = fmt.Sprintf("baseline %q no longer deploys this %s to member accounts", name, part)
		}
		ous := ls.instanceOUs()
		var accounts []string
		if len(ous) == 0 {
			accounts = ls.accountsIn(ls.regions())
		}
		p.removeInstances(ls.Name, b, part, ous, accounts, ls.regions(), retain, why)
		p.post = append(p.post, plan.Change{Action: plan.DeleteStackSet, Phase: plan.PhaseDelete, Destructive: true,
			Deployment: &plan.Deployment{Baseline: name, Part: part, StackSet: ls.Name},
			Reason:     why + ": delete the StackSet once its instances are gone"})
	}
	wantStack := map[string]bool{}
	for _, st := range p.d.Stacks {
		wantStack[st.Name+"\x00"+st.Region] = true
	}
	for _, ls := range p.live.Stacks {
		if wantStack[ls.Name+"\x00"+ls.Region] || !isOrgbackup(ls.Name) || !Owned(ls.Tags, p.repository) {
			continue
		}
		name := ls.Tags[policy.TagBaseline]
		if b := p.baseline(name); b != nil && b.Existing {
			p.out.Notes = append(p.out.Notes, fmt.Sprintf("stack %s in %s of the management account is no longer orgbackup's (baseline %q declares its resources as existing); it stays as it is", ls.Name, ls.Region, name))
			continue
		}
		part := PartVault
		if strings.HasSuffix(ls.Name, "-role") {
			part = PartRole
		}
		var target *plan.Target
		if p.d.Management != nil {
			target = &plan.Target{ID: p.d.Management.ID, Kind: org.Account.String(), Path: p.path(p.d.Management)}
		}
		p.post = append(p.post, plan.Change{Action: plan.DeleteStack, Phase: plan.PhaseDelete, Destructive: true, Target: target,
			Before:     canonicalJSON(ls.Template),
			Deployment: &plan.Deployment{Baseline: name, Part: part, Stack: ls.Name, Region: ls.Region},
			Reason:     fmt.Sprintf("no baseline deploys %s to the management account in %s any more%s", ls.Name, ls.Region, retainClause(false, part))})
	}
}

// wanted reports whether the StackSet of ss should have an instance in
// account and region.
func (p *planner) wanted(ss *StackSet, account, region string) bool {
	if !slices.Contains(ss.Regions, region) {
		return false
	}
	if slices.ContainsFunc(ss.Accounts, func(a AccountTarget) bool { return a.ID == account }) {
		return true
	}
	e := p.orgEntity(account)
	if e == nil {
		return false
	}
	for _, x := range p.chain(e) {
		if slices.Contains(ss.OUs, x.ID) {
			return true
		}
	}
	return false
}

// deployedEverywhere reports whether every account below ou, but the
// management account, has an instance in every region. An OU without
// accounts is never deployed by this test, so it is targeted again
// (harmlessly) rather than left out of auto-deployment.
func (p *planner) deployedEverywhere(ls *LiveStackSet, ou string, regions []string) bool {
	e := p.orgEntity(ou)
	if e == nil {
		return false
	}
	n := 0
	for _, a := range p.accountsUnder(e) {
		if p.d.Management != nil && a == p.d.Management {
			continue
		}
		n++
		for _, r := range regions {
			if !ls.has(a.ID, r) {
				return false
			}
		}
	}
	return n > 0
}

func (s *LiveStackSet) accountsIn(regions []string) []string {
	var out []string
	for _, i := range s.Instances {
		if slices.Contains(regions, i.Region) {
			out = append(out, i.Account)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *planner) checkParameters(b *policy.Baseline, params map[string]string) {
	if v, ok := params[ParamOrganizationID]; ok && v == "" {
		p.out.Diags = append(p.out.Diags, diag.Errorf("organization-id-unknown", b.Pos,
			"baseline %q lets the organization copy into its vault, but the organization's id is not known", b.Name).
			WithHint("plan against the live organization (orgbackup plan), or give the org snapshot an organization.id"))
	}
}

func (p *planner) baseline(name string) *policy.Baseline {
	for _, b := range p.repo.Baselines {
		if b.Name == name {
			return b
		}
	}
	return nil
}

func (p *planner) baselinePos(name string) doc.Pos {
	if b := p.baseline(name); b != nil {
		if b.ManagedKMSKeyPos.IsValid() {
			return b.ManagedKMSKeyPos
		}
		return b.Pos
	}
	return doc.Pos{}
}

func (p *planner) orgEntity(id string) *org.Entity {
	if p.d.org == nil {
		return nil
	}
	return p.d.org.Entity(id)
}

func (p *planner) chain(e *org.Entity) []*org.Entity { return p.d.org.Chain(e) }

func (p *planner) accountsUnder(e *org.Entity) []*org.Entity { return p.d.org.AccountsUnder(e) }

func (p *planner) parentOf(account string) string {
	if e := p.orgEntity(account); e != nil && e.Parent != nil {
		return e.Parent.ID
	}
	return ""
}

func (p *planner) path(e *org.Entity) string { return p.d.org.Path(e) }

func (p *planner) describeOUs(ids []string) string {
	var out []string
	for _, id := range ids {
		if e := p.orgEntity(id); e != nil {
			out = append(out, fmt.Sprintf("%s (%s)", p.path(e), id))
		} else {
			out = append(out, id)
		}
	}
	return strings.Join(out, ", ")
}

func (p *planner) describeTargets(ous, accounts []string) string {
	switch {
	case len(accounts) == 0:
		return p.describeOUs(ous)
	case len(ous) == 0:
		return "accounts " + strings.Join(accounts, ", ")
	}
	return fmt.Sprintf("accounts %s of %s", strings.Join(accounts, ", "), p.describeOUs(ous))
}

func partName(b *policy.Baseline, part string) string {
	if part == PartRole {
		return b.RoleName
	}
	return b.VaultName
}

func baselineList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "baseline " + q[0]
	}
	return "baselines " + strings.Join(q, ", ")
}

func repoClause(repository string) string {
	if repository == "" {
		return ""
	}
	return fmt.Sprintf(" with %s=%s", policy.TagRepository, repository)
}

// canonicalJSON renders JSON text canonically (indented, keys sorted, as
// templates are written), so a plan's Before does not depend on how AWS
// laid it out; text that does not parse is kept.
func canonicalJSON(s string) string {
	n, err := doc.Parse("", []byte(s))
	if err != nil {
		return s
	}
	return string(n.Indent())
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}
