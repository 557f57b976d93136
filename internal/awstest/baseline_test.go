package awstest

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"
)

const baselineTemplate = `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "OrgBackupRole-${AWS::Region}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: [backup.amazonaws.com]}, Action: ["sts:AssumeRole"]}]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: OrgVault
      AccessPolicy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: "backup:CopyIntoBackupVault", Resource: "*"}]
Outputs:
  VaultArn:
    Value: !GetAtt Vault.BackupVaultArn
`

// vaultArns lists the vaults the CLI sees with env.
func vaultArns(t *testing.T, env []string) []string {
	t.Helper()
	var out struct {
		BackupVaultList []struct{ BackupVaultArn string }
	}
	if err := jsonUnmarshal(CLIEnv(t, env, "backup", "list-backup-vaults"), &out); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, v := range out.BackupVaultList {
		arns = append(arns, v.BackupVaultArn)
	}
	return arns
}

func TestVaultAndRoleFromStack(t *testing.T) {
	srv := Start(t)
	c := cfn.NewFromConfig(srv.Config(t))
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{
		StackName: aws.String("baseline"), TemplateBody: aws.String(baselineTemplate),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	}); err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:backup:us-east-1:123456789012:backup-vault:OrgVault"
	st, err := c.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("baseline")})
	if err != nil || len(st.Stacks[0].Outputs) != 1 || aws.ToString(st.Stacks[0].Outputs[0].OutputValue) != want {
		t.Fatalf("stack outputs = %+v, %v", st, err)
	}
	if diff := cmp.Diff([]string{want}, vaultArns(t, srv.Env())); diff != "" {
		t.Errorf("vaults (-want +got):\n%s", diff)
	}
	var pol struct{ Policy string }
	jsonUnmarshal(CLI(t, srv, "backup", "get-backup-vault-access-policy", "--backup-vault-name", "OrgVault"), &pol)
	if !strings.Contains(pol.Policy, "backup:CopyIntoBackupVault") {
		t.Errorf("vault access policy = %q", pol.Policy)
	}
	var attached struct{ AttachedPolicies []struct{ PolicyArn string } }
	jsonUnmarshal(CLI(t, srv, "iam", "list-attached-role-policies", "--role-name", "OrgBackupRole-us-east-1"), &attached)
	if len(attached.AttachedPolicies) != 1 || !strings.HasSuffix(attached.AttachedPolicies[0].PolicyArn, "/AWSBackupServiceRolePolicyForBackup") {
		t.Errorf("role's managed policies = %+v", attached)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("baseline")}); err != nil {
		t.Fatal(err)
	}
	if v := vaultArns(t, srv.Env()); len(v) != 0 {
		t.Errorf("vaults after deleting the stack = %v", v)
	}
}

// TestServiceManagedStackSet deploys the baseline to a nested OU tree with
// one account failing, and checks each member through AssumeRole, with the
// CLI and the SDK.
func TestServiceManagedStackSet(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{
		Accounts:      []AccountSpec{{Name: "web", OU: "prod/web"}, {Name: "db", OU: "prod"}, {Name: "bad", OU: "prod/web/deep"}, {Name: "dev", OU: "dev"}},
		ServiceAccess: []string{"member.org.stacksets.cloudformation.amazonaws.com"},
	})
	c := cfn.NewFromConfig(srv.Config(t))
	if _, err := c.CreateStackSet(ctx, &cfn.CreateStackSetInput{
		StackSetName: aws.String("orgbackup-baseline"), TemplateBody: aws.String(baselineTemplate),
		PermissionModel: cfntypes.PermissionModelsServiceManaged,
		AutoDeployment:  &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)},
		Capabilities:    []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateStackSet(ctx, &cfn.CreateStackSetInput{StackSetName: aws.String("orgbackup-baseline"), TemplateBody: aws.String(baselineTemplate)})
	var nameExists *cfntypes.NameAlreadyExistsException
	if !errors.As(err, &nameExists) {
		t.Errorf("duplicate stack set: %v, want NameAlreadyExistsException", err)
	}

	srv.FailStackInstances(t, org.Accounts["bad"], "", "Resource handler returned message: OrgVault already exists")
	create := &cfn.CreateStackInstancesInput{
		StackSetName:      aws.String("orgbackup-baseline"),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.OUs["prod"]}},
		Regions:           []string{"us-east-1", "eu-west-1"},
		OperationId:       aws.String("op-create-1"),
	}
	if _, err := c.CreateStackInstances(ctx, create); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateStackInstances(ctx, create)
	var reused *cfntypes.OperationIdAlreadyExistsException
	if !errors.As(err, &reused) {
		t.Errorf("reused OperationId: %v, want OperationIdAlreadyExistsException", err)
	}
	op, err := c.DescribeStackSetOperation(ctx, &cfn.DescribeStackSetOperationInput{StackSetName: aws.String("orgbackup-baseline"), OperationId: aws.String("op-create-1")})
	if err != nil || op.StackSetOperation.Status != cfntypes.StackSetOperationStatusFailed {
		t.Fatalf("operation = %+v, %v; want FAILED (one account failed, tolerance 0)", op, err)
	}
	res, err := c.ListStackSetOperationResults(ctx, &cfn.ListStackSetOperationResultsInput{StackSetName: aws.String("orgbackup-baseline"), OperationId: aws.String("op-create-1")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	name := map[string]string{}
	for n, id := range org.Accounts {
		name[id] = n
	}
	for _, r := range res.Summaries {
		s := name[aws.ToString(r.Account)] + " " + aws.ToString(r.Region) + " " + string(r.Status)
		if r.StatusReason != nil {
			s += ": " + aws.ToString(r.StatusReason)
		}
		got = append(got, s)
	}
	sort.Strings(got)
	want := []string{
		"bad eu-west-1 FAILED: Resource handler returned message: OrgVault already exists",
		"bad us-east-1 FAILED: Resource handler returned message: OrgVault already exists",
		"db eu-west-1 SUCCEEDED", "db us-east-1 SUCCEEDED", "web eu-west-1 SUCCEEDED", "web us-east-1 SUCCEEDED",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operation results: nested OUs deployed, dev and the management account not (-want +got):\n%s", diff)
	}

	// Witnesses inside the members: the CLI with assumed credentials, and the SDK.
	web := org.Accounts["web"]
	if diff := cmp.Diff([]string{"arn:aws:backup:us-east-1:" + web + ":backup-vault:OrgVault"},
		vaultArns(t, srv.AssumeRole(t, web, "OrganizationAccountAccessRole").Env(srv))); diff != "" {
		t.Errorf("web's vaults (-want +got):\n%s", diff)
	}
	euWest := srv.ConfigAs(t, web)
	euWest.Region = "eu-west-1"
	if _, err := backup.NewFromConfig(euWest).DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("OrgVault")}); err != nil {
		t.Errorf("web's eu-west-1 vault: %v", err)
	}
	roles, err := iam.NewFromConfig(srv.ConfigAs(t, org.Accounts["db"])).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("OrgBackupRole-eu-west-1")})
	if err != nil || len(roles.AttachedPolicies) != 1 {
		t.Errorf("db's role policies = %+v, %v", roles, err)
	}
	if v := vaultArns(t, srv.AssumeRole(t, org.Accounts["bad"], "OrganizationAccountAccessRole").Env(srv)); len(v) != 0 {
		t.Errorf("the failing account has vaults %v", v)
	}
	if v := vaultArns(t, srv.AssumeRole(t, org.Accounts["dev"], "OrganizationAccountAccessRole").Env(srv)); len(v) != 0 {
		t.Errorf("dev, outside the target OU, has vaults %v", v)
	}

	inst, err := c.ListStackInstances(ctx, &cfn.ListStackInstancesInput{StackSetName: aws.String("orgbackup-baseline"), StackInstanceAccount: aws.String(org.Accounts["bad"])})
	if err != nil || len(inst.Summaries) != 2 || inst.Summaries[0].Status != cfntypes.StackInstanceStatusOutdated ||
		inst.Summaries[0].StackInstanceStatus.DetailedStatus != cfntypes.StackInstanceDetailedStatusFailed ||
		aws.ToString(inst.Summaries[0].OrganizationalUnitId) != org.OUs["prod"] {
		t.Errorf("failed instances = %+v, %v", inst, err)
	}

	// Fixing the account and creating again deploys only what failed.
	srv.FailStackInstances(t, org.Accounts["bad"], "", "")
	if _, err := c.CreateStackInstances(ctx, &cfn.CreateStackInstancesInput{
		StackSetName:      aws.String("orgbackup-baseline"),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.OUs["prod"]}, Accounts: []string{org.Accounts["bad"]}, AccountFilterType: cfntypes.AccountFilterTypeIntersection},
		Regions:           []string{"us-east-1"},
	}); err != nil {
		t.Fatal(err)
	}
	if v := vaultArns(t, srv.AssumeRole(t, org.Accounts["bad"], "OrganizationAccountAccessRole").Env(srv)); len(v) != 1 {
		t.Errorf("after retrying, bad's us-east-1 vaults = %v", v)
	}

	// DeleteStackInstances honours DeploymentTargets.
	if _, err := c.DeleteStackInstances(ctx, &cfn.DeleteStackInstancesInput{
		StackSetName:      aws.String("orgbackup-baseline"),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.OUs["prod"]}, Accounts: []string{org.Accounts["db"]}, AccountFilterType: cfntypes.AccountFilterTypeDifference},
		Regions:           []string{"us-east-1", "eu-west-1"}, RetainStacks: aws.Bool(false),
	}); err != nil {
		t.Fatal(err)
	}
	all, err := c.ListStackInstances(ctx, &cfn.ListStackInstancesInput{StackSetName: aws.String("orgbackup-baseline")})
	if err != nil || len(all.Summaries) != 2 || aws.ToString(all.Summaries[0].Account) != org.Accounts["db"] {
		t.Errorf("instances left after deleting all but db = %+v, %v", all, err)
	}
	if v := vaultArns(t, srv.AssumeRole(t, web, "OrganizationAccountAccessRole").Env(srv)); len(v) != 0 {
		t.Errorf("web's vaults after delete = %v", v)
	}
}

func TestStackSetHeldOperation(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{Accounts: []AccountSpec{{Name: "a", OU: "prod"}}})
	c := cfn.NewFromConfig(srv.Config(t))
	if _, err := c.CreateStackSet(ctx, &cfn.CreateStackSetInput{
		StackSetName: aws.String("s"), TemplateBody: aws.String(baselineTemplate), PermissionModel: cfntypes.PermissionModelsServiceManaged,
	}); err != nil {
		t.Fatal(err)
	}
	srv.HoldStackSetOperations(t, true)
	in := &cfn.CreateStackInstancesInput{StackSetName: aws.String("s"), Regions: []string{"us-east-1"},
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{org.OUs["prod"]}}, OperationId: aws.String("op1")}
	if _, err := c.CreateStackInstances(ctx, in); err != nil {
		t.Fatal(err)
	}
	status := func() cfntypes.StackSetOperationStatus {
		op, err := c.DescribeStackSetOperation(ctx, &cfn.DescribeStackSetOperationInput{StackSetName: aws.String("s"), OperationId: aws.String("op1")})
		if err != nil {
			t.Fatal(err)
		}
		return op.StackSetOperation.Status
	}
	if s := status(); s != cfntypes.StackSetOperationStatusRunning {
		t.Fatalf("held operation = %s", s)
	}
	in.OperationId = aws.String("op2")
	_, err := c.CreateStackInstances(ctx, in)
	var inProgress *cfntypes.OperationInProgressException
	if !errors.As(err, &inProgress) {
		t.Errorf("second operation while one runs: %v, want OperationInProgressException", err)
	}
	srv.HoldStackSetOperations(t, false)
	if s := status(); s != cfntypes.StackSetOperationStatusSucceeded {
		t.Errorf("released operation = %s", s)
	}
}

func TestBackupSettingsPoliciesAndJobs(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{Accounts: []AccountSpec{{Name: "a"}, {Name: "b"}}})
	b := backup.NewFromConfig(srv.Config(t))
	gs, err := b.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	if err != nil || gs.GlobalSettings["isCrossAccountBackupEnabled"] != "false" {
		t.Fatalf("initial global settings = %+v, %v", gs, err)
	}
	if _, err := b.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: map[string]string{"isCrossAccountBackupEnabled": "true"}}); err != nil {
		t.Fatal(err)
	}
	var settings struct{ GlobalSettings map[string]string }
	jsonUnmarshal(CLI(t, srv, "backup", "describe-global-settings"), &settings)
	if settings.GlobalSettings["isCrossAccountBackupEnabled"] != "true" {
		t.Errorf("CLI sees global settings %v", settings)
	}
	member := backup.NewFromConfig(srv.ConfigAs(t, org.Accounts["a"]))
	if _, err := member.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{GlobalSettings: map[string]string{"isCrossAccountBackupEnabled": "true"}}); err == nil {
		t.Error("a member account updated global settings")
	}

	if _, err := b.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutBackupVaultAccessPolicy(ctx, &backup.PutBackupVaultAccessPolicyInput{BackupVaultName: aws.String("v"), Policy: aws.String(`{"Version":"2012-10-17"}`)}); err != nil {
		t.Fatal(err)
	}
	p, err := b.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String("v")})
	if err != nil || aws.ToString(p.Policy) != `{"Version":"2012-10-17"}` {
		t.Fatalf("access policy = %+v, %v", p, err)
	}
	if _, err := b.DeleteBackupVaultAccessPolicy(ctx, &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: aws.String("v")}); err == nil {
		t.Error("access policy still there after delete")
	}

	srv.SeedJob(t, Job{Kind: "backup", AccountID: org.Accounts["a"], Region: "us-east-1", Fields: map[string]any{"State": "FAILED", "StatusMessage": "role missing", "ResourceType": "EBS"}})
	srv.SeedJob(t, Job{Kind: "backup", AccountID: org.Accounts["b"], Region: "us-east-1", Fields: map[string]any{"State": "COMPLETED", "ResourceType": "EBS"}})
	srv.SeedJob(t, Job{Kind: "backup", AccountID: org.Accounts["b"], Region: "eu-west-1", Fields: map[string]any{"State": "FAILED"}})
	srv.SeedJob(t, Job{Kind: "copy", AccountID: org.Accounts["b"], Region: "us-east-1", Fields: map[string]any{"State": "FAILED"}})
	srv.SeedJob(t, Job{Kind: "restore", AccountID: org.Accounts["a"], Region: "us-east-1", Fields: map[string]any{"Status": "ABORTED"}})

	jobs, err := b.ListBackupJobs(ctx, &backup.ListBackupJobsInput{ByAccountId: aws.String("*"), ByState: "FAILED"})
	if err != nil || len(jobs.BackupJobs) != 1 || aws.ToString(jobs.BackupJobs[0].StatusMessage) != "role missing" {
		t.Errorf("failed backup jobs across the organization = %+v, %v", jobs, err)
	}
	all, err := b.ListBackupJobs(ctx, &backup.ListBackupJobsInput{ByAccountId: aws.String("*")})
	if err != nil || len(all.BackupJobs) != 2 {
		t.Errorf("us-east-1 backup jobs = %+v, %v", all, err)
	}
	own, err := b.ListBackupJobs(ctx, &backup.ListBackupJobsInput{})
	if err != nil || len(own.BackupJobs) != 0 {
		t.Errorf("the management account's own jobs = %+v, %v", own, err)
	}
	copies, err := b.ListCopyJobs(ctx, &backup.ListCopyJobsInput{ByAccountId: aws.String(org.Accounts["b"])})
	if err != nil || len(copies.CopyJobs) != 1 {
		t.Errorf("copy jobs = %+v, %v", copies, err)
	}
	restores, err := b.ListRestoreJobs(ctx, &backup.ListRestoreJobsInput{ByAccountId: aws.String("*"), ByStatus: "ABORTED"})
	if err != nil || len(restores.RestoreJobs) != 1 {
		t.Errorf("restore jobs = %+v, %v", restores, err)
	}
	if _, err := member.ListBackupJobs(ctx, &backup.ListBackupJobsInput{ByAccountId: aws.String("*")}); err == nil {
		t.Error("a member listed the organization's jobs")
	}
}
