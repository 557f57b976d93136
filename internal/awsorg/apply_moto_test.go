package awsorg

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// The executors against moto with the test bridge, whose Organizations
// answers are AWS's (DuplicatePolicyAttachmentException,
// PolicyNotAttachedException, PolicyTypeNotEnabledException…): every
// "already so" answer counts as done, and a policy made by hand is never
// changed.

func mustTags(t *testing.T, c *organizations.Client, id string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(context.Background(), &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, tg := range out.Tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func step(t *testing.T, a apply.Executor, c plan.Change) (string, apply.Outcome) {
	t.Helper()
	var calls []apply.Call
	out, err := a.Execute(context.Background(), c, func(call apply.Call) { calls = append(calls, call) })
	if err != nil {
		t.Fatalf("%s: %v", string(c.Action)+" "+c.Policy, err)
	}
	for _, call := range calls {
		if call.Result == apply.Done && call.RequestID == "" {
			t.Errorf("%s: %s has no request id", string(c.Action)+" "+c.Policy, call.Operation)
		}
	}
	return results(calls), out
}

func TestExecutorsAgainstMoto(t *testing.T) {
	srv := awstest.Start(t)
	o := awstest.NewOrg(t, srv, awstest.OrgSpec{OUs: []string{"prod", "dev"},
		Accounts: []awstest.AccountSpec{{Name: "web", OU: "prod"}}})
	cfg := srv.Config(t)
	c := organizations.NewFromConfig(cfg)
	a := &Applier{API: c, Repository: "acme/backup"}
	ctx := context.Background()
	root := &plan.Target{ID: o.RootID}
	prod := &plan.Target{ID: o.OUs["prod"]}
	dev := &plan.Target{ID: o.OUs["dev"]}
	tags := map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/a.cue", policy.TagRepository: "acme/backup"}

	enable := plan.Change{Action: plan.EnablePolicyType, Setting: "BACKUP_POLICY", Target: root}
	if got, _ := step(t, a, enable); got != "EnablePolicyType:done" {
		t.Fatalf("enable: %s", got)
	}
	if got, _ := step(t, a, enable); got != "EnablePolicyType:already-done" {
		t.Fatalf("enable again: %s", got)
	}
	if got, _ := step(t, a, plan.Change{Action: plan.EnableServiceAccess, Setting: plan.BackupPrincipal}); got != "EnableAWSServiceAccess:done" {
		t.Fatalf("trusted access: %s", got)
	}

	got, out := step(t, a, plan.Change{Action: plan.CreatePolicy, Policy: "a", After: docA, Description: "d", Tags: tags})
	if got != "CreatePolicy:done" || mustTags(t, c, out.PolicyID)["orgbackup:source"] != "policies/a.cue" {
		t.Fatalf("create: %s, tags %v", got, mustTags(t, c, out.PolicyID))
	}
	id := out.PolicyID
	attach := plan.Change{Action: plan.Attach, Policy: "a", PolicyID: id, Target: prod}
	if got, _ := step(t, a, attach); got != "AttachPolicy:done" {
		t.Fatalf("attach: %s", got)
	}
	if got, _ := step(t, a, attach); got != "AttachPolicy:already-done" {
		t.Fatalf("attach again: %s", got)
	}
	if got, _ := step(t, a, plan.Change{Action: plan.Detach, Policy: "a", PolicyID: id, Target: dev}); got != "DetachPolicy:already-done" {
		t.Fatalf("detach where not attached: %s", got)
	}
	if got, _ := step(t, a, plan.Change{Action: plan.UpdatePolicy, Policy: "a", PolicyID: id, After: docB, Description: "e"}); got != "UpdatePolicy:done" {
		t.Fatalf("update: %s", got)
	}
	desc, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
	if err != nil || aws.ToString(desc.Policy.Content) != docB || aws.ToString(desc.Policy.PolicySummary.Description) != "e" {
		t.Fatalf("after update: %+v, %v", desc, err)
	}

	// A policy made by hand, attached to the same target: refused.
	hand, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("hand-made"), Type: types.PolicyTypeBackupPolicy,
		Content: aws.String(docA), Description: aws.String("by hand")})
	if err != nil {
		t.Fatal(err)
	}
	hid := aws.ToString(hand.Policy.PolicySummary.Id)
	if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(hid), TargetId: aws.String(prod.ID)}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []plan.Change{
		{Action: plan.UpdatePolicy, Policy: "hand-made", PolicyID: hid, After: docB},
		{Action: plan.Detach, Policy: "hand-made", PolicyID: hid, Target: prod},
		{Action: plan.DeletePolicy, Policy: "hand-made", PolicyID: hid},
	} {
		if _, err := a.Execute(ctx, ch, func(apply.Call) {}); err == nil || !strings.Contains(err.Error(), "not managed by orgbackup") {
			t.Errorf("%s: err %v", ch.Action, err)
		}
	}
	// Creating a policy of the hand-made one's name is a conflict.
	if _, err := a.Execute(ctx, plan.Change{Action: plan.CreatePolicy, Policy: "hand-made", After: docA, Tags: tags}, func(apply.Call) {}); err == nil {
		t.Error("create over a hand-made policy's name succeeded")
	}
	hd, _ := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(hid)})
	if aws.ToString(hd.Policy.Content) != docA || len(mustTags(t, c, hid)) != 0 {
		t.Fatalf("the hand-made policy changed: %+v", hd.Policy)
	}

	// Detach, then delete; deleting again is done.
	if got, _ := step(t, a, plan.Change{Action: plan.Detach, Policy: "a", PolicyID: id, Target: prod}); got != "DetachPolicy:done" {
		t.Fatalf("detach: %s", got)
	}
	del := plan.Change{Action: plan.DeletePolicy, Policy: "a", PolicyID: id}
	if got, _ := step(t, a, del); got != "DeletePolicy:done" {
		t.Fatalf("delete: %s", got)
	}
	if got, _ := step(t, &Applier{API: c}, del); got != "DeletePolicy:already-done" {
		t.Fatalf("delete again: %s", got)
	}

	// AWS Backup's global setting, bridged.
	bk := backup.NewFromConfig(cfg)
	set := &awsbackup.Settings{API: bk}
	if got, _ := step(t, set, plan.Change{Action: plan.UpdateBackupSetting, Setting: "isCrossAccountBackupEnabled", After: "true"}); got != "UpdateGlobalSettings:done" {
		t.Fatalf("global setting: %s", got)
	}
	gs, err := bk.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{})
	if err != nil || gs.GlobalSettings["isCrossAccountBackupEnabled"] != "true" {
		t.Fatalf("global settings %v, %v", gs, err)
	}
}

// A CreatePolicy that succeeded but whose response was lost, both ways it
// shows: the SDK's retry gets DuplicatePolicyException, or (no retry) the
// call fails with a dropped connection. Either way the policy is adopted by
// its tags and exists once.
func TestCreateLostResponseAgainstMoto(t *testing.T) {
	for _, retries := range []bool{true, false} {
		name := map[bool]string{true: "sdk-retry", false: "no-retry"}[retries]
		t.Run(name, func(t *testing.T) {
			srv := awstest.Start(t)
			awstest.NewOrg(t, srv, awstest.OrgSpec{EnableBackupPolicies: true})
			dropped := false
			p := awstest.NewProxy(t, srv.URL, awstest.ProxyOptions{
				Rates: map[awstest.Fault]float64{awstest.DropAfter: 1},
				Eligible: func(c awstest.Call) bool {
					if c.Operation == "CreatePolicy" && !dropped {
						dropped = true
						return true
					}
					return false
				},
			})
			cfg := awstest.ConfigFor(t, p.URL, srv.Region, credentials.NewStaticCredentialsProvider("testing", "testing", ""))
			if retries {
				cfg.Retryer = func() aws.Retryer {
					return retry.NewStandard(func(o *retry.StandardOptions) {
						o.MaxAttempts = 3
						o.RateLimiter = ratelimit.None
						o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
					})
				}
				cfg.RetryMaxAttempts = 0
			}
			c := organizations.NewFromConfig(cfg)
			a := &Applier{API: c}
			var calls []apply.Call
			out, err := a.Execute(context.Background(), plan.Change{Action: plan.CreatePolicy, Policy: "lost", After: docA, Tags: ours},
				func(call apply.Call) { calls = append(calls, call) })
			if err != nil {
				t.Fatal(err)
			}
			if results(calls) != "CreatePolicy:already-done" || !strings.Contains(calls[0].Note, "adopted") {
				t.Fatalf("calls %+v", calls)
			}
			list, err := organizations.NewFromConfig(srv.Config(t)).ListPolicies(context.Background(), &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy})
			if err != nil || len(list.Policies) != 1 || aws.ToString(list.Policies[0].Id) != out.PolicyID {
				t.Fatalf("policies %+v (%v), adopted %s", list, err, out.PolicyID)
			}
		})
	}
}

func TestVerifyCallsAgainstMoto(t *testing.T) {
	srv := awstest.Start(t)
	o := awstest.NewOrg(t, srv, awstest.OrgSpec{EnableBackupPolicies: true, Accounts: []awstest.AccountSpec{{Name: "a"}, {Name: "b"}}})
	c := organizations.NewFromConfig(srv.Config(t))
	ctx := context.Background()
	doc := `{"plans":{"p":{"regions":{"@@assign":["eu-west-1"]},"rules":{"r":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"v"}}},"selections":{"tags":{"s":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/r"},"tag_key":{"@@assign":"b"},"tag_value":{"@@assign":["on"]}}}}}}}`
	p, err := c.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("p"), Type: types.PolicyTypeBackupPolicy, Content: aws.String(doc), Description: aws.String("")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: aws.String(o.Accounts["a"])}); err != nil {
		t.Fatal(err)
	}
	content, found, err := EffectivePolicy(ctx, c, o.Accounts["a"])
	if err != nil || !found || !strings.Contains(content, `"cron(0 5 ? * * *)"`) || strings.Contains(content, "@@assign") {
		t.Fatalf("effective policy of a: %q, %v, %v", content, found, err)
	}
	if _, found, err := EffectivePolicy(ctx, c, o.Accounts["b"]); err != nil || found {
		t.Fatalf("b has no policy: found %v, err %v", found, err)
	}
	if ids, err := InvalidAccounts(ctx, c); err != nil || len(ids) != 0 {
		t.Fatalf("invalid accounts %v, %v", ids, err)
	}
}
