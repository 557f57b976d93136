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
		if ref.Account != "" {
			// A fixed account id names a central vault or role (a
			// cross-account copy destination); member baselines do not
			// create those. A copy there needs AWS Backup's
			// cross-account backup, though.
			if ref.Kind == backup.Vault && slices.Contains(ref.Path, "copy_actions") {
				c.crossAccount(p, ref)
			}
			continue
		}
		if len(p.Targets) == 0 {
			continue
		}
		c.provided(p, ref)
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
	pos := p.Pos
	if ref.Node != nil && ref.Node.Pos.IsValid() {
		pos = ref.Node.Pos
	}
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

func (c *checker) provided(p *policy.Policy, ref backup.Ref) {
	var providers []*policy.Baseline
	var others []string
	for _, b := range c.repo.Baselines {
		name := b.VaultName
		if ref.Kind == backup.Role {
			name = b.RoleName
		}
		switch {
		case name == ref.Name:
			providers = append(providers, b)
		case name != "":
			others = append(others, name)
		}
	}
	pos := p.Pos
	if ref.Node != nil && ref.Node.Pos.IsValid() {
		pos = ref.Node.Pos
	}
	path := configPath(p.Name, ref.Path)
	if len(providers) == 0 {
		d := diag.Errorf(ref.Kind.String()+"-not-provided", pos, "%s names %s %q, but no baseline creates a %s of that name",
			ref.Where, ref.Kind, ref.Name, ref.Kind).WithPath(path).WithValue(quoted(ref.Name))
		if best := closest(ref.Name, others); best != "" {
			b := c.provider(ref.Kind, best)
			d = d.WithHint("baseline %q creates %s %q: did you mean %q? The names must match exactly, or backups in member accounts fail silently; change %s to %q, or the baseline's %s_name to %q",
				b.Name, ref.Kind, best, best, fieldOf(ref), best, ref.Kind, ref.Name).WithRelated(c.namePos(b, ref.Kind), "baseline "+quoted(b.Name))
		} else {
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
	for _, t := range p.Targets {
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
		case g.unknown:
			c.add(diag.Warningf(ref.Kind.String()+"-coverage-unknown", g.target.Pos, "cannot tell without the organization's structure whether baseline %q (targets %s) reaches %s, where policy %q is attached",
				b.Name, targetList(b.Targets), g.target.Raw, p.Name).WithPath(path).
				WithHint("pass --org with an org snapshot, or name targets by path (Root/Workloads/Prod) so coverage can be checked offline").
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
