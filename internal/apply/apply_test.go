package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
)

const snapshot = `{"format_version":"1","roots":[{"id":"r-abcd","policy_types":[{"type":"BACKUP_POLICY","status":"%s"}]}],
"organizational_units":[{"id":"ou-abcd-11111111","name":"Prod"}],
"accounts":[{"id":"111111111111","parent_id":"ou-abcd-11111111"}],
"policies":[{"id":"p-00000001","name":"old","type":"BACKUP_POLICY","tags":{"managed-by":"orgbackup"},"content":"{}"}]}`

func liveOrg(t *testing.T, status string) *org.Org {
	t.Helper()
	o, err := org.Parse("test.snapshot.json", fmt.Appendf(nil, snapshot, status))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var (
	root = &plan.Target{ID: "r-abcd", Kind: "root", Path: "Root"}
	prod = &plan.Target{ID: "ou-abcd-11111111", Kind: "organizational unit", Path: "Root/Prod"}

	cEnable = plan.Change{Action: plan.EnablePolicyType, Phase: plan.PhasePrerequisites, Setting: "BACKUP_POLICY", Target: root}
	cCopy   = plan.Change{Action: plan.UpdateBackupSetting, Phase: plan.PhasePrerequisites, Setting: "isCrossAccountBackupEnabled", Before: "false", After: "true"}
	cStack  = plan.Change{Action: "create-stack-set", Phase: plan.PhaseBaselines, Setting: "orgbackup-test"}
	cCreate = plan.Change{Action: plan.CreatePolicy, Phase: plan.PhasePolicies, Policy: "new", After: `{"plans":{}}`, Tags: map[string]string{"managed-by": "orgbackup"}}
	cAttach = plan.Change{Action: plan.Attach, Phase: plan.PhaseAttach, Policy: "new", Target: prod}
	cDetach = plan.Change{Action: plan.Detach, Phase: plan.PhaseDetach, Policy: "old", PolicyID: "p-00000001", Target: root, Destructive: true}
	cDelete = plan.Change{Action: plan.DeletePolicy, Phase: plan.PhaseDelete, Policy: "old", PolicyID: "p-00000001", Destructive: true}
)

// fakeExec records what it is asked to do; fail makes the change with that
// description fail.
type fakeExec struct {
	name string
	seen *[]string
	fail string
}

// describe is what the fakes record of a change.
func describe(c plan.Change) string {
	s := string(c.Action)
	if c.Policy != "" {
		s += " " + c.Policy
	}
	if c.PolicyID != "" {
		s += " " + c.PolicyID
	}
	if c.Setting != "" {
		s += " " + c.Setting
	}
	if c.Target != nil {
		s += " -> " + c.Target.ID
	}
	return s
}

func (f *fakeExec) Execute(ctx context.Context, c plan.Change, rec Recorder) (Outcome, error) {
	d := describe(c)
	*f.seen = append(*f.seen, f.name+": "+d)
	if d == f.fail {
		err := errors.New("boom")
		rec(Call{Operation: "Op", Result: Failed, Err: err})
		return Outcome{}, err
	}
	out := Outcome{PolicyID: c.PolicyID}
	if c.Action == plan.CreatePolicy {
		out.PolicyID = "p-00000002"
	}
	rec(Call{Operation: "Op", PolicyID: out.PolicyID, RequestID: "req", Result: Done})
	return out, nil
}

type fakeBaselines struct{ seen *[]string }

func (f *fakeBaselines) ApplyBaselines(ctx context.Context, cs []plan.Change, rec func(int) Recorder) error {
	for i, c := range cs {
		*f.seen = append(*f.seen, "baselines: "+describe(c))
		rec(i)(Call{Operation: "CreateStackSet", Result: Done})
	}
	return nil
}

type fakeWaiter struct{ seen *[]string }

func (f *fakeWaiter) WaitPolicyTypeEnabled(ctx context.Context, root, typ string) error {
	*f.seen = append(*f.seen, "wait "+typ+" on "+root)
	return nil
}

type harness struct {
	seen []string
	log  bytes.Buffer
	opts Options
}

func newHarness(t *testing.T, status string, fresh *plan.Plan) *harness {
	h := &harness{}
	h.opts = Options{
		Read:      func(context.Context) (*org.Org, error) { return liveOrg(t, status), nil },
		Plan:      func(*org.Org) (*plan.Plan, error) { return fresh, nil },
		Org:       &fakeExec{name: "org", seen: &h.seen},
		Settings:  &fakeExec{name: "backup", seen: &h.seen},
		Baselines: &fakeBaselines{seen: &h.seen},
		Waiter:    &fakeWaiter{seen: &h.seen},
		Log:       &h.log,
	}
	return h
}

func (h *harness) entries(t *testing.T) []Entry {
	t.Helper()
	var es []Entry
	for _, line := range strings.Split(strings.TrimSpace(h.log.String()), "\n") {
		if line == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		es = append(es, e)
	}
	return es
}

func allChanges() []plan.Change {
	// Deliberately out of phase order: apply orders by phase.
	return []plan.Change{cDelete, cAttach, cCreate, cDetach, cStack, cCopy, cEnable}
}

func TestRunOrdersPhasesAndResolvesNewPolicyIDs(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", AllowDestroy: true, Changes: allChanges()}
	h := newHarness(t, "ENABLED", p)
	h.opts.Saved = p
	rep, err := Run(context.Background(), h.opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// Within a phase, the plan's order.
		"backup: update-backup-setting isCrossAccountBackupEnabled",
		"org: enable-policy-type BACKUP_POLICY -> r-abcd",
		"baselines: create-stack-set orgbackup-test",
		"org: create new",
		// The id CreatePolicy returned names the new policy from here on.
		"org: attach new p-00000002 -> ou-abcd-11111111",
		"org: detach old p-00000001 -> r-abcd",
		"org: delete old p-00000001",
	}
	if got := strings.Join(h.seen, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("order:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if rep.Applied != 7 || rep.Calls[Done] != 7 {
		t.Fatalf("report %+v", rep)
	}
	es := h.entries(t)
	if len(es) != 7 {
		t.Fatalf("%d log entries, want 7:\n%s", len(es), h.log.String())
	}
	e := es[4]
	if e.Phase != "attach" || e.Action != "attach" || e.Operation != "Op" || e.Policy != "new" || e.PolicyID != "p-00000002" ||
		e.Target != "ou-abcd-11111111" || e.RequestID != "req" || e.Result != Done || e.Time == "" {
		t.Fatalf("log entry %+v", e)
	}
}

func TestRunWaitsForPolicyTypeBeforeAttaching(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate, cAttach}}
	h := newHarness(t, "PENDING_ENABLE", p)
	if _, err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if len(h.seen) != 3 || h.seen[1] != "wait BACKUP_POLICY on r-abcd" {
		t.Fatalf("calls %q: no wait between create and attach", h.seen)
	}
}

func TestRunFailureStopsAndLogsSkipped(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate, cAttach, cEnable}}
	h := newHarness(t, "ENABLED", p)
	h.opts.Org.(*fakeExec).fail = "create new"
	rep, err := Run(context.Background(), h.opts)
	if err == nil || rep.Applied != 1 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	var got []string
	for _, e := range h.entries(t) {
		got = append(got, e.Action+":"+string(e.Result))
	}
	if strings.Join(got, " ") != "enable-policy-type:done create:failed attach:skipped" {
		t.Fatalf("log %v", got)
	}
}

func TestStaleInputsRefused(t *testing.T) {
	saved := &plan.Plan{InputsDigest: "a", Changes: []plan.Change{cCreate}}
	h := newHarness(t, "ENABLED", &plan.Plan{InputsDigest: "b", Changes: []plan.Change{cCreate}})
	h.opts.Saved = saved
	_, err := Run(context.Background(), h.opts)
	var se *StaleError
	if !errors.As(err, &se) || !se.InputsChanged || len(h.seen) != 0 || h.log.Len() != 0 {
		t.Fatalf("err %v, calls %v", err, h.seen)
	}
}

func TestStaleNewChangeRefused(t *testing.T) {
	// Someone changed the live policy since the plan: the update's
	// "before" differs, so it is not the change that was reviewed.
	upd := plan.Change{Action: plan.UpdatePolicy, Phase: plan.PhasePolicies, Policy: "old", PolicyID: "p-00000001", Before: "{}", After: `{"plans":{}}`}
	saved := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{upd}}
	changed := upd
	changed.Before = `{"plans":{"x":{}}}`
	h := newHarness(t, "ENABLED", &plan.Plan{InputsDigest: "i", Changes: []plan.Change{changed, cAttach}})
	h.opts.Saved = saved
	_, err := Run(context.Background(), h.opts)
	var se *StaleError
	if !errors.As(err, &se) || se.InputsChanged || len(se.New) != 2 || len(se.Gone) != 1 || len(h.seen) != 0 {
		t.Fatalf("err %v (%+v), calls %v", err, se, h.seen)
	}
	if !strings.Contains(err.Error(), "needs 2 changes it does not list") {
		t.Fatalf("message: %v", err)
	}
}

// A re-run after a crash: the fresh plan is the remaining part of the
// saved plan. A policy created by the killed run now has an id the saved
// plan could not know.
func TestResumeRemainingPart(t *testing.T) {
	saved := &plan.Plan{InputsDigest: "i", AllowDestroy: true, Changes: []plan.Change{cCreate, cAttach, cDetach}}
	attach := cAttach
	attach.PolicyID = "p-00000009"
	attach.Reason = "worded differently now"
	h := newHarness(t, "ENABLED", &plan.Plan{InputsDigest: "i", AllowDestroy: true, Changes: []plan.Change{attach, cDetach}})
	h.opts.Saved = saved
	rep, err := Run(context.Background(), h.opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resume != (Resume{Planned: 3, Done: 1}) || len(h.seen) != 2 {
		t.Fatalf("resume %+v, calls %v", rep.Resume, h.seen)
	}
}

func TestCompletedPlanMakesNoCalls(t *testing.T) {
	saved := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate, cAttach}}
	h := newHarness(t, "ENABLED", &plan.Plan{InputsDigest: "i"})
	h.opts.Saved = saved
	rep, err := Run(context.Background(), h.opts)
	if err != nil || len(h.seen) != 0 || h.log.Len() != 0 || rep.Resume.Done != 2 {
		t.Fatalf("err %v, calls %v, report %+v", err, h.seen, rep)
	}
}

func TestDestroyGate(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate, cDetach, cDelete}}
	h := newHarness(t, "ENABLED", p)
	h.opts.Saved = p
	_, err := Run(context.Background(), h.opts)
	var de *DestroyError
	if !errors.As(err, &de) || len(de.Changes) != 2 || len(h.seen) != 0 || h.log.Len() != 0 {
		t.Fatalf("err %v, calls %v", err, h.seen)
	}
	if !strings.Contains(err.Error(), "--allow-destroy") {
		t.Fatalf("message: %v", err)
	}
}

func TestNoBaselineExecutorRefusesBeforeAnyChange(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cEnable, cStack}}
	h := newHarness(t, "ENABLED", p)
	h.opts.Baselines = nil
	if _, err := Run(context.Background(), h.opts); err == nil || len(h.seen) != 0 {
		t.Fatalf("err %v, calls %v", err, h.seen)
	}
}

func TestConfirm(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate}}
	h := newHarness(t, "ENABLED", p)
	asked := 0
	h.opts.Confirm = func(*plan.Plan) (bool, error) { asked++; return false, nil }
	if _, err := Run(context.Background(), h.opts); !errors.Is(err, ErrNotConfirmed) || asked != 1 || len(h.seen) != 0 {
		t.Fatalf("err %v, asked %d, calls %v", err, asked, h.seen)
	}
	// Nothing to do: nothing to confirm.
	h = newHarness(t, "ENABLED", &plan.Plan{InputsDigest: "i"})
	h.opts.Confirm = func(*plan.Plan) (bool, error) { asked++; return false, nil }
	if _, err := Run(context.Background(), h.opts); err != nil || asked != 1 {
		t.Fatalf("err %v, asked %d", err, asked)
	}
}

func TestPlanProblemsRefused(t *testing.T) {
	p := &plan.Plan{InputsDigest: "i", Changes: []plan.Change{cCreate}, Problems: []plan.Problem{
		{Severity: plan.SeverityWarning, Code: plan.CodeDestroyNotAllowed},
		{Severity: plan.SeverityError, Code: plan.CodeInvalidEffective, Message: "account 111111111111 would be invalid"}}}
	h := newHarness(t, "ENABLED", p)
	var pe *PlanError
	if _, err := Run(context.Background(), h.opts); !errors.As(err, &pe) || len(pe.Problems) != 1 || len(h.seen) != 0 {
		t.Fatalf("err %v, calls %v", err, h.seen)
	}
}

// An attachment that needs a baseline that failed to deploy is skipped,
// with the reason in the log; the rest is carried out, and Run fails.
func TestBlockedByFailedBaseline(t *testing.T) {
	attachRoot := cAttach
	attachRoot.Target = root
	p := &plan.Plan{InputsDigest: "i", AllowDestroy: true, Changes: []plan.Change{cStack, cCreate, cAttach, attachRoot, cDetach}}
	h := newHarness(t, "ENABLED", p)
	h.opts.Blocked = func(c plan.Change) (string, bool) {
		if c.Target != nil && c.Target.ID == prod.ID {
			return "vault missing in 111111111111", true
		}
		return "", false
	}
	rep, err := Run(context.Background(), h.opts)
	var be *BlockedError
	if !errors.As(err, &be) || len(be.Changes) != 1 || rep.Applied != 4 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	if got := strings.Join(h.seen, "\n"); strings.Contains(got, "ou-abcd-11111111") || !strings.Contains(got, "attach new p-00000002 -> r-abcd") {
		t.Fatalf("calls:\n%s", got)
	}
	es := h.entries(t)
	if e := es[2]; e.Result != Skipped || e.Target != prod.ID || e.Error != "vault missing in 111111111111" {
		t.Fatalf("log entry %+v", e)
	}
}
