package awsorgtest

import (
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// MinimumCalls returns, per operation, the fewest calls that reading o's
// backup-policy state (what awsorg.Reader records) can take with the
// Organizations and AWS Backup APIs, when every List call returns full
// pages of MaxPageSize items. withPaths says whether ListAccounts fills in
// each account's path.
//
// Why each is a lower bound: the organization, its root and AWS Backup's
// settings take one call each. Every root or OU above the nesting limit may
// have child OUs, and only a call per parent tells (ListChildren needs the
// same calls and lacks names). Accounts: with paths, ListAccounts places
// every account at 20 a call; without, every parent needs its own call. A
// policy's content and tags take one call each, with no batch form.
// Attachments take one ListTargetsForPolicy per policy (per page), or one
// ListPoliciesForTarget per root, OU and account; the cheaper of the two is
// counted (awsorg.Reader always takes the first, which is the cheaper one
// unless an organization has more backup policies than entities).
func MinimumCalls(o *org.Org, withPaths bool) map[string]int {
	m := map[string]int{"DescribeOrganization": 1, "ListRoots": 1, "DescribeGlobalSettings": 1}
	entities := append([]*org.Entity{o.Root()}, o.OUs()...)
	for _, e := range entities {
		ous, accounts := 0, 0
		for _, c := range e.Children {
			if c.Kind == org.OU {
				ous++
			} else {
				accounts++
			}
		}
		if e.Depth < org.MaxOUDepth {
			m["ListOrganizationalUnitsForParent"] += pages(ous)
		}
		if !withPaths {
			m["ListAccountsForParent"] += pages(accounts)
		}
	}
	if withPaths {
		m["ListAccounts"] = pages(len(o.Accounts()))
	}
	var backup []*org.Policy
	for _, p := range o.Policies() {
		if p.Type == policy.Type {
			backup = append(backup, p)
		}
	}
	m["ListPolicies"] = pages(len(backup))
	m["DescribePolicy"] = len(backup)
	m["ListTagsForResource"] = len(backup)
	perPolicy, perTarget := 0, 0
	for _, p := range backup {
		perPolicy += pages(len(o.Targets(p)))
	}
	for _, e := range append(entities, o.Accounts()...) {
		perTarget += pages(len(o.Attached(e, policy.Type)))
	}
	if perPolicy <= perTarget {
		m["ListTargetsForPolicy"] = perPolicy
	} else {
		m["ListPoliciesForTarget"] = perTarget
	}
	st := o.Settings
	if st == nil {
		st = &org.Settings{}
	}
	m["ListAWSServiceAccessForOrganization"] = pages(len(st.TrustedServices))
	m["ListDelegatedAdministrators"] = pages(len(st.DelegatedAdministrators[awsorg.BackupService]))
	for op, n := range m {
		if n == 0 {
			delete(m, op)
		}
	}
	return m
}

func pages(n int) int { return max(1, (n+MaxPageSize-1)/MaxPageSize) }
