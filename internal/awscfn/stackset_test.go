package awscfn

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/plan"
)

const template = `{"Resources":{"BackupVault":{"Type":"AWS::Backup::BackupVault","Properties":{"BackupVaultName":"vault"}}}}`

func createChange() plan.Change {
	return plan.Change{Action: plan.CreateStackSet, Phase: plan.PhaseBaselines, After: template,
		Tags:       map[string]string{"managed-by": "orgbackup", "orgbackup:baseline": "main"},
		Deployment: &plan.Deployment{Baseline: "main", Part: "vault", StackSet: "orgbackup-main-vault", Regions: []string{"us-east-1", "eu-west-1"}}}
}

func addChange(ous ...string) plan.Change {
	return plan.Change{Action: plan.AddStackInstances, Phase: plan.PhaseBaselines,
		Deployment: &plan.Deployment{Baseline: "main", Part: "vault", StackSet: "orgbackup-main-vault",
			OrganizationalUnits: ous, Regions: []string{"us-east-1", "eu-west-1"},
			Preferences: &plan.OperationPreferences{MaxConcurrentPercentage: 25, FailureTolerancePercentage: 10, RegionConcurrency: "SEQUENTIAL"}}}
}

type recorder struct {
	events   []Event
	progress []string
}

func (r *recorder) ev(e Event)                     { r.events = append(r.events, e) }
func (r *recorder) line(s string)                  { r.progress = append(r.progress, s) }
func noSleep(context.Context, time.Duration) error { return nil }

func executor(f *fakeCFN, api StackSetAPI, r *recorder) *StackSets {
	return &StackSets{API: api, InputsDigest: "digest", Since: time.Now(), Sleep: noSleep, Progress: r.line}
}

func TestStackSetCreateAddRead(t *testing.T) {
	f, client := newFakeCFN(t)
	f.runPolls = 2
	r := &recorder{}
	ss := executor(f, client, r)
	ctx := context.Background()
	if _, err := ss.Execute(ctx, createChange(), template, 0, r.ev); err != nil {
		t.Fatal(err)
	}
	out, err := ss.Execute(ctx, addChange("r-ab12"), template, 3, r.ev)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "SUCCEEDED" || len(out.Failures) > 0 {
		t.Errorf("outcome %+v", out)
	}
	if want := baseline.OperationID("digest", addChange("r-ab12"), 0); out.OperationID != want {
		t.Errorf("operation id %s, want the deterministic %s", out.OperationID, want)
	}
	if got := r.progress[len(r.progress)-1]; got != "orgbackup-main-vault: 3/3 accounts, 0 failed (succeeded)" {
		t.Errorf("last progress line %q", got)
	}
	if got := r.progress[0]; !strings.Contains(got, "/3 accounts, 0 failed (running)") {
		t.Errorf("first progress line %q", got)
	}
	if r.events[0].Operation != "CreateStackSet" || r.events[0].RequestID == "" || r.events[1].Operation != "CreateStackInstances" || r.events[1].OperationID != out.OperationID {
		t.Errorf("events %+v", r.events)
	}

	live, err := ReadStackSets(ctx, client, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 {
		t.Fatalf("read %d StackSets", len(live))
	}
	ls := live[0]
	if ls.Name != "orgbackup-main-vault" || ls.PermissionModel != "SERVICE_MANAGED" || !ls.AutoDeployment || ls.Template != template ||
		ls.Tags["orgbackup:baseline"] != "main" || ls.Operation != nil || len(ls.Instances) != 6 ||
		!cmp.Equal(ls.OUs, []string{"r-ab12"}) || !cmp.Equal(ls.Regions, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("read %+v", ls)
	}
	for _, i := range ls.Instances {
		if !i.Healthy() {
			t.Errorf("instance %+v", i)
		}
	}

	// A create whose first response was lost finds the StackSet.
	r2 := &recorder{}
	if _, err := ss.Execute(ctx, createChange(), template, 0, r2.ev); err != nil || !r2.events[0].AlreadyDone {
		t.Errorf("second create: %v %+v", err, r2.events)
	}
}

func TestStackSetFailuresPerAccount(t *testing.T) {
	f, client := newFakeCFN(t)
	f.failAccount = "333333333333"
	r := &recorder{}
	ss := executor(f, client, r)
	ctx := context.Background()
	if _, err := ss.Execute(ctx, createChange(), template, 0, r.ev); err != nil {
		t.Fatal(err)
	}
	out, err := ss.Execute(ctx, addChange("r-ab12"), template, 3, r.ev)
	if err != nil {
		t.Fatalf("a failed operation is an outcome, not an error: %v", err)
	}
	if out.Status != "FAILED" || len(out.Failures) != 2 {
		t.Fatalf("outcome %+v", out)
	}
	for _, fl := range out.Failures {
		if fl.Account != "333333333333" || !strings.Contains(fl.Reason, "Access Denied") {
			t.Errorf("failure %+v", fl)
		}
	}
	if got := r.progress[len(r.progress)-1]; got != "orgbackup-main-vault: 3/3 accounts, 1 failed (failed)" {
		t.Errorf("progress %q", got)
	}
}

func TestStackSetResumesRunningOperation(t *testing.T) {
	f, client := newFakeCFN(t)
	f.runPolls = 3
	ctx := context.Background()
	r := &recorder{}
	first := executor(f, client, r)
	if _, err := first.Execute(ctx, createChange(), template, 0, r.ev); err != nil {
		t.Fatal(err)
	}
	// An apply submits the operation and is killed while it runs.
	killed, cancel := context.WithCancel(ctx)
	first.Sleep = func(context.Context, time.Duration) error { cancel(); return killed.Err() }
	if _, err := first.Execute(killed, addChange("r-ab12"), template, 3, r.ev); err == nil {
		t.Fatal("the killed apply returned no error")
	}
	if f.calls["CreateStackInstances"] != 1 {
		t.Fatalf("%d submissions", f.calls["CreateStackInstances"])
	}

	// Run again, while the operation still runs: it is polled, nothing new
	// is submitted.
	r2 := &recorder{}
	again := executor(f, client, r2)
	out, err := again.Execute(ctx, addChange("r-ab12"), template, 3, r2.ev)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls["CreateStackInstances"] != 1 {
		t.Errorf("the re-run submitted again: %d submissions", f.calls["CreateStackInstances"])
	}
	if out.Status != "SUCCEEDED" || !r2.events[0].AlreadyDone || !strings.Contains(r2.events[0].Note, "nothing new is submitted") {
		t.Errorf("outcome %+v, events %+v", out, r2.events)
	}

	// A change whose operation ended before the organization was read
	// (the state was undone since) is submitted again, under a new id.
	r3 := &recorder{}
	later := executor(f, client, r3)
	later.Since = time.Now().Add(time.Hour)
	out, err = later.Execute(ctx, addChange("r-ab12"), template, 3, r3.ev)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls["CreateStackInstances"] != 2 || out.OperationID != baseline.OperationID("digest", addChange("r-ab12"), 1) {
		t.Errorf("submissions %d, operation %s", f.calls["CreateStackInstances"], out.OperationID)
	}
}

func TestStackSetWaitsForOtherOperations(t *testing.T) {
	f, client := newFakeCFN(t)
	f.runPolls = 2
	ctx := context.Background()
	r := &recorder{}
	ss := executor(f, client, r)
	if _, err := ss.Execute(ctx, createChange(), template, 0, r.ev); err != nil {
		t.Fatal(err)
	}
	// Someone else's operation runs: orgbackup waits, then submits once.
	f.ops["theirs"] = &fakeOp{id: "theirs", set: "orgbackup-main-vault", action: "UPDATE", status: "RUNNING", created: time.Now()}
	out, err := ss.Execute(ctx, addChange("ou-ab12-11111111"), template, 2, r.ev)
	if err != nil {
		t.Fatal(err)
	}
	if f.ops["theirs"].status != "SUCCEEDED" || out.Status != "SUCCEEDED" || f.calls["CreateStackInstances"] != 1 {
		t.Errorf("theirs %s, ours %+v, %d submissions", f.ops["theirs"].status, out, f.calls["CreateStackInstances"])
	}

	// An operation that starts between the wait and the submission: the
	// refusal is waited out, not retried blindly.
	f.next["CreateStackInstances"] = "OperationInProgressException"
	r2 := &recorder{}
	out, err = ss.Execute(ctx, addChange("ou-ab12-22222222"), template, 1, r2.ev)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "SUCCEEDED" || f.calls["CreateStackInstances"] != 3 {
		t.Errorf("outcome %+v after %d submissions", out, f.calls["CreateStackInstances"])
	}

	// OperationIdAlreadyExists means the id is taken; one CloudFormation
	// then does not know is an inconsistency to report, not to paper over.
	f.next["CreateStackInstances"] = "OperationIdAlreadyExistsException"
	c := addChange("ou-ab12-22222222")
	c.Deployment.Regions = []string{"ap-northeast-1"}
	if _, err := ss.Execute(ctx, c, template, 1, r2.ev); err == nil {
		t.Error("OperationIdAlreadyExists for an operation CloudFormation does not know: want an error")
	}
}

func TestStackSetUpdateRemoveDelete(t *testing.T) {
	f, client := newFakeCFN(t)
	ctx := context.Background()
	r := &recorder{}
	ss := executor(f, client, r)
	for _, c := range []plan.Change{createChange(), addChange("ou-ab12-11111111")} {
		if _, err := ss.Execute(ctx, c, template, 0, r.ev); err != nil {
			t.Fatal(err)
		}
	}
	updated := strings.Replace(template, `"vault"`, `"vault2"`, 1)
	up := plan.Change{Action: plan.UpdateStackSet, Phase: plan.PhaseBaselines, After: updated,
		Deployment: &plan.Deployment{Baseline: "main", StackSet: "orgbackup-main-vault", Parameters: map[string]string{"OrganizationId": "o-a1b2c3d4e5"}}}
	if out, err := ss.Execute(ctx, up, updated, 0, r.ev); err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("update: %v %+v", err, out)
	}
	if s := f.sets["orgbackup-main-vault"]; s.template != updated || s.params["OrganizationId"] != "o-a1b2c3d4e5" || !s.autoDeploy {
		t.Errorf("after update: %+v", s)
	}

	del := plan.Change{Action: plan.DeleteStackSet, Phase: plan.PhaseDelete, Deployment: &plan.Deployment{StackSet: "orgbackup-main-vault"}}
	if _, err := ss.Execute(ctx, del, "", 0, r.ev); err == nil || !strings.Contains(err.Error(), "still has stack instances") {
		t.Errorf("deleting a StackSet with instances: %v", err)
	}
	rm := plan.Change{Action: plan.RemoveStackInstances, Phase: plan.PhaseDelete,
		Deployment: &plan.Deployment{StackSet: "orgbackup-main-vault", OrganizationalUnits: []string{"ou-ab12-11111111"}, Regions: []string{"us-east-1", "eu-west-1"}}}
	if out, err := ss.Execute(ctx, rm, "", 0, r.ev); err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("remove: %v %+v", err, out)
	}
	if _, err := ss.Execute(ctx, del, "", 0, r.ev); err != nil {
		t.Fatal(err)
	}
	r2 := &recorder{}
	if _, err := ss.Execute(ctx, del, "", 0, r2.ev); err != nil || !r2.events[len(r2.events)-1].AlreadyDone {
		t.Errorf("second delete: %v %+v", err, r2.events)
	}
}
