package awstest

import (
	"math"
	"time"
)

// Rate is a token bucket: PerSecond tokens are added each second, up to
// Burst; each call takes one.
type Rate struct {
	PerSecond float64
	Burst     int
}

// OrganizationsRates are the documented Organizations throttling rates
// (requests per second and burst, per account) for the operations orgbackup
// uses, from the Organizations quotas page as summarised in
// shared/reference/aws-backup-policies.md §3.3. Where that summary gives a
// second, higher pair in parentheses (a later revision of the page), the
// first, lower pair is used, so a benchmark errs on the slow side.
// DescribeEffectivePolicy and the invalid-effective-policy calls are not
// listed there and are not limited.
var OrganizationsRates = map[string]Rate{
	"CreatePolicy":                        {2, 3},
	"DeletePolicy":                        {2, 3},
	"AttachPolicy":                        {2, 3},
	"DetachPolicy":                        {2, 3},
	"UpdatePolicy":                        {2, 3},
	"DescribePolicy":                      {2, 2},
	"EnablePolicyType":                    {1, 1},
	"DisablePolicyType":                   {1, 1},
	"ListPolicies":                        {5, 8},
	"ListPoliciesForTarget":               {5, 8},
	"ListTargetsForPolicy":                {5, 8},
	"ListRoots":                           {1, 2},
	"ListChildren":                        {6, 10},
	"ListParents":                         {5, 8},
	"ListAccountsForParent":               {5, 8},
	"ListOrganizationalUnitsForParent":    {5, 8},
	"ListAccounts":                        {8, 12},
	"DescribeOrganization":                {1, 2},
	"TagResource":                         {4, 6},
	"UntagResource":                       {4, 6},
	"ListTagsForResource":                 {10, 15},
	"EnableAWSServiceAccess":              {1, 2},
	"ListAWSServiceAccessForOrganization": {1, 3},
	"RegisterDelegatedAdministrator":      {1, 2},
	"ListDelegatedAdministrators":         {5, 8},
}

// MinDuration is the least time n calls of one operation take at r,
// starting with a full bucket: the first Burst calls are free, each later
// one waits 1/PerSecond.
func (r Rate) MinDuration(n int) time.Duration {
	extra := n - r.Burst
	if extra <= 0 || r.PerSecond <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(extra) / r.PerSecond * float64(time.Second)))
}

// MinDuration is the least wall time a workload of calls (operation →
// count) can take under rates when operations run concurrently with each
// other: the slowest operation's own minimum. Operations without a rate
// cost nothing.
func MinDuration(rates map[string]Rate, calls map[string]int) time.Duration {
	var d time.Duration
	for op, n := range calls {
		if r, ok := rates[op]; ok {
			d = max(d, r.MinDuration(n))
		}
	}
	return d
}
