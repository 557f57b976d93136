package awsbackup

// The backup, copy and restore jobs of the organization, for status: AWS
// Backup's cross-account monitoring, read from the management account or
// the delegated administrator with ByAccountId "*".

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/orgbackup/orgbackup/internal/status"
)

// JobsAPI is what listing jobs needs.
type JobsAPI interface {
	ListBackupJobs(context.Context, *backup.ListBackupJobsInput, ...func(*backup.Options)) (*backup.ListBackupJobsOutput, error)
	ListCopyJobs(context.Context, *backup.ListCopyJobsInput, ...func(*backup.Options)) (*backup.ListCopyJobsOutput, error)
	ListRestoreJobs(context.Context, *backup.ListRestoreJobsInput, ...func(*backup.Options)) (*backup.ListRestoreJobsOutput, error)
}

// AllAccounts is ByAccountId's value for every account of the
// organization.
const AllAccounts = "*"

// ReadJobs lists the jobs created after since in the Region api reaches,
// for account (AllAccounts for the whole organization).
func ReadJobs(ctx context.Context, api JobsAPI, region, account string, since time.Time) ([]status.Job, error) {
	var out []status.Job
	bp := backup.NewListBackupJobsPaginator(api, &backup.ListBackupJobsInput{ByAccountId: aws.String(account), ByCreatedAfter: aws.Time(since)})
	for bp.HasMorePages() {
		page, err := bp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list backup jobs in %s: %w", region, err)
		}
		for _, j := range page.BackupJobs {
			out = append(out, status.Job{Kind: status.BackupJob, ID: aws.ToString(j.BackupJobId), Account: aws.ToString(j.AccountId), Region: region,
				State: string(j.State), Message: aws.ToString(j.StatusMessage), ResourceType: aws.ToString(j.ResourceType), Created: aws.ToTime(j.CreationDate)})
		}
	}
	cp := backup.NewListCopyJobsPaginator(api, &backup.ListCopyJobsInput{ByAccountId: aws.String(account), ByCreatedAfter: aws.Time(since)})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list copy jobs in %s: %w", region, err)
		}
		for _, j := range page.CopyJobs {
			out = append(out, status.Job{Kind: status.CopyJob, ID: aws.ToString(j.CopyJobId), Account: aws.ToString(j.AccountId), Region: region,
				State: string(j.State), Message: aws.ToString(j.StatusMessage), ResourceType: aws.ToString(j.ResourceType), Created: aws.ToTime(j.CreationDate)})
		}
	}
	rp := backup.NewListRestoreJobsPaginator(api, &backup.ListRestoreJobsInput{ByAccountId: aws.String(account), ByCreatedAfter: aws.Time(since)})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list restore jobs in %s: %w", region, err)
		}
		for _, j := range page.RestoreJobs {
			out = append(out, status.Job{Kind: status.RestoreJob, ID: aws.ToString(j.RestoreJobId), Account: aws.ToString(j.AccountId), Region: region,
				State: string(j.Status), Message: aws.ToString(j.StatusMessage), ResourceType: aws.ToString(j.ResourceType), Created: aws.ToTime(j.CreationDate)})
		}
	}
	return out, nil
}
