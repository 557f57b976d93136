package doctor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Expect is what one account needs for its backups to work.
type Expect struct {
	Account    string
	Path       string
	OrgID      string
	Management bool
	Roles      []RoleExpect
	Vaults     []VaultExpect
	// Plans maps each Region to the backup plans the effective policy
	// creates there.
	Plans map[string][]string
	// Regions are the Regions the effective policy runs plans in, sorted.
	Regions []string
}

// RoleExpect is a role the effective policy's selections name.
type RoleExpect struct {
	Name string
	// Baseline is the baseline that provides it, "" if none does;
	// Existing when that baseline declares it as existing.
	Baseline string
	Existing bool
	// Policies are the managed policy ARNs it should have.
	Policies []string
}

// VaultExpect is a vault the effective policy writes to in one Region.
type VaultExpect struct {
	Name     string
	Region   string
	Baseline string
	Existing bool
	// KeyARN is the key the baseline gives the vault, "" when it names
	// none (AWS Backup's default key, or unknown).
	KeyARN     string
	ManagedKey bool
	// OrgCopy: the vault must let the organization's accounts copy into
	// it (allow_copy_from_organization, or a copy destination of another
	// account's rules).
	OrgCopy bool
}

// The AWS managed policies AWS Backup's role needs (aws-backup-policies.md
// §5), as attached in the aws partition.
var defaultPolicies = []string{
	"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
	"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
}

// Expectations works out what account needs from its effective backup
// policy in the desired organization (the repository's policies at their
// targets) and the baselines that cover it. managedKeys maps each Region to
// the ARN of orgbackup's managed key there, where it exists.
func Expectations(desired *org.Org, repo *policy.Repo, account string, managedKeys map[string]string) (*Expect, error) {
	a := desired.Entity(account)
	if a == nil || a.Kind != org.Account {
		return nil, fmt.Errorf("account %s is not in the organization", account)
	}
	eng := effective.NewEngine(desired, policy.Type)
	eff := eng.Effective(eng.State(a))
	e := &Expect{Account: account, Path: desired.Path(a), OrgID: desired.Info.ID, Plans: map[string][]string{},
		Management: desired.Info.ManagementAccountID == account}
	if effective.Empty(eff) {
		return e, nil
	}
	provided := effective.NewBaselines(desired, repo.Baselines).For(a)
	regions := map[string]bool{}
	if plans := eff.GetFold("plans"); plans != nil && plans.Kind == doc.Object {
		for _, f := range plans.Fields {
			rs, _ := f.Value.GetFold("regions").Strings()
			for _, r := range rs {
				e.Plans[r] = append(e.Plans[r], f.Key)
				regions[r] = true
			}
		}
	}
	for r := range regions {
		e.Regions = append(e.Regions, r)
	}
	slices.Sort(e.Regions)
	for _, ref := range backup.References(eff) {
		if ref.Account != "" && ref.Account != account {
			continue
		}
		switch ref.Kind {
		case backup.Role:
			if slices.ContainsFunc(e.Roles, func(r RoleExpect) bool { return r.Name == ref.Name }) {
				continue
			}
			re := RoleExpect{Name: ref.Name, Policies: slices.Clone(defaultPolicies)}
			if b := providerOf(provided, func(b *policy.Baseline) bool { return b.RoleName == ref.Name }); b != nil {
				re.Baseline, re.Existing = b.Name, b.Existing
				re.Policies = append(re.Policies, b.RoleManagedPolicyARNs...)
			}
			e.Roles = append(e.Roles, re)
		case backup.Vault:
			for _, r := range ref.Regions {
				if i := slices.IndexFunc(e.Vaults, func(v VaultExpect) bool { return v.Name == ref.Name && v.Region == r }); i >= 0 {
					e.Vaults[i].OrgCopy = e.Vaults[i].OrgCopy || ref.Account == account
					continue
				}
				ve := VaultExpect{Name: ref.Name, Region: r, OrgCopy: ref.Account == account}
				if b := providerOf(provided, func(b *policy.Baseline) bool { return b.VaultName == ref.Name && slices.Contains(b.Regions, r) }); b != nil {
					ve.Baseline, ve.Existing = b.Name, b.Existing
					ve.OrgCopy = ve.OrgCopy || b.AllowCopyFromOrganization
					switch {
					case b.VaultKMSKeyARN != "":
						ve.KeyARN = strings.NewReplacer("$region", r, "$account", account).Replace(b.VaultKMSKeyARN)
					case b.ManagedKMSKey:
						ve.ManagedKey = true
						ve.KeyARN = managedKeys[r]
					}
				}
				e.Vaults = append(e.Vaults, ve)
			}
		}
	}
	slices.SortFunc(e.Vaults, func(x, y VaultExpect) int {
		if c := strings.Compare(x.Region, y.Region); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return e, nil
}

func providerOf(bs []*policy.Baseline, ok func(*policy.Baseline) bool) *policy.Baseline {
	for _, b := range bs {
		if ok(b) {
			return b
		}
	}
	return nil
}
