package cli

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsenv"
)

// addAWSFlags adds the flags every command that talks to AWS shares.
func addAWSFlags(cmd *cobra.Command, o *awsenv.Options) {
	f := cmd.Flags()
	f.StringVar(&o.Profile, "profile", "", "named profile from the AWS config files (default: AWS_PROFILE, or \"default\")")
	f.StringVar(&o.Region, "region", "", "AWS Region (default: AWS_REGION, the profile's, or "+awsenv.DefaultRegion+")")
	f.StringVar(&o.RoleARN, "role-arn", "", "IAM role to assume for the calls, e.g. a read-only role in the management account")
}

// checkAWSFlags checks the AWS flags before anything is read or called.
func checkAWSFlags(o awsenv.Options) error {
	if o.RoleARN != "" {
		if err := awsenv.CheckRoleARN(o.RoleARN); err != nil {
			return &usageError{err: err}
		}
	}
	return nil
}

// awsConfig builds the AWS configuration for a command: with o.AWSConfig
// when set (in-process tests point it at a fake), otherwise awsenv.Load.
func (o *IO) awsConfig(ctx context.Context, opts awsenv.Options) (aws.Config, error) {
	if o.AWSConfig != nil {
		return o.AWSConfig(ctx, opts)
	}
	return awsenv.Load(ctx, opts)
}
