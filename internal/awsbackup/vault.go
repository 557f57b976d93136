package awsbackup

// The vaults and backup plans of one account, for doctor. (The global
// settings live in read.go and apply.go.)

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/orgbackup/orgbackup/internal/awscall"
	"github.com/orgbackup/orgbackup/internal/doctor"
)

// VaultAPI is what reading a vault and the backup plans of a Region needs.
type VaultAPI interface {
	DescribeBackupVault(context.Context, *backup.DescribeBackupVaultInput, ...func(*backup.Options)) (*backup.DescribeBackupVaultOutput, error)
	GetBackupVaultAccessPolicy(context.Context, *backup.GetBackupVaultAccessPolicyInput, ...func(*backup.Options)) (*backup.GetBackupVaultAccessPolicyOutput, error)
	ListBackupPlans(context.Context, *backup.ListBackupPlansInput, ...func(*backup.Options)) (*backup.ListBackupPlansOutput, error)
}

// ReadVault returns the vault of that name in the Region api reaches, nil
// if there is none.
func ReadVault(ctx context.Context, api VaultAPI, name string) (*doctor.Vault, error) {
	out, err := api.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(name)})
	if err != nil {
		if awscall.HasCode(err, "ResourceNotFoundException") {
			return nil, nil
		}
		return nil, fmt.Errorf("describe vault %s: %w", name, err)
	}
	v := &doctor.Vault{Name: name, ARN: aws.ToString(out.BackupVaultArn), KeyARN: aws.ToString(out.EncryptionKeyArn)}
	p, err := api.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String(name)})
	switch {
	case err == nil:
		v.AccessPolicy = aws.ToString(p.Policy)
	case awscall.HasCode(err, "ResourceNotFoundException"):
		// No access policy.
	default:
		return nil, fmt.Errorf("get the access policy of vault %s: %w", name, err)
	}
	return v, nil
}

// ReadPlanNames returns the names of the backup plans in the Region api
// reaches, the organization's (created by backup policies) included.
func ReadPlanNames(ctx context.Context, api VaultAPI) ([]string, error) {
	var out []string
	p := backup.NewListBackupPlansPaginator(api, &backup.ListBackupPlansInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list backup plans: %w", err)
		}
		for _, bp := range page.BackupPlansList {
			out = append(out, aws.ToString(bp.BackupPlanName))
		}
	}
	return out, nil
}
