package awscfn

import (
	"context"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/plan"
)

func stackChange(action plan.Action, name string) plan.Change {
	return plan.Change{Action: action, Phase: plan.PhaseBaselines, After: template,
		Tags:       map[string]string{"managed-by": "orgbackup"},
		Deployment: &plan.Deployment{Baseline: "main", Part: "vault", Stack: name, Account: "111111111111", Region: "eu-west-1"}}
}

func TestStacks(t *testing.T) {
	f, _ := newFakeCFN(t)
	eu := regionClient(t, f, "eu-west-1")
	st := &Stacks{API: func(region string) StackAPI {
		if region != "eu-west-1" {
			t.Errorf("client asked for %s", region)
		}
		return eu
	}, Sleep: noSleep}
	ctx := context.Background()
	r := &recorder{}

	out, err := st.Execute(ctx, stackChange(plan.CreateStack, "orgbackup-main-vault"), template, r.ev)
	if err != nil || out.Failed || out.Status != "CREATE_COMPLETE" {
		t.Fatalf("create: %v %+v", err, out)
	}
	// Again: it exists (a lost response), nothing new is created.
	out, err = st.Execute(ctx, stackChange(plan.CreateStack, "orgbackup-main-vault"), template, r.ev)
	if err != nil || out.Failed || f.calls["CreateStack"] != 1 {
		t.Errorf("second create: %v %+v, %d CreateStack calls", err, out, f.calls["CreateStack"])
	}
	// An update without a difference is done already.
	r2 := &recorder{}
	if out, err := st.Execute(ctx, stackChange(plan.UpdateStack, "orgbackup-main-vault"), template, r2.ev); err != nil || out.Failed || !r2.events[0].AlreadyDone {
		t.Errorf("no-op update: %v %+v %+v", err, out, r2.events)
	}
	changed := strings.Replace(template, `"vault"`, `"vault2"`, 1)
	if out, err := st.Execute(ctx, stackChange(plan.UpdateStack, "orgbackup-main-vault"), changed, r.ev); err != nil || out.Status != "UPDATE_COMPLETE" {
		t.Errorf("update: %v %+v", err, out)
	}

	live, err := ReadStacks(ctx, eu, "eu-west-1")
	if err != nil || len(live) != 1 || live[0].Template != changed || live[0].Tags["managed-by"] != "orgbackup" || live[0].Region != "eu-west-1" {
		t.Errorf("read: %v %+v", err, live)
	}

	if out, err := st.Execute(ctx, stackChange(plan.DeleteStack, "orgbackup-main-vault"), "", r.ev); err != nil || out.Status != "DELETE_COMPLETE" {
		t.Errorf("delete: %v %+v", err, out)
	}
	r3 := &recorder{}
	if _, err := st.Execute(ctx, stackChange(plan.DeleteStack, "orgbackup-main-vault"), "", r3.ev); err != nil || !r3.events[0].AlreadyDone {
		t.Errorf("second delete: %v %+v", err, r3.events)
	}
}

func TestStackFailureAndRecreate(t *testing.T) {
	f, _ := newFakeCFN(t)
	eu := regionClient(t, f, "eu-west-1")
	st := &Stacks{API: func(string) StackAPI { return eu }, Sleep: noSleep}
	ctx := context.Background()
	r := &recorder{}
	f.failStack = "orgbackup-main-vault"
	out, err := st.Execute(ctx, stackChange(plan.CreateStack, "orgbackup-main-vault"), template, r.ev)
	if err != nil {
		t.Fatalf("a failed stack is an outcome, not an error: %v", err)
	}
	if !out.Failed || out.Status != "ROLLBACK_COMPLETE" || !strings.Contains(out.Reason, "BackupVault (AWS::Backup::BackupVault): Insufficient privileges") {
		t.Errorf("outcome %+v", out)
	}
	// The next apply deletes the rolled-back stack and creates it again.
	f.failStack = ""
	out, err = st.Execute(ctx, stackChange(plan.CreateStack, "orgbackup-main-vault"), template, r.ev)
	if err != nil || out.Failed || f.calls["DeleteStack"] != 1 || f.calls["CreateStack"] != 2 {
		t.Errorf("recreate: %v %+v, %d deletes, %d creates", err, out, f.calls["DeleteStack"], f.calls["CreateStack"])
	}
}

func TestValidateTemplate(t *testing.T) {
	_, client := newFakeCFN(t)
	if err := ValidateTemplate(context.Background(), client, template); err != nil {
		t.Error(err)
	}
	if err := ValidateTemplate(context.Background(), client, "Resources: ["); err == nil || !strings.Contains(err.Error(), "ValidationError") {
		t.Errorf("bad template: %v", err)
	}
}
