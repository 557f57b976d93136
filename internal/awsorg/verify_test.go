package awsorg

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

type effFake struct{ pages int }

func (f *effFake) DescribeEffectivePolicy(_ context.Context, in *organizations.DescribeEffectivePolicyInput, _ ...func(*organizations.Options)) (*organizations.DescribeEffectivePolicyOutput, error) {
	if in.PolicyType != types.EffectivePolicyTypeBackupPolicy {
		return nil, apiErr("InvalidInputException", "type")
	}
	if aws.ToString(in.TargetId) == "222222222222" {
		return nil, apiErr("EffectivePolicyNotFoundException", "none")
	}
	return &organizations.DescribeEffectivePolicyOutput{EffectivePolicy: &types.EffectivePolicy{PolicyContent: aws.String(`{"plans":{}}`)}}, nil
}

// Pages: an empty page carrying a token, then one account.
func (f *effFake) ListAccountsWithInvalidEffectivePolicy(_ context.Context, in *organizations.ListAccountsWithInvalidEffectivePolicyInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsWithInvalidEffectivePolicyOutput, error) {
	f.pages++
	if in.NextToken == nil {
		return &organizations.ListAccountsWithInvalidEffectivePolicyOutput{NextToken: aws.String("t")}, nil
	}
	return &organizations.ListAccountsWithInvalidEffectivePolicyOutput{Accounts: []types.Account{{Id: aws.String("333333333333")}}}, nil
}

func TestEffectivePolicyAndInvalidAccounts(t *testing.T) {
	f := &effFake{}
	ctx := context.Background()
	if c, found, err := EffectivePolicy(ctx, f, "111111111111"); err != nil || !found || c != `{"plans":{}}` {
		t.Fatalf("%q %v %v", c, found, err)
	}
	if _, found, err := EffectivePolicy(ctx, f, "222222222222"); err != nil || found {
		t.Fatalf("no effective policy: found %v, err %v", found, err)
	}
	ids, err := InvalidAccounts(ctx, f)
	if err != nil || strings.Join(ids, ",") != "333333333333" || f.pages != 2 {
		t.Fatalf("%v %v after %d pages", ids, err, f.pages)
	}
}
