// Package awsiam reads the backup role of a member account for doctor:
// its trust policy and the managed policies attached to it.
package awsiam

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orgbackup/orgbackup/internal/awscall"
	"github.com/orgbackup/orgbackup/internal/doctor"
)

// RoleAPI is what reading a role needs.
type RoleAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
}

// ReadRole returns the role of that name, nil if there is none.
func ReadRole(ctx context.Context, api RoleAPI, name string) (*doctor.Role, error) {
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		if awscall.HasCode(err, "NoSuchEntity", "NoSuchEntityException") {
			return nil, nil
		}
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	r := &doctor.Role{Name: name, ARN: aws.ToString(out.Role.Arn)}
	// IAM returns the trust policy URL-encoded.
	trust := aws.ToString(out.Role.AssumeRolePolicyDocument)
	if dec, err := url.QueryUnescape(trust); err == nil {
		trust = dec
	}
	r.Trust = trust
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the policies of role %s: %w", name, err)
		}
		for _, ap := range page.AttachedPolicies {
			r.Policies = append(r.Policies, aws.ToString(ap.PolicyArn))
		}
	}
	return r, nil
}
