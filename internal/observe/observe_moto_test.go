package observe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doctor"
	"github.com/orgbackup/orgbackup/internal/status"
)

func account(srv *awstest.Server, t *testing.T, id string, asMember bool) *Account {
	cfg := srv.Config(t)
	if asMember {
		cfg = srv.ConfigAs(t, id)
	}
	return &Account{ID: id, IAM: iam.NewFromConfig(cfg),
		Backup: func(r string) awsbackup.VaultAPI {
			return backup.NewFromConfig(cfg, func(o *backup.Options) { o.Region = r })
		},
		KMS: func(r string) awskms.DescribeAPI {
			return kms.NewFromConfig(cfg, func(o *kms.Options) { o.Region = r })
		},
	}
}

// Doctor's facts, read from moto: a missing vault is reported missing, and
// found once it exists, with orgbackup's key read in the management account.
func TestDoctorFacts(t *testing.T) {
	srv := awstest.Start(t)
	fx := awstest.NewOrg(t, srv, awstest.OrgSpec{Accounts: []awstest.AccountSpec{{Name: "app"}}})
	ctx := context.Background()
	app := fx.Accounts["app"]
	member, mgmt := account(srv, t, app, true), account(srv, t, fx.Management, false)

	mk := kms.NewFromConfig(srv.Config(t))
	k, err := mk.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(baseline.KeyPolicy(fx.Management, fx.ID, "us-east-1")))})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(k.KeyMetadata.Arn)
	e := &doctor.Expect{Account: app, OrgID: fx.ID, Regions: []string{"us-east-1"}, Plans: map[string][]string{"us-east-1": {"daily"}},
		Roles:  []doctor.RoleExpect{{Name: "backup-role", Baseline: "main", Policies: []string{"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}}},
		Vaults: []doctor.VaultExpect{{Name: "backup-vault", Region: "us-east-1", Baseline: "main", KeyARN: keyARN, ManagedKey: true}}}

	r := doctor.Run(e, DoctorFacts(ctx, member, mgmt, e))
	var gaps []string
	for _, c := range r.Checks {
		if c.Status != doctor.OK {
			gaps = append(gaps, c.What)
		}
	}
	if strings.Join(gaps, "|") != `role "backup-role" exists|vault "backup-vault" exists|backup plan "daily" is in the account` {
		t.Errorf("gaps in an empty account: %q", gaps)
	}

	// Create them in the member account.
	mi, mb := iam.NewFromConfig(srv.ConfigAs(t, app)), backup.NewFromConfig(srv.ConfigAs(t, app))
	if _, err := mi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("backup-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     []iamtypes.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := mi.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("backup-role"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup")}); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("backup-vault"), EncryptionKeyArn: aws.String(keyARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &backuptypes.BackupPlanInput{
		BackupPlanName: aws.String("daily"),
		Rules:          []backuptypes.BackupRuleInput{{RuleName: aws.String("r"), TargetBackupVaultName: aws.String("backup-vault")}}}}); err != nil {
		t.Fatal(err)
	}
	r = doctor.Run(e, DoctorFacts(ctx, member, mgmt, e))
	if r.Gaps() > 0 {
		t.Errorf("gaps once everything exists: %+v", r.Checks)
	}
}

// Status reads deployed StackSets and the organization's jobs from moto.
func TestStatusSources(t *testing.T) {
	srv := awstest.Start(t)
	fx := awstest.NewOrg(t, srv, awstest.OrgSpec{Accounts: []awstest.AccountSpec{{Name: "app"}}})
	srv.SeedJob(t, awstest.Job{Kind: "backup", AccountID: fx.Accounts["app"], Region: "us-east-1", Fields: map[string]any{"State": "FAILED", "StatusMessage": "no role"}})
	srv.SeedJob(t, awstest.Job{Kind: "copy", AccountID: fx.Accounts["app"], Region: "us-east-1", Fields: map[string]any{"State": "COMPLETED"}})
	cfg := srv.Config(t)
	d := Deployed{
		StackSets: cloudformation.NewFromConfig(cfg),
		Stacks: func(r string) awscfn.StackReadAPI {
			return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.Region = r })
		},
		Jobs: func(r string) awsbackup.JobsAPI {
			return backup.NewFromConfig(cfg, func(o *backup.Options) { o.Region = r })
		},
	}
	ctx := context.Background()
	jobs, note := Jobs(ctx, d, []string{"us-east-1"}, time.Now().Add(-24*time.Hour))
	if note != "" || len(jobs) != 2 {
		t.Fatalf("jobs %+v, note %q", jobs, note)
	}
	var failed []status.Job
	for _, j := range jobs {
		if j.Failed() {
			failed = append(failed, j)
		}
	}
	if len(failed) != 1 || failed[0].Message != "no role" || failed[0].Account != fx.Accounts["app"] {
		t.Errorf("failed jobs %+v", failed)
	}
	if live, _, err := Live(ctx, d, []string{"us-east-1"}); err != nil || len(live.StackSets) != 0 {
		t.Errorf("live %+v, %v", live, err)
	}
}
