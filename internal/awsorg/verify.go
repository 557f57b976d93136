package awsorg

// What `orgbackup verify` asks AWS: the effective backup policy of an
// account, and the accounts whose effective policy AWS found invalid.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgbackup/orgbackup/internal/awscall"
)

// EffectiveAPI is the part of the Organizations API verify uses, with the
// SDK's own signatures: *organizations.Client satisfies it.
type EffectiveAPI interface {
	DescribeEffectivePolicy(context.Context, *organizations.DescribeEffectivePolicyInput, ...func(*organizations.Options)) (*organizations.DescribeEffectivePolicyOutput, error)
	ListAccountsWithInvalidEffectivePolicy(context.Context, *organizations.ListAccountsWithInvalidEffectivePolicyInput, ...func(*organizations.Options)) (*organizations.ListAccountsWithInvalidEffectivePolicyOutput, error)
}

// EffectivePolicy returns the effective backup policy of an account as AWS
// computed it; found is false when the account has none.
func EffectivePolicy(ctx context.Context, api EffectiveAPI, account string) (content string, found bool, err error) {
	out, err := api.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{
		PolicyType: types.EffectivePolicyTypeBackupPolicy, TargetId: aws.String(account)})
	if awscall.HasCode(err, "EffectivePolicyNotFoundException") {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if out.EffectivePolicy == nil {
		return "", false, nil
	}
	return aws.ToString(out.EffectivePolicy.PolicyContent), true, nil
}

// InvalidAccounts lists the accounts whose effective backup policy AWS
// found invalid (they keep their last valid one, silently).
func InvalidAccounts(ctx context.Context, api EffectiveAPI) ([]string, error) {
	var ids []string
	p := organizations.NewListAccountsWithInvalidEffectivePolicyPaginator(api, &organizations.ListAccountsWithInvalidEffectivePolicyInput{
		PolicyType: types.EffectivePolicyTypeBackupPolicy})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	return ids, nil
}
