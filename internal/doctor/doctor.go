package doctor

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Status is the result of one check.
type Status string

// The results of a check.
const (
	OK      Status = "ok"
	Gap     Status = "gap"     // backups fail or will fail: the fix says what to do
	Unknown Status = "unknown" // could not be checked from here; the detail says why
)

// Check is one thing doctor looked at.
type Check struct {
	Status Status `json:"status"`
	Region string `json:"region,omitempty"`
	// What names the thing checked: `role "backup" trusts AWS Backup`.
	What   string `json:"what"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
}

// Report is doctor's finding for one account.
type Report struct {
	Account string  `json:"account"`
	Path    string  `json:"path"`
	Checks  []Check `json:"checks"`
}

// Gaps counts the checks that found a gap.
func (r *Report) Gaps() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == Gap {
			n++
		}
	}
	return n
}

// Run compares what the account needs with what it has.
func Run(e *Expect, f *Facts) *Report {
	r := &Report{Account: e.Account, Path: e.Path}
	add := func(c Check) { r.Checks = append(r.Checks, c) }
	if len(e.Plans) == 0 {
		add(Check{Status: Gap, What: "a backup policy reaches the account",
			Detail: "no backup policy of the repository or the organization reaches " + e.Account + ", so AWS Backup has no plan to run there",
			Fix:    "attach a policy to the account, its OU or the root (targets in the repository), then orgbackup plan and apply"})
		return r
	}
	for _, re := range e.Roles {
		checkRole(add, e, re, f)
	}
	for _, ve := range e.Vaults {
		checkVault(add, e, ve, f)
	}
	for _, region := range e.Regions {
		checkPlans(add, e, region, f)
	}
	// Global checks (the roles) first, then Region by Region.
	slices.SortStableFunc(r.Checks, func(a, b Check) int { return strings.Compare(a.Region, b.Region) })
	return r
}

func deployHint(baseline string, existing bool, what string) string {
	switch {
	case baseline == "":
		return fmt.Sprintf("no baseline provides %s here: add one that targets this account (orgbackup validate --org shows which are missing), then orgbackup apply", what)
	case existing:
		return fmt.Sprintf("baseline %q declares %s as existing, so orgbackup does not create it: create it in the account, or remove existing: true and let orgbackup deploy it", baseline, what)
	}
	return fmt.Sprintf("baseline %q deploys %s: run orgbackup apply, and orgbackup status to see its stack instance in this account", baseline, what)
}

func checkRole(add func(Check), e *Expect, re RoleExpect, f *Facts) {
	what := fmt.Sprintf("role %q", re.Name)
	role := f.Roles[re.Name]
	switch {
	case f.RoleErrs[re.Name] != "":
		add(Check{Status: Unknown, What: what + " exists", Detail: f.RoleErrs[re.Name]})
		return
	case role == nil:
		add(Check{Status: Gap, What: what + " exists", Detail: "the backup selections assume " + what + ", which is not in the account: every backup job fails",
			Fix: deployHint(re.Baseline, re.Existing, what)})
		return
	}
	add(Check{Status: OK, What: what + " exists", Detail: role.ARN})
	if allows(role.Trust, "sts:AssumeRole", func(p principal) bool { return p.service("backup.amazonaws.com") }, nil) {
		add(Check{Status: OK, What: what + " trusts AWS Backup"})
	} else {
		add(Check{Status: Gap, What: what + " trusts AWS Backup", Detail: "its trust policy does not let backup.amazonaws.com assume it",
			Fix: fmt.Sprintf(`aws iam update-assume-role-policy --role-name %s --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}'`, re.Name)})
	}
	for _, want := range re.Policies {
		name := want[strings.LastIndex(want, "/")+1:]
		if slices.ContainsFunc(role.Policies, func(have string) bool { return samePolicy(have, want) }) {
			add(Check{Status: OK, What: fmt.Sprintf("%s has %s", what, name)})
			continue
		}
		add(Check{Status: Gap, What: fmt.Sprintf("%s has %s", what, name), Detail: "the managed policy is not attached, so AWS Backup lacks permissions it needs",
			Fix: fmt.Sprintf("aws iam attach-role-policy --role-name %s --policy-arn %s", re.Name, want)})
	}
}

// samePolicy compares managed policy ARNs across partitions.
func samePolicy(a, b string) bool {
	strip := func(s string) string {
		if i := strings.Index(s, ":iam::"); i >= 0 {
			return s[i:]
		}
		return s
	}
	return strip(a) == strip(b)
}

func checkVault(add func(Check), e *Expect, ve VaultExpect, f *Facts) {
	what := fmt.Sprintf("vault %q", ve.Name)
	key := VaultKey{ve.Region, ve.Name}
	if msg := f.VaultErrs[key]; msg != "" {
		add(Check{Status: Unknown, Region: ve.Region, What: what + " exists", Detail: msg})
		return
	}
	v := f.Vaults[key]
	if v == nil {
		add(Check{Status: Gap, Region: ve.Region, What: what + " exists",
			Detail: fmt.Sprintf("the backup rules write to %s in %s, which is not in the account: backup jobs there fail", what, ve.Region),
			Fix:    deployHint(ve.Baseline, ve.Existing, what+" in "+ve.Region)})
		return
	}
	add(Check{Status: OK, Region: ve.Region, What: what + " exists", Detail: v.ARN})
	switch {
	case ve.KeyARN != "" && v.KeyARN != ve.KeyARN:
		add(Check{Status: Gap, Region: ve.Region, What: what + " uses the baseline's key",
			Detail: fmt.Sprintf("it is encrypted with %s, the baseline says %s; a vault's key cannot change", orNone(v.KeyARN), ve.KeyARN),
			Fix:    "recovery points stay with the key they were made with: create a vault with the right key under another name and point the rules at it, or change the baseline to the key the vault has"})
	case ve.ManagedKey && ve.KeyARN == "":
		add(Check{Status: Unknown, Region: ve.Region, What: what + " uses orgbackup's key", Detail: "orgbackup's key in " + ve.Region + " does not exist yet", Fix: "orgbackup apply creates it"})
	case ve.KeyARN != "":
		add(Check{Status: OK, Region: ve.Region, What: what + " uses the baseline's key", Detail: v.KeyARN})
	}
	if v.KeyARN != "" {
		checkKey(add, e, ve, v, f.Keys[v.KeyARN])
	}
	if ve.OrgCopy {
		copyOK := allows(v.AccessPolicy, "backup:CopyIntoBackupVault", func(p principal) bool { return p.any() || p.account(e.Account) }, func(c condition) bool {
			return c.equals("aws:PrincipalOrgID", e.OrgID) || c.empty()
		})
		if copyOK {
			add(Check{Status: OK, Region: ve.Region, What: what + " accepts copies from the organization"})
		} else {
			add(Check{Status: Gap, Region: ve.Region, What: what + " accepts copies from the organization",
				Detail: "its access policy does not allow backup:CopyIntoBackupVault for the organization's accounts, so copies into it fail",
				Fix: fmt.Sprintf(`aws backup put-backup-vault-access-policy --region %s --backup-vault-name %s --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"backup:CopyIntoBackupVault","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"%s"}}}]}' (or allow_copy_from_organization: true on the baseline)`,
					ve.Region, ve.Name, e.OrgID)})
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "no key"
	}
	return s
}

// backupKeyActions are what AWS Backup needs of a vault's key
// (aws-backup-policies.md §5: at least CreateGrant, GenerateDataKey,
// Decrypt).
var backupKeyActions = []string{"kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"}

func checkKey(add func(Check), e *Expect, ve VaultExpect, v *Vault, k *Key) {
	what := fmt.Sprintf("key of vault %q is usable by AWS Backup", ve.Name)
	switch {
	case k == nil:
		add(Check{Status: Unknown, Region: ve.Region, What: what, Detail: "the key " + v.KeyARN + " could not be described"})
		return
	case k.State != "" && k.State != "Enabled":
		add(Check{Status: Gap, Region: ve.Region, What: what, Detail: fmt.Sprintf("key %s is %s: backups into the vault fail", k.ARN, k.State),
			Fix: fmt.Sprintf("in the key's account: aws kms cancel-key-deletion --key-id %s; aws kms enable-key --key-id %s", k.ARN, k.ARN)})
		return
	case k.Manager == "AWS":
		add(Check{Status: OK, Region: ve.Region, What: what, Detail: "an AWS managed key"})
		return
	case k.Policy == "":
		add(Check{Status: Unknown, Region: ve.Region, What: what, Detail: "its key policy could not be read: " + k.PolicyErr})
		return
	}
	owner := accountOf(k.ARN)
	var missing []string
	for _, act := range backupKeyActions {
		ok := allows(k.Policy, act, func(p principal) bool {
			return p.account(e.Account) || p.any() || owner == e.Account && p.account(owner)
		}, func(c condition) bool {
			return c.empty() || c.equals("aws:PrincipalOrgID", e.OrgID) || c.like("kms:ViaService", "backup.") || c.equals("kms:CallerAccount", e.Account)
		})
		if !ok {
			missing = append(missing, act)
		}
	}
	if len(missing) == 0 {
		add(Check{Status: OK, Region: ve.Region, What: what, Detail: k.ARN})
		return
	}
	add(Check{Status: Gap, Region: ve.Region, What: what,
		Detail: fmt.Sprintf("the policy of key %s does not let account %s use %s through AWS Backup: jobs succeed but back nothing up", k.ARN, e.Account, strings.Join(missing, ", ")),
		Fix:    "add a key policy statement allowing kms:Decrypt, kms:GenerateDataKey* and kms:CreateGrant to the organization (aws:PrincipalOrgID) with kms:ViaService backup." + ve.Region + ".amazonaws.com, or use managed_kms_key: true, whose key policy does"})
}

func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 4 {
		return parts[4]
	}
	return ""
}

func checkPlans(add func(Check), e *Expect, region string, f *Facts) {
	if msg := f.PlanErrs[region]; msg != "" {
		add(Check{Status: Unknown, Region: region, What: "the organization's backup plans are in the account", Detail: msg})
		return
	}
	for _, want := range e.Plans[region] {
		what := fmt.Sprintf("backup plan %q is in the account", want)
		if slices.ContainsFunc(f.Plans[region], func(have string) bool { return strings.EqualFold(have, want) }) {
			add(Check{Status: OK, Region: region, What: what})
			continue
		}
		add(Check{Status: Gap, Region: region, What: what,
			Detail: "the effective backup policy creates it, but AWS Backup does not show it in " + region,
			Fix:    "check that the effective policy is valid (orgbackup status; an invalid one keeps the account on its last valid plans) and applied (orgbackup plan shows no change); Organizations can take a few minutes to propagate a change"})
	}
}

// --- policy documents ---------------------------------------------------------

type principal struct {
	star     bool
	aws      []string
	services []string
}

func (p principal) any() bool { return p.star || slices.Contains(p.aws, "*") }

func (p principal) service(s string) bool { return slices.Contains(p.services, s) }

func (p principal) account(id string) bool {
	for _, a := range p.aws {
		if a == id || strings.HasPrefix(a, "arn:") && accountOf(a) == id {
			return true
		}
	}
	return false
}

type condition map[string]map[string][]string // operator → key → values

func (c condition) empty() bool { return len(c) == 0 }

// equals reports whether the condition requires key to equal value (and
// nothing this doctor cannot evaluate).
func (c condition) equals(key, value string) bool {
	return c.onlyKeyIn(key, func(op string, vs []string) bool {
		return strings.HasPrefix(op, "StringEquals") && slices.Contains(vs, value)
	})
}

// like reports whether the condition restricts key to values starting with
// prefix.
func (c condition) like(key, prefix string) bool {
	return c.onlyKeyIn(key, func(op string, vs []string) bool {
		return strings.HasPrefix(op, "String") && slices.ContainsFunc(vs, func(v string) bool { return strings.HasPrefix(v, prefix) })
	})
}

// onlyKeyIn reports whether key is constrained acceptably by ok, and every
// other key of the condition is one doctor knows the caller satisfies
// (aws:PrincipalOrgID, kms:ViaService for AWS Backup, grant conditions).
func (c condition) onlyKeyIn(key string, ok func(op string, vs []string) bool) bool {
	found := false
	for op, keys := range c {
		for k, vs := range keys {
			switch {
			case strings.EqualFold(k, key):
				if !ok(op, vs) {
					return false
				}
				found = true
			case strings.EqualFold(k, "aws:PrincipalOrgID"), strings.EqualFold(k, "kms:ViaService"), strings.EqualFold(k, "kms:GrantIsForAWSResource"), strings.EqualFold(k, "kms:CallerAccount"):
			default:
				return false
			}
		}
	}
	return found
}

// allows reports whether an IAM policy document has an Allow statement for
// action whose principal satisfies who and whose condition satisfies cond
// (nil: any condition). It reads the common shapes; what it cannot read
// counts as not allowing.
func allows(policy, action string, who func(principal) bool, cond func(condition) bool) bool {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(policy), &d) != nil || len(d.Statement) == 0 {
		return false
	}
	var sts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &sts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return false
		}
		sts = []map[string]json.RawMessage{one}
	}
	for _, st := range sts {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" || !matchAction(strings1(st["Action"]), action) {
			continue
		}
		if !who(parsePrincipal(st["Principal"])) {
			continue
		}
		c := condition{}
		if raw, ok := st["Condition"]; ok {
			var m map[string]map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				continue
			}
			for op, keys := range m {
				c[op] = map[string][]string{}
				for k, v := range keys {
					c[op][k] = strings1(v)
				}
			}
		}
		if cond == nil || cond(c) {
			return true
		}
	}
	return false
}

func matchAction(actions []string, want string) bool {
	for _, a := range actions {
		if ok, _ := path.Match(strings.ToLower(a), strings.ToLower(want)); ok {
			return true
		}
		// "kms:GenerateDataKey*" covers kms:GenerateDataKey.
		if strings.HasSuffix(a, "*") && strings.HasPrefix(strings.ToLower(want), strings.ToLower(strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

func parsePrincipal(raw json.RawMessage) principal {
	var p principal
	var s string
	if json.Unmarshal(raw, &s) == nil {
		p.star = s == "*"
		return p
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return p
	}
	p.aws = strings1(m["AWS"])
	p.services = strings1(m["Service"])
	return p
}

// strings1 reads a JSON string or list of strings (or of booleans, as
// condition values sometimes are).
func strings1(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return []string{fmt.Sprint(b)}
	}
	var list []any
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, v := range list {
		out = append(out, fmt.Sprint(v))
	}
	return out
}
