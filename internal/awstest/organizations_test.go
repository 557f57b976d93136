package awstest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"
)

var ctx = context.Background()

func TestStartResetAndStartupTime(t *testing.T) {
	t0 := time.Now()
	srv := Start(t)
	t.Logf("Start took %s (a new process takes %s)", time.Since(t0).Round(time.Millisecond), lastLaunch().Round(time.Millisecond))
	org := NewOrg(t, srv, OrgSpec{Accounts: []AccountSpec{{Name: "a", OU: "prod/web"}}})
	if org.Management != ManagementAccount || org.OUs["prod/web"] == "" || org.Accounts["a"] == "" {
		t.Fatalf("fixture = %+v", org)
	}
	t0 = time.Now()
	srv.Reset(t)
	t.Logf("reset in %s", time.Since(t0).Round(time.Millisecond))
	_, err := organizations.NewFromConfig(srv.Config(t)).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *types.AWSOrganizationsNotInUseException
	if !errors.As(err, &notInUse) {
		t.Fatalf("after reset, DescribeOrganization = %v, want AWSOrganizationsNotInUseException", err)
	}
}

func TestEnvIsolatesChildren(t *testing.T) {
	env := EnvFor("http://127.0.0.1:1", "eu-west-1")
	want := []string{"AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=testing", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	for _, w := range want {
		found := false
		for _, e := range env {
			found = found || e == w
		}
		if !found {
			t.Errorf("EnvFor lacks %s: %v", w, env)
		}
	}
}

const plan = `{"plans":{"Daily":{
  "regions":{"@@assign":["us-east-1"]},
  "rules":{"Hourly":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"Vault"}}},
  "selections":{"tags":{"sel":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/Backup"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["yes"]}}}}}}}`

func createPolicy(t *testing.T, c *organizations.Client, name string, ptype types.PolicyType, content string) string {
	t.Helper()
	out, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{
		Name: aws.String(name), Description: aws.String(""), Type: ptype, Content: aws.String(content),
		Tags: []types.Tag{{Key: aws.String("managed-by"), Value: aws.String("orgbackup")}},
	})
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	return aws.ToString(out.Policy.PolicySummary.Id)
}

func attach(t *testing.T, c *organizations.Client, policy, target string) {
	t.Helper()
	if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(policy), TargetId: aws.String(target)}); err != nil {
		t.Fatalf("attach %s to %s: %v", policy, target, err)
	}
}

func TestOrganizationsErrors(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{Accounts: []AccountSpec{{Name: "a", OU: "prod"}}})
	c := organizations.NewFromConfig(srv.Config(t))

	id := createPolicy(t, c, "daily", types.PolicyTypeBackupPolicy, plan)
	desc, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
	if err != nil || !strings.Contains(aws.ToString(desc.Policy.PolicySummary.Arn), "/backup_policy/") ||
		desc.Policy.PolicySummary.Type != types.PolicyTypeBackupPolicy {
		t.Fatalf("DescribePolicy = %+v, %v", desc, err)
	}

	check := func(name string, err error, target any, reason string) {
		t.Helper()
		if !errors.As(err, target) {
			t.Errorf("%s: error %v, want %T", name, err, target)
			return
		}
		if cv, ok := target.(**types.ConstraintViolationException); ok && string((*cv).Reason) != reason {
			t.Errorf("%s: reason %q, want %q", name, (*cv).Reason, reason)
		}
	}
	attachIn := func(target string) *organizations.AttachPolicyInput {
		return &organizations.AttachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(target)}
	}

	var notEnabled *types.PolicyTypeNotEnabledException
	_, err = c.AttachPolicy(ctx, attachIn(org.RootID))
	check("attach before enabling", err, &notEnabled, "")

	if _, err := c.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(org.RootID), PolicyType: types.PolicyTypeBackupPolicy}); err != nil {
		t.Fatal(err)
	}
	attach(t, c, id, org.OUs["prod"])
	var dupAttach *types.DuplicatePolicyAttachmentException
	_, err = c.AttachPolicy(ctx, attachIn(org.OUs["prod"]))
	check("second attach", err, &dupAttach, "")

	detachIn := &organizations.DetachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(org.OUs["prod"])}
	if _, err := c.DetachPolicy(ctx, detachIn); err != nil {
		t.Fatal(err)
	}
	var notAttached *types.PolicyNotAttachedException
	_, err = c.DetachPolicy(ctx, detachIn)
	check("second detach", err, &notAttached, "")

	var badTarget *types.TargetNotFoundException
	_, err = c.AttachPolicy(ctx, attachIn("ou-zzzz-zzzzzzzz"))
	check("unknown target", err, &badTarget, "")

	other := createPolicy(t, c, "other", types.PolicyTypeBackupPolicy, plan)
	var dup *types.DuplicatePolicyException
	_, err = c.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(other), Name: aws.String("daily")})
	check("rename onto existing name", err, &dup, "")
	_, err = c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("daily"), Description: aws.String(""), Type: types.PolicyTypeBackupPolicy, Content: aws.String(plan)})
	check("create duplicate name", err, &dup, "")

	var malformed *types.MalformedPolicyDocumentException
	_, err = c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String(""), Type: types.PolicyTypeBackupPolicy, Content: aws.String("not json")})
	check("non-JSON content", err, &malformed, "")
	_, err = c.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(other), Content: aws.String(`["plans"]`)})
	check("non-object content", err, &malformed, "")

	big := `{"plans":{},"pad":"` + strings.Repeat("x", 10_000) + `"}`
	var cv *types.ConstraintViolationException
	_, err = c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("big"), Description: aws.String(""), Type: types.PolicyTypeBackupPolicy, Content: aws.String(big)})
	check("content over 10,000 characters", err, &cv, "POLICY_CONTENT_LIMIT_EXCEEDED")
	exact := `{"pad":"` + strings.Repeat("x", 10_000-len(`{"pad":""}`)) + `"}`
	if _, err := c.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(other), Content: aws.String(exact)}); err != nil {
		t.Errorf("content of exactly 10,000 characters: %v", err)
	}

	// Delegated administrator for AWS Backup.
	if _, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(org.Accounts["a"]), ServicePrincipal: aws.String("backup.amazonaws.com"),
	}); err != nil {
		t.Fatalf("register delegated administrator: %v", err)
	}
	admins, err := c.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("backup.amazonaws.com")})
	if err != nil || len(admins.DelegatedAdministrators) != 1 || aws.ToString(admins.DelegatedAdministrators[0].Id) != org.Accounts["a"] {
		t.Fatalf("ListDelegatedAdministrators = %+v, %v", admins, err)
	}

	// Disabling the type detaches its policies, as AWS does.
	attach(t, c, id, org.RootID)
	if _, err := c.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String(org.RootID), PolicyType: types.PolicyTypeBackupPolicy}); err != nil {
		t.Fatal(err)
	}
	targets, err := c.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id)})
	if err != nil || len(targets.Targets) != 0 {
		t.Fatalf("targets after DisablePolicyType = %+v, %v", targets, err)
	}
}

// effectiveJSON returns an account's effective policy, decoded.
func effectiveJSON(t *testing.T, c *organizations.Client, ptype types.EffectivePolicyType, account string) any {
	t.Helper()
	out, err := c.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: ptype, TargetId: aws.String(account)})
	if err != nil {
		t.Fatalf("DescribeEffectivePolicy %s: %v", account, err)
	}
	var v any
	if err := json.Unmarshal([]byte(aws.ToString(out.EffectivePolicy.PolicyContent)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return v
}

// TestEffectivePolicyDocumentedExamples runs the inheritance examples of the
// Organizations user guide ("Policy inheritance examples", tag policies,
// and backup policy example 4) through the bridge. Expected results follow
// the documented rules; AWS's printed outputs are not copied where they
// contradict the text (example 4 prints "project" for a key the text says
// stays "Project").
func TestEffectivePolicyDocumentedExamples(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{Accounts: []AccountSpec{{Name: "ou1", OU: "ou1"}, {Name: "ou2", OU: "ou2"}}})
	c := organizations.NewFromConfig(srv.Config(t))
	for _, pt := range []types.PolicyType{types.PolicyTypeTagPolicy, types.PolicyTypeBackupPolicy} {
		if _, err := c.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(org.RootID), PolicyType: pt}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	// run attaches each policy to its target in order, checks the effective
	// policy of account, then detaches everything.
	run := func(name string, ptype types.PolicyType, account string, want string, attachments ...[2]string) {
		t.Run(name, func(t *testing.T) {
			var ids []([2]string)
			for _, a := range attachments {
				n++
				id := createPolicy(t, c, name+"-"+string(rune('a'+n)), ptype, a[1])
				attach(t, c, id, a[0])
				ids = append(ids, [2]string{id, a[0]})
			}
			got := effectiveJSON(t, c, types.EffectivePolicyType(ptype), account)
			if diff := cmp.Diff(decode(t, want), got); diff != "" {
				t.Errorf("effective policy (-want +got):\n%s", diff)
			}
			for _, id := range ids {
				if _, err := c.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(id[0]), TargetId: aws.String(id[1])}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	root, ou1, ou2 := org.RootID, org.OUs["ou1"], org.OUs["ou2"]
	acct1, acct2 := org.Accounts["ou1"], org.Accounts["ou2"]
	policyA := `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Development","Support"]}}}}`

	run("ex1-assign", types.PolicyTypeTagPolicy, acct1,
		`{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Sandbox"],"enforced_for":["redshift:*","dynamodb:table"]}}}`,
		[2]string{root, policyA},
		[2]string{ou1, `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Sandbox"]},"enforced_for":{"@@assign":["redshift:*","dynamodb:table"]}}}}`})
	run("ex2-append", types.PolicyTypeTagPolicy, acct2,
		`{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support","Marketing"],"enforced_for":["redshift:*","dynamodb:table"]}}}`,
		[2]string{root, policyA},
		[2]string{ou2, `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@append":["Marketing"]},"enforced_for":{"@@append":["redshift:*","dynamodb:table"]}}}}`})
	run("ex3-remove", types.PolicyTypeTagPolicy, acct2,
		`{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Support","Marketing"]}}}`,
		[2]string{root, policyA},
		[2]string{ou2, `{"tags":{"costcenter":{"tag_value":{"@@append":["Marketing"]}}}}`},
		[2]string{acct2, `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@remove":["Development"]}}}}`})
	run("ex4-restrict", types.PolicyTypeTagPolicy, acct1,
		`{"tags":{"project":{"tag_key":"Project","tag_value":["Maintenance","Escalations","Escalations - research"]}}}`,
		[2]string{root, `{"tags":{"project":{"tag_key":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"Project"},"tag_value":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["Maintenance","Escalations"]}}}}`},
		[2]string{ou1, `{"tags":{"project":{"tag_key":{"@@assign":"PROJECT"},"tag_value":{"@@append":["Escalations - research"]}}}}`})
	run("ex5-intersection", types.PolicyTypeTagPolicy, acct1,
		`{"tags":{"project":{"tag_value":["Maintenance","Extra"]}}}`,
		[2]string{root, `{"tags":{"project":{"tag_value":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["Maintenance"]}}}}`},
		[2]string{root, `{"tags":{"project":{"tag_value":{"@@operators_allowed_for_child_policies":["@@append","@@remove"]}}}}`},
		[2]string{ou1, `{"tags":{"project":{"tag_value":{"@@append":["Extra"],"@@remove":["Maintenance"]}}}}`})
	run("ex6-first-attached-wins", types.PolicyTypeTagPolicy, acct1,
		`{"tags":{"project":{"tag_key":"PROJECT","tag_value":["Maintenance"]}}}`,
		[2]string{root, `{"tags":{"project":{"tag_key":{"@@assign":"PROJECT"},"tag_value":{"@@append":["Maintenance"]}}}}`},
		[2]string{root, `{"tags":{"project":{"tag_key":{"@@assign":"project"}}}}`})
	locked := `{"plans":{"@@operators_allowed_for_child_policies":["@@append"],"PII_Backup_Plan":{"@@operators_allowed_for_child_policies":["@@none"],
	  "regions":{"@@operators_allowed_for_child_policies":["@@none"],"@@append":["us-east-1","eu-north-1"]},
	  "rules":{"@@operators_allowed_for_child_policies":["@@none"],"Hourly":{"@@operators_allowed_for_child_policies":["@@none"],
	    "schedule_expression":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"cron(0 0/1 ? * * *)"},
	    "target_backup_vault_name":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"FortKnox"}}},
	  "selections":{"@@operators_allowed_for_child_policies":["@@none"],"tags":{"@@operators_allowed_for_child_policies":["@@none"],
	    "datatype":{"@@operators_allowed_for_child_policies":["@@none"],"iam_role_arn":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"arn:aws:iam::$account:role/MyIamRole"},
	    "tag_key":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"dataType"},"tag_value":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":["PII","RED"]}}}}}}}`
	run("backup-ex4-lock-one-plan", types.PolicyTypeBackupPolicy, acct1,
		`{"plans":{
		  "pii_backup_plan":{"regions":["us-east-1","eu-north-1"],"rules":{"hourly":{"schedule_expression":"cron(0 0/1 ? * * *)","target_backup_vault_name":"FortKnox"}},
		    "selections":{"tags":{"datatype":{"iam_role_arn":"arn:aws:iam::$account:role/MyIamRole","tag_key":"dataType","tag_value":["PII","RED"]}}}},
		  "monthly":{"regions":["eu-central-1"],"rules":{"monthly":{"schedule_expression":"cron(0 5 1 * ? *)","target_backup_vault_name":"Default"}},
		    "selections":{"tags":{"m":{"iam_role_arn":"arn:aws:iam::$account:role/R","tag_key":"BackupType","tag_value":["MONTHLY"]}}}}}}`,
		[2]string{root, locked},
		[2]string{acct1, `{"plans":{"PII_Backup_Plan":{"regions":{"@@append":["eu-west-1"]},"rules":{"Hourly":{"target_backup_vault_name":{"@@assign":"Other"}}}},
		  "Monthly":{"regions":{"@@append":["eu-central-1"]},"rules":{"Monthly":{"schedule_expression":{"@@assign":"cron(0 5 1 * ? *)"},"target_backup_vault_name":{"@@assign":"Default"}}},
		    "selections":{"tags":{"M":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/R"},"tag_key":{"@@assign":"BackupType"},"tag_value":{"@@assign":["MONTHLY"]}}}}}}}`})
	run("backup-ex3-no-new-plans", types.PolicyTypeBackupPolicy, acct2,
		`{"plans":{"daily":{"regions":["us-east-1"],"rules":{"hourly":{"schedule_expression":"cron(0 5 ? * * *)","target_backup_vault_name":"Vault"}},
		  "selections":{"tags":{"sel":{"iam_role_arn":"arn:aws:iam::$account:role/Backup","tag_key":"backup","tag_value":["yes"]}}}}}}`,
		[2]string{root, strings.Replace(plan, `{"plans":{`, `{"plans":{"@@operators_allowed_for_child_policies":["@@none"],`, 1)},
		[2]string{ou2, `{"plans":{"Extra":{"regions":{"@@assign":["eu-west-1"]}}}}`})

	// Nothing attached: no effective policy.
	_, err := c.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeBackupPolicy, TargetId: aws.String(acct1)})
	var notFound *types.EffectivePolicyNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("no policy attached: %v, want EffectivePolicyNotFoundException", err)
	}
}

// TestEffectivePolicyValidation: an account whose merged plan breaks a
// quota is listed as invalid, with the error, and keeps its last valid
// effective policy.
func TestEffectivePolicyValidation(t *testing.T) {
	srv := Start(t)
	org := NewOrg(t, srv, OrgSpec{EnableBackupPolicies: true, Accounts: []AccountSpec{{Name: "prod", OU: "prod"}, {Name: "dev", OU: "dev"}}})
	c := organizations.NewFromConfig(srv.Config(t))
	base := createPolicy(t, c, "base", types.PolicyTypeBackupPolicy, plan)
	attach(t, c, base, org.RootID)
	valid := effectiveJSON(t, c, types.EffectivePolicyTypeBackupPolicy, org.Accounts["prod"])

	var rules []string
	for i := range 10 {
		rules = append(rules, `"r`+string(rune('a'+i))+`":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"V"}}`)
	}
	extra := createPolicy(t, c, "extra", types.PolicyTypeBackupPolicy, `{"plans":{"daily":{"rules":{`+strings.Join(rules, ",")+`}}}}`)
	attach(t, c, extra, org.OUs["prod"])
	noRegions := createPolicy(t, c, "noregions", types.PolicyTypeBackupPolicy, `{"plans":{"daily":{"regions":{"@@remove":["us-east-1"]}}}}`)
	attach(t, c, noRegions, org.OUs["dev"])

	inv, err := c.ListAccountsWithInvalidEffectivePolicy(ctx, &organizations.ListAccountsWithInvalidEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeBackupPolicy})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range inv.Accounts {
		ids = append(ids, aws.ToString(a.Id))
	}
	if diff := cmp.Diff([]string{org.Accounts["prod"], org.Accounts["dev"]}, ids); diff != "" {
		t.Errorf("invalid accounts (-want +got):\n%s", diff)
	}
	for account, want := range map[string]string{"prod": "ELEMENTS_TOO_MANY plans/daily/rules", "dev": "ELEMENTS_TOO_FEW plans/daily/regions"} {
		out, err := c.ListEffectivePolicyValidationErrors(ctx, &organizations.ListEffectivePolicyValidationErrorsInput{
			AccountId: aws.String(org.Accounts[account]), PolicyType: types.EffectivePolicyTypeBackupPolicy,
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range out.EffectivePolicyValidationErrors {
			got = append(got, aws.ToString(e.ErrorCode)+" "+aws.ToString(e.PathToError))
		}
		if diff := cmp.Diff([]string{want}, got); diff != "" {
			t.Errorf("%s validation errors (-want +got):\n%s", account, diff)
		}
		if p := aws.ToString(out.Path); !strings.HasPrefix(p, org.ID+"/"+org.RootID+"/ou-") {
			t.Errorf("%s path = %q", account, p)
		}
	}
	if diff := cmp.Diff(valid, effectiveJSON(t, c, types.EffectivePolicyTypeBackupPolicy, org.Accounts["prod"])); diff != "" {
		t.Errorf("an invalid account must keep its last valid effective policy (-want +got):\n%s", diff)
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
