package check

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/region"
)

// The checks in this file catch definitions that validate in form but
// fail when deployed: AWS or CloudFormation refuses them, or they deploy
// and then do nothing.

// regions reports Region codes AWS does not have, wherever a Region is
// named: a plan's regions, a copy destination's ARN, a baseline's regions,
// a KMS key ARN. The same typo in a policy and its baseline passes the
// reference checks; the plan then runs nowhere and the StackSet fails.
func (c *checker) regions() {
	var declared []string
	for _, t := range c.repo.NewRegions {
		declared = append(declared, t.Raw)
	}
	check := func(code string, pos doc.Pos, path, value string) {
		if !region.Shaped(code) || region.Known(code, declared) {
			return
		}
		hint := fmt.Sprintf("if AWS opened it after this release of orgbackup, declare it: new_regions: [%q]", code)
		if best := region.Closest(code, declared); best != "" {
			hint = fmt.Sprintf("did you mean %q? ", best) + hint
		}
		d := diag.Errorf("unknown-region", pos, "%q is not an AWS Region", code).WithHint("%s", hint).WithValue(value)
		if path != "" {
			d = d.WithPath(path)
		}
		c.add(d)
	}
	for _, p := range c.repo.Policies {
		plans := c.eff[p.Name].GetFold("plans")
		if plans == nil || plans.Kind != doc.Object {
			continue
		}
		for _, pf := range plans.Fields {
			rs := pf.Value.GetFold("regions")
			if rs == nil || rs.Kind != doc.Array {
				continue
			}
			for i, it := range rs.Items {
				if it.Kind == doc.String {
					check(it.Text, orPos(it.Pos, p.Pos), configPath(p.Name, []string{"plans", pf.Key, "regions", fmt.Sprint(i)}), quoted(it.Text))
				}
			}
		}
		for _, ref := range backup.References(c.eff[p.Name]) {
			if ref.Kind == backup.Vault && len(ref.Path) >= 2 && ref.Path[len(ref.Path)-2] == "copy_actions" {
				for _, r := range ref.Regions {
					check(r, refPos(p, ref), configPath(p.Name, ref.Path), quoted(ref.Node.Text))
				}
			}
		}
	}
	for _, b := range c.repo.Baselines {
		for i, r := range b.Regions {
			pos := b.RegionsPos
			if i < len(b.RegionPos) {
				pos = b.RegionPos[i]
			}
			check(r, orPos(pos, b.Pos), fmt.Sprintf("baselines.%s.regions.%d", cueLabel(b.Name), i), quoted(r))
		}
		if r := kmsRegion(b.VaultKMSKeyARN); r != "" {
			check(r, orPos(b.VaultKMSKeyARNPos, b.Pos), fmt.Sprintf("baselines.%s.vault_kms_key_arn", cueLabel(b.Name)), quoted(b.VaultKMSKeyARN))
		}
	}
	for _, t := range c.repo.NewRegions {
		if region.Known(t.Raw, nil) {
			c.add(diag.Warningf("known-region", t.Pos, "new_regions declares %q, which this release of orgbackup already knows", t.Raw).
				WithHint("remove it from new_regions"))
		}
	}
}

var kmsARNRe = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:kms:([^:]+):`)

// kmsRegion returns the Region of a KMS key ARN, or "" for $region or
// something that is not a KMS ARN.
func kmsRegion(arn string) string {
	m := kmsARNRe.FindStringSubmatch(arn)
	if m == nil || m[1] == "$region" {
		return ""
	}
	return m[1]
}

// kmsRegions reports a vault key pinned to one Region in a baseline that
// creates its vault in others: a KMS key works only in its own Region, so
// the vault stacks of the other Regions fail.
func (c *checker) kmsRegions() {
	for _, b := range c.repo.Baselines {
		kr := kmsRegion(b.VaultKMSKeyARN)
		if kr == "" || b.VaultName == "" {
			continue
		}
		var others []string
		for _, r := range b.Regions {
			if r != kr {
				others = append(others, r)
			}
		}
		if len(others) == 0 {
			continue
		}
		c.add(diag.Errorf("kms-key-region", orPos(b.VaultKMSKeyARNPos, b.Pos),
			"vault_kms_key_arn of baseline %q is a key in %s, but the baseline creates its vault in %s too; a KMS key can encrypt only in its own Region, so the vault cannot be created there",
			b.Name, kr, strings.Join(others, ", ")).
			WithPath(fmt.Sprintf("baselines.%s.vault_kms_key_arn", cueLabel(b.Name))).WithValue(quoted(b.VaultKMSKeyARN)).
			WithHint("write the ARN with $region (%q) and have a key of that id in every Region (a multi-Region key and its replicas share one), or create the vault in %s only",
				strings.Replace(b.VaultKMSKeyARN, ":kms:"+kr+":", ":kms:$region:", 1), kr).
			WithRelated(b.RegionsPos, "baseline "+quoted(b.Name)+" regions"))
	}
}

// overlappingBaselines reports two baselines that create the same role, or
// the same vault in the same Region, in the same accounts: each baseline
// is its own StackSet, and the second one's stacks fail there because the
// role or vault already exists.
func (c *checker) overlappingBaselines() {
	bs := c.repo.Baselines
	for i := 0; i < len(bs); i++ {
		for j := i + 1; j < len(bs); j++ {
			a, b := bs[i], bs[j]
			if a.Existing && b.Existing {
				// Both only declare what exists: nothing is deployed
				// twice.
				continue
			}
			where, ok := c.baselineOverlap(a, b)
			if !ok {
				continue
			}
			if a.RoleName != "" && a.RoleName == b.RoleName {
				c.add(diag.Errorf("baseline-overlap", orPos(b.RoleNamePos, b.Pos),
					"baselines %q and %q both create role %q in the accounts under %s; the second one's stacks fail there because the role already exists",
					a.Name, b.Name, b.RoleName, where).
					WithHint("create the role in one baseline: remove role_name from one of them, or give them targets that do not overlap").
					WithRelated(orPos(a.RoleNamePos, a.Pos), "baseline "+quoted(a.Name)))
			}
			if a.VaultName != "" && a.VaultName == b.VaultName {
				var shared []string
				for _, r := range b.Regions {
					if slices.Contains(a.Regions, r) {
						shared = append(shared, r)
					}
				}
				if len(shared) == 0 {
					continue
				}
				c.add(diag.Errorf("baseline-overlap", orPos(b.VaultNamePos, b.Pos),
					"baselines %q and %q both create vault %q in %s in the accounts under %s; the second one's stacks fail there because the vault already exists",
					a.Name, b.Name, b.VaultName, strings.Join(shared, ", "), where).
					WithHint("create the vault in one baseline: drop the shared Regions from one of them, remove its vault_name, or give them targets that do not overlap").
					WithRelated(orPos(a.VaultNamePos, a.Pos), "baseline "+quoted(a.Name)))
			}
		}
	}
}

// baselineOverlap finds a target reached by both baselines. Targets whose
// coverage cannot be told (ids without an org snapshot) do not count.
func (c *checker) baselineOverlap(a, b *policy.Baseline) (string, bool) {
	for _, ta := range a.Targets {
		for _, tb := range b.Targets {
			if cov, known := c.r.Covers(ta, tb); cov && known {
				return tb.Raw, true
			}
			if cov, known := c.r.Covers(tb, ta); cov && known {
				return ta.Raw, true
			}
		}
	}
	return "", false
}

// organization checks targets against the organization when an org
// snapshot says what it holds: every target must exist; and it notes
// that backup policies are not enabled, which plan enables first.
func (c *checker) organization() {
	lookup := func(owner string, t policy.Target) {
		if problem, hint := c.r.Lookup(t); problem != "" {
			d := diag.Errorf("unknown-target", t.Pos, "%s is attached to %q: %s", owner, t.Raw, problem).WithValue(quoted(t.Raw))
			if hint != "" {
				d = d.WithHint("%s", hint)
			} else {
				d = d.WithHint("name an entity of the organization: \"Root\", an OU path, or an id from the snapshot")
			}
			c.add(d)
		}
	}
	var first *policy.Target
	for _, p := range c.repo.Policies {
		for i, t := range p.Targets {
			lookup("policy "+quoted(p.Name), t)
			if first == nil {
				first = &p.Targets[i]
			}
		}
	}
	for _, b := range c.repo.Baselines {
		for _, t := range b.Targets {
			lookup("baseline "+quoted(b.Name), t)
		}
	}
	if enabled, known := c.r.Enabled(); known && !enabled && first != nil {
		// Nothing can be attached before the type is enabled; orgbackup
		// plan enables it first (a prerequisite, see package plan), so
		// this is said, not refused.
		c.add(diag.Diagnostic{Severity: diag.Notice, Code: "backup-policies-disabled", Pos: first.Pos,
			Message: "the organization has not enabled backup policies (BACKUP_POLICY is not among its root's policy types); no policy can be attached until it is",
			Hint:    "orgbackup plan enables the type on the root before it attaches anything (EnablePolicyType); apply needs permission to do so"})
	}
}

// bareValues reports a policy JSON document dropped into the policy
// directory that writes a setting as a bare value. AWS documents every
// setting of a policy as an operator object ({"@@assign": value}; SYNTAX:
// each key "contains the @@assign inheritance value operator"); a bare
// value is what an effective policy looks like, and "you can't directly
// use the contents of a displayed effective policy as the contents of a
// new policy" (Org UG, "Policy syntax and inheritance"). orgbackup reads a
// bare value as @@assign, the operator the console's visual editor writes
// ("The visual editor uses only the @@assign value-setting operator"), and
// build sends it that way; the warning says the file is not what AWS
// would be sent verbatim.
func (c *checker) bareValues() {
	for _, p := range c.repo.Policies {
		if p.Plans == nil || !strings.HasSuffix(p.Plans.Pos.File, ".json") {
			continue
		}
		var first *doc.Node
		count := 0
		backup.MapSettings(p.Plans, backup.Plans, func(n *doc.Node, s *backup.Spec) *doc.Node {
			if n.Kind != doc.Object {
				if first == nil {
					first = n
				}
				count++
			}
			return n
		})
		if first == nil {
			continue
		}
		c.add(diag.Warningf("bare-value", orPos(first.Pos, p.Pos),
			"policy %q writes %d %s as bare values, the form of an effective policy; orgbackup reads each as {\"@@assign\": value}, which build sends to AWS",
			p.Name, count, pluralWord(count, "setting", "settings")).
			WithValue(first.Scalar()).
			WithHint("write {\"@@assign\": %s} to say so (AWS documents every setting of a policy as an operator object), or convert the file with `orgbackup import --json %s`", first.Compact(), p.Plans.Pos.File))
	}
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orPos(p, fallback doc.Pos) doc.Pos {
	if p.IsValid() {
		return p
	}
	return fallback
}
