// Package observe reads what status and doctor look at, through the
// adapters: the baselines deployed (StackSets, management stacks, keys) and
// the jobs of the organization for status; the role, vaults, keys and
// backup plans of one account for doctor. It decides what to read; the
// adapters decide how, and the status and doctor packages judge.
package observe

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awsiam"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doctor"
	"github.com/orgbackup/orgbackup/internal/status"
)

// Account gives the clients of one account, per Region where the service
// is regional.
type Account struct {
	ID     string
	IAM    awsiam.RoleAPI
	Backup func(region string) awsbackup.VaultAPI
	KMS    func(region string) awskms.DescribeAPI
}

// DoctorFacts reads what e asks about in member (through a role assumed
// into it). Keys of the management account are read with mgmt's clients:
// a member may use orgbackup's key through AWS Backup but not read its
// policy. Nothing that fails to read stops the others; it is reported as
// unknown.
func DoctorFacts(ctx context.Context, member, mgmt *Account, e *doctor.Expect) *doctor.Facts {
	f := &doctor.Facts{Account: member.ID, Roles: map[string]*doctor.Role{}, RoleErrs: map[string]string{},
		Vaults: map[doctor.VaultKey]*doctor.Vault{}, VaultErrs: map[doctor.VaultKey]string{},
		Keys: map[string]*doctor.Key{}, Plans: map[string][]string{}, PlanErrs: map[string]string{}}
	for _, r := range e.Roles {
		role, err := awsiam.ReadRole(ctx, member.IAM, r.Name)
		if err != nil {
			f.RoleErrs[r.Name] = err.Error()
			continue
		}
		if role != nil {
			f.Roles[r.Name] = role
		}
	}
	for _, v := range e.Vaults {
		k := doctor.VaultKey{Region: v.Region, Name: v.Name}
		vault, err := awsbackup.ReadVault(ctx, member.Backup(v.Region), v.Name)
		if err != nil {
			f.VaultErrs[k] = err.Error()
			continue
		}
		if vault == nil {
			continue
		}
		f.Vaults[k] = vault
		if vault.KeyARN == "" || f.Keys[vault.KeyARN] != nil {
			continue
		}
		f.Keys[vault.KeyARN] = key(ctx, member, mgmt, vault.KeyARN, v.Region)
	}
	for _, r := range e.Regions {
		names, err := awsbackup.ReadPlanNames(ctx, member.Backup(r))
		if err != nil {
			f.PlanErrs[r] = err.Error()
			continue
		}
		f.Plans[r] = names
	}
	return f
}

func key(ctx context.Context, member, mgmt *Account, arn, region string) *doctor.Key {
	owner := ""
	if parts := strings.Split(arn, ":"); len(parts) > 4 {
		owner = parts[4]
		region = parts[3]
	}
	acct := member
	switch {
	case owner == member.ID:
	case mgmt != nil && owner == mgmt.ID:
		acct = mgmt
	default:
		return &doctor.Key{ARN: arn, PolicyErr: fmt.Sprintf("the key is in account %s, whose key policy orgbackup cannot read from here; check there that it lets account %s use the key through AWS Backup", owner, member.ID)}
	}
	k, err := awskms.KeyFacts(ctx, acct.KMS(region), arn)
	if err != nil {
		return &doctor.Key{ARN: arn, PolicyErr: err.Error()}
	}
	return k
}

// Deployed is what status reads of the baselines and the jobs.
type Deployed struct {
	// StackSets reads orgbackup's StackSets; Stacks the management
	// account's stacks of a Region; Jobs the jobs API of a Region.
	StackSets awscfn.StackSetReadAPI
	Stacks    func(region string) awscfn.StackReadAPI
	Jobs      func(region string) awsbackup.JobsAPI
}

// Live reads orgbackup's StackSets and the management stacks in regions and
// in every Region the StackSets deploy to: a baseline removed from the
// repository (and its Regions with it) left its management stacks there.
// It returns the Regions it read stacks in.
func Live(ctx context.Context, d Deployed, regions []string) (*baseline.Live, []string, error) {
	live := &baseline.Live{}
	var err error
	if live.StackSets, err = awscfn.ReadStackSets(ctx, d.StackSets, ""); err != nil {
		return nil, nil, err
	}
	all := slices.Clone(regions)
	for _, ss := range live.StackSets {
		all = append(all, ss.Regions...)
		for _, i := range ss.Instances {
			all = append(all, i.Region)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	for _, r := range all {
		st, err := awscfn.ReadStacks(ctx, d.Stacks(r), r)
		if err != nil {
			return nil, nil, err
		}
		live.Stacks = append(live.Stacks, st...)
	}
	return live, all, nil
}

// Jobs lists the organization's jobs created since in every Region, side
// by side. note says why they could not be listed, when so (cross-account
// monitoring off, not the management account or the delegated
// administrator), and the jobs are then nil.
func Jobs(ctx context.Context, d Deployed, regions []string, since time.Time) (jobs []status.Job, note string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []string
	for _, r := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			js, err := awsbackup.ReadJobs(ctx, d.Jobs(r), r, awsbackup.AllAccounts, since)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
				return
			}
			jobs = append(jobs, js...)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		slices.Sort(errs)
		return nil, strings.Join(errs, "; ") + " (cross-account monitoring needs trusted access for AWS Backup and the management account or the delegated administrator for AWS Backup)"
	}
	slices.SortFunc(jobs, func(a, b status.Job) int {
		if c := strings.Compare(a.Account, b.Account); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return jobs, ""
}
