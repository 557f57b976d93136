package awscfn

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Every kind of template build writes is one CloudFormation accepts
// (moto's ValidateTemplate runs cfn-lint), and the same baselines give the
// same bytes.
func TestTemplatesValidate(t *testing.T) {
	access, err := doc.Parse("b.cue", []byte(`{"Statement": [{"Sid": "DenyDelete", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	repo := &policy.Repo{Baselines: []*policy.Baseline{
		{Name: "plain", Regions: []string{"us-east-1"}, RoleName: "backup", RolePath: "/", VaultName: "vault"},
		{Name: "full", Regions: []string{"us-east-1", "eu-west-1"}, RoleName: "backup", RolePath: "/service-role/",
			RoleManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"},
			VaultName:             "vault", VaultKMSKeyARN: "arn:aws:kms:$region:111122223333:key/1234abcd",
			VaultAccessPolicy: access, AllowCopyFromOrganization: true},
		{Name: "sealed", Regions: []string{"us-east-1", "eu-west-1"}, VaultName: "sealed", ManagedKMSKey: true},
	}}
	out := generate.Build(repo, func(s string) string { return s })
	again := generate.Build(repo, func(s string) string { return s })
	srv := awstest.Start(t)
	client := cloudformation.NewFromConfig(srv.Config(t))
	n := 0
	for i, f := range out.Files {
		if !strings.HasPrefix(f.Path, "baselines/") {
			continue
		}
		n++
		if !bytes.Equal(f.Data, again.Files[i].Data) {
			t.Errorf("%s differs between two builds", f.Path)
		}
		if err := ValidateTemplate(context.Background(), client, string(f.Data)); err != nil {
			t.Errorf("%s: %v", f.Path, err)
		}
	}
	if n != 5 {
		t.Errorf("validated %d templates, want 5", n)
	}
	// And the check can fail.
	if err := ValidateTemplate(context.Background(), client, `{"Resources": {"X": {"Type": "AWS::Backup::BackupVault", "Properties": {"Nope": 1}}}}`); err == nil {
		t.Error("an invalid template validated")
	}
}
