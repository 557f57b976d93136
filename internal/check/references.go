package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// references checks that every vault and role the policy names is created,
// with exactly that name, by a baseline deployed to every target of the
// policy and, for vaults, in every Region the plan runs in. This is the
// failure AWS does not report: the plan reaches the account, and its jobs
// fail there.
func (c *checker) references(p *policy.Policy) {
	for _, ref := range backup.References(c.eff[p.Name]) {
		if ref.Account != "" && ref.Kind == backup.Vault && slices.Contains(ref.Path, "copy_actions") {
			// A copy into another account needs AWS Backup's
			// cross-account backup, wherever the policy is attached.
			c.crossAccount(p, ref)
		}
		if len(p.Targets) == 0 {
			continue
		}
		switch {
		case ref.Account != "" && ref.Kind == backup.Role:
			c.fixedAccountRole(p, ref)
		case ref.Account != "":
			// A copy destination in one account of the organization:
			// a baseline must create the vault there.
			c.provided(p, ref, []policy.Target{{Raw: ref.Account, Pos: refPos(p, ref)}})
		default:
			c.provided(p, ref, p.Targets)
		}
	}
}

func refPos(p *policy.Policy, ref backup.Ref) doc.Pos {
	if ref.Node != nil && ref.Node.Pos.IsValid() {
		return ref.Node.Pos
	}
	return p.Pos
}

// fixedAccountRole reports a selection whose role ARN names one account in
// a policy attached where it reaches others: AWS Backup in each member
// account uses a role of that account (it passes the role, and
// iam:PassRole works only for roles of the same account), so the jobs of
// every other account fail.
func (c *checker) fixedAccountRole(p *policy.Policy, ref backup.Ref) {
	for _, t := range p.Targets {
		if t.Raw == ref.Account {
			continue
		}
		c.add(diag.Errorf("role-fixed-account", refPos(p, ref), "%s names role %q in account %s, but policy %q is attached to %s, which reaches other accounts; AWS Backup there cannot use another account's role",
			ref.Where, ref.Name, ref.Account, p.Name, t.Raw).
			WithPath(configPath(p.Name, ref.Path)).WithValue(quoted(ref.Node.Text)).
			WithHint("write the ARN with $account, which AWS Backup replaces by each member account: %q", strings.Replace(ref.Node.Text, ":"+ref.Account+":", ":$account:", 1)).
			WithRelated(t.Pos, "policy "+quoted(p.Name)+" attached here"))
		return
	}
}

// crossAccount reports a copy action into another account when the
// repository does not declare cross-account backup: AWS Backup refuses the
// copy jobs in every member account, and reports it nowhere orgbackup's
// users look.
func (c *checker) crossAccount(p *policy.Policy, ref backup.Ref) {
	ob := c.repo.Organization
	if ob != nil && ob.CrossAccountBackup != nil && *ob.CrossAccountBackup {
		return
	}
	pos := refPos(p, ref)
	d := diag.Errorf("cross-account-backup", pos, "%s copies into account %s, which needs AWS Backup's cross-account backup, and the repository does not declare it",
		ref.Where, ref.Account).WithPath(configPath(p.Name, ref.Path)).WithValue(quoted(ref.Path[len(ref.Path)-1]))
	if ob != nil && ob.CrossAccountBackup != nil {
		d = diag.Errorf("cross-account-backup", pos, "%s copies into account %s, but organization.cross_account_backup is false",
			ref.Where, ref.Account).WithPath(configPath(p.Name, ref.Path)).WithRelated(ob.CrossAccountBackupPos, "cross_account_backup")
		c.add(d.WithHint("set cross_account_backup: true, or copy within the account ($account)"))
		return
	}
	c.add(d.WithHint("add organization: cross_account_backup: true (orgbackup plans the setting like any other change), or copy within the account ($account)"))
}

// provided checks that a baseline creates what ref names wherever targets
// reach: the policy's targets, or the one account a copy destination
// names.
func (c *checker) provided(p *policy.Policy, ref backup.Ref, targets []policy.Target) {
	var providers []*policy.Baseline
	var others []string
	var otherPath *policy.Baseline
	for _, b := range c.repo.Baselines {
		name := b.VaultName
		if ref.Kind == backup.Role {
			name = b.RoleName
		}
		switch {
		case name == ref.Name && ref.Kind == backup.Role && b.RolePath != ref.RolePath:
			// The ARN includes the role's path: a role of that name at
			// another path is another ARN, and AWS Backup cannot find it.
			otherPath = b
		case name == ref.Name:
			providers = append(providers, b)
		case name != "":
			others = append(others, name)
		}
	}
	pos := refPos(p, ref)
	path := configPath(p.Name, ref.Path)
	if len(providers) == 0 && otherPath != nil {
		b := otherPath
		c.add(diag.Errorf("role-path-mismatch", pos, "%s names role %q at path %q, but baseline %q creates it at path %q; the role's ARN includes its path, so AWS Backup cannot find the role",
			ref.Where, ref.Name, ref.RolePath, b.Name, b.RolePath).WithPath(path).WithValue(quoted(ref.Node.Text)).
			WithHint("set baselines.%s.role_path: %q, or write the ARN as %q", cueLabel(b.Name), ref.RolePath,
				strings.Replace(ref.Node.Text, "role"+ref.RolePath+ref.Name, "role"+b.RolePath+ref.Name, 1)).
			WithRelated(rolePathPos(b), "baseline "+quoted(b.Name)))
		return
	}
	if len(providers) == 0 {
		d := diag.Errorf(ref.Kind.String()+"-not-provided", pos, "%s names %s %q, but no baseline creates a %s of that name",
			ref.Where, ref.Kind, ref.Name, ref.Kind).WithPath(path).WithValue(quoted(ref.Name))
		if ref.Account != "" {
			d = diag.Errorf(ref.Kind.String()+"-not-provided", pos, "%s copies to vault %q in account %s, but no baseline creates a vault of that name",
				ref.Where, ref.Name, ref.Account).WithPath(path).WithValue(quoted(ref.Name))
		}
		switch best := closest(ref.Name, others); {
		case best != "":
			b := c.provider(ref.Kind, best)
			d = d.WithHint("baseline %q creates %s %q: did you mean %q? The names must match exactly, or backups in member accounts fail silently; change %s to %q, or the baseline's %s_name to %q",
				b.Name, ref.Kind, best, best, fieldOf(ref), best, ref.Kind, ref.Name).WithRelated(c.namePos(b, ref.Kind), "baseline "+quoted(b.Name))
		case ref.Account != "":
			d = d.WithHint("add a baseline that creates it in that account, where other accounts of the organization may copy into it, e.g. baselines: %q: {targets: [%q], regions: [%s], vault_name: %q, allow_copy_from_organization: true}",
				baselineName(ref.Name), ref.Account, regionList(ref.Regions), ref.Name)
		default:
			d = d.WithHint("add a baseline that creates it in every account the policy reaches, e.g. baselines: %q: {targets: [%s], regions: [%s], %s_name: %q}",
				baselineName(ref.Name), targetList(p.Targets), regionList(ref.Regions), ref.Kind, ref.Name)
		}
		c.add(d)
		return
	}

	// For each target and Region, find a baseline that covers it.
	type gap struct {
		target  policy.Target
		regions []string
		unknown bool
	}
	var gaps []gap
	regions := ref.Regions
	if ref.Kind == backup.Role || len(regions) == 0 {
		regions = []string{""}
	}
	for _, t := range targets {
		g := gap{target: t}
		for _, region := range regions {
			covered, unknown := false, false
			for _, b := range providers {
				if region != "" && !slices.Contains(b.Regions, region) {
					continue
				}
				for _, bt := range b.Targets {
					cov, known := c.r.Covers(bt, t)
					if cov {
						covered = true
					} else if !known {
						unknown = true
					}
				}
			}
			if !covered {
				g.regions = append(g.regions, region)
				g.unknown = g.unknown || unknown
			}
		}
		if len(g.regions) > 0 {
			gaps = append(gaps, g)
		}
	}
	for _, g := range gaps {
		b := providers[0]
		regionGap := g.regions[0] != ""
		coversTarget := false
		for _, pb := range providers {
			for _, bt := range pb.Targets {
				if cov, _ := c.r.Covers(bt, g.target); cov {
					coversTarget, b = true, pb
				}
			}
		}
		switch {
		case coversTarget && regionGap:
			c.add(diag.Errorf(ref.Kind.String()+"-missing-region", pos, "%s writes to vault %q in %s, but baseline %q does not create it there",
				ref.Where, ref.Name, strings.Join(g.regions, ", "), b.Name).WithPath(path).WithValue(quoted(ref.Name)).
				WithHint("add %s to baselines.%s.regions (it has %s)", regionList(g.regions), cueLabel(b.Name), regionList(b.Regions)).
				WithRelated(b.RegionsPos, "baseline "+quoted(b.Name)+" regions"))
		case g.unknown && !c.withOrg():
			c.add(diag.Warningf(ref.Kind.String()+"-coverage-unknown", g.target.Pos, "cannot tell without the organization's structure whether baseline %q (targets %s) reaches %s, where policy %q is attached",
				b.Name, targetList(b.Targets), g.target.Raw, p.Name).WithPath(path).
				WithHint("pass --org with an org snapshot, or name targets by path (Root/Workloads/Prod) so coverage can be checked offline").
				WithRelated(b.Pos, "baseline "+quoted(b.Name)))
		case g.unknown:
			// With an org snapshot coverage is unknown only for a target
			// that is not in the organization, which is reported as such.
		case ref.Account != "":
			c.add(diag.Errorf("vault-not-deployed", pos, "%s copies to vault %q in account %s (%s), but no baseline creates it there",
				ref.Where, ref.Name, ref.Account, strings.Join(g.regions, ", ")).WithPath(path).WithValue(quoted(ref.Name)).
				WithHint("add %q (or an OU above it) to the targets and %s to the regions of baselines.%s (it has targets %s and regions %s)",
					ref.Account, regionList(ref.Regions), cueLabel(b.Name), targetList(b.Targets), regionList(b.Regions)).
				WithRelated(b.Pos, "baseline "+quoted(b.Name)))
		default:
			what := fmt.Sprintf("%s %q", ref.Kind, ref.Name)
			if regionGap {
				what += " in " + strings.Join(g.regions, ", ")
			}
			c.add(diag.Errorf(ref.Kind.String()+"-not-deployed", pos, "%s names %s, but no baseline creates it in the accounts under %s, where policy %q is attached",
				ref.Where, what, g.target.Raw, p.Name).WithPath(path).WithValue(quoted(ref.Name)).
				WithHint("add %q (or a parent of it) to baselines.%s.targets (it has %s)", g.target.Raw, cueLabel(b.Name), targetList(b.Targets)).
				WithRelated(g.target.Pos, "policy "+quoted(p.Name)+" attached here").
				WithRelated(b.Pos, "baseline "+quoted(b.Name)))
		}
	}
}

func (c *checker) provider(k backup.RefKind, name string) *policy.Baseline {
	for _, b := range c.repo.Baselines {
		if k == backup.Vault && b.VaultName == name || k == backup.Role && b.RoleName == name {
			return b
		}
	}
	return nil
}

func rolePathPos(b *policy.Baseline) doc.Pos {
	if b.RolePathPos.IsValid() {
		return b.RolePathPos
	}
	if b.RoleNamePos.IsValid() {
		return b.RoleNamePos
	}
	return b.Pos
}

// withOrg reports whether targets are judged against an org snapshot.
func (c *checker) withOrg() bool {
	_, byName := c.r.(NameResolver)
	return !byName
}

func (c *checker) namePos(b *policy.Baseline, k backup.RefKind) doc.Pos {
	if k == backup.Role && b.RoleNamePos.IsValid() {
		return b.RoleNamePos
	}
	if k == backup.Vault && b.VaultNamePos.IsValid() {
		return b.VaultNamePos
	}
	return b.Pos
}

func fieldOf(ref backup.Ref) string {
	if len(ref.Path) == 0 {
		return "the reference"
	}
	last := ref.Path[len(ref.Path)-1]
	if strings.HasPrefix(last, "arn:") {
		return "the copy action's vault ARN"
	}
	return last
}

func targetList(ts []policy.Target) string {
	var q []string
	for _, t := range ts {
		q = append(q, quoted(t.Raw))
	}
	return strings.Join(q, ", ")
}

func regionList(rs []string) string {
	var q []string
	for _, r := range rs {
		if r != "" {
			q = append(q, quoted(r))
		}
	}
	return strings.Join(q, ", ")
}

// baselineName suggests a valid baseline name for a vault or role name.
func baselineName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "backup"
	}
	return name[:min(len(name), 40)]
}
