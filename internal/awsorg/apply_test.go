package awsorg

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

var ours = map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/a.cue"}

const docA = `{"plans":{"p":{"regions":{"@@assign":["eu-west-1"]}}}}`
const docB = `{"plans":{"p":{"regions":{"@@assign":["eu-west-2"]}}}}`

func newApplier(m *memOrg) *Applier {
	now := time.Unix(0, 0)
	return &Applier{API: m,
		Sleep: func(ctx context.Context, d time.Duration) error { now = now.Add(d); return ctx.Err() },
		Now:   func() time.Time { return now }}
}

// exec runs one change and returns the calls it recorded.
func exec(t *testing.T, a *Applier, c plan.Change) ([]apply.Call, apply.Outcome, error) {
	t.Helper()
	var calls []apply.Call
	out, err := a.Execute(context.Background(), c, func(call apply.Call) { calls = append(calls, call) })
	return calls, out, err
}

func results(calls []apply.Call) string {
	var s []string
	for _, c := range calls {
		s = append(s, c.Operation+":"+string(c.Result))
	}
	return strings.Join(s, " ")
}

func create(name, content string) plan.Change {
	return plan.Change{Action: plan.CreatePolicy, Phase: plan.PhasePolicies, Policy: name, After: content,
		Description: "d", Tags: ours}
}

func TestCreateSendsTagsAndRecordsRequestID(t *testing.T) {
	m := newMemOrg(t)
	calls, out, err := exec(t, newApplier(m), create("a", docA))
	if err != nil {
		t.Fatal(err)
	}
	ps := m.byName("a")
	if len(ps) != 1 || ps[0].tags["managed-by"] != "orgbackup" || ps[0].content != docA || ps[0].description != "d" {
		t.Fatalf("created %+v", ps)
	}
	if out.PolicyID != ps[0].id || len(calls) != 1 || calls[0].Result != apply.Done || calls[0].RequestID == "" || calls[0].PolicyID != ps[0].id {
		t.Fatalf("outcome %+v, calls %+v", out, calls)
	}
}

// A CreatePolicy whose response was lost: the policy exists with our tags.
// It is found by name, its tags make it ours, and it is adopted: one policy,
// not two, and the change is done.
func TestCreateLostResponseAdopts(t *testing.T) {
	m := newMemOrg(t)
	m.after = func(op string) error {
		if op == "CreatePolicy" {
			return errLost
		}
		return nil
	}
	calls, out, err := exec(t, newApplier(m), create("a", docA))
	if err != nil {
		t.Fatal(err)
	}
	ps := m.byName("a")
	if len(ps) != 1 || out.PolicyID != ps[0].id {
		t.Fatalf("policies %+v, outcome %+v", ps, out)
	}
	if results(calls) != "CreatePolicy:already-done" || !strings.Contains(calls[0].Note, "adopted") {
		t.Fatalf("calls %+v", calls)
	}
	if n := countOps(m.mutating, "UpdatePolicy"); n != 0 {
		t.Fatalf("%d UpdatePolicy calls for a policy whose content is already right", n)
	}
}

// The SDK retried a CreatePolicy whose first response was lost, and the
// retry got DuplicatePolicyException: same outcome. An adopted policy whose
// content differs (an older apply created it) is brought up to date.
func TestCreateDuplicateOursAdoptsAndConverges(t *testing.T) {
	m := newMemOrg(t)
	old := m.add("a", docB, ours)
	calls, out, err := exec(t, newApplier(m), create("a", docA))
	if err != nil {
		t.Fatal(err)
	}
	if out.PolicyID != old.id || old.content != docA || len(m.policies) != 1 {
		t.Fatalf("outcome %+v, policy %+v", out, old)
	}
	if results(calls) != "CreatePolicy:already-done UpdatePolicy:done" {
		t.Fatalf("calls %s", results(calls))
	}
}

// A policy of the same name that is not ours is a conflict: never adopted,
// never changed.
func TestCreateDuplicateNotOursFails(t *testing.T) {
	for name, tags := range map[string]map[string]string{
		"untagged":         nil,
		"other repository": {"managed-by": "orgbackup", policy.TagRepository: "acme/other"},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMemOrg(t)
			theirs := m.add("a", docB, tags)
			a := newApplier(m)
			a.Repository = "acme/backup"
			calls, _, err := exec(t, a, create("a", docA))
			if err == nil || !errors.Is(err, ErrNotOwned) {
				t.Fatalf("err = %v, want a not-owned conflict", err)
			}
			if theirs.content != docB || len(m.policies) != 1 || results(calls) != "CreatePolicy:failed" {
				t.Fatalf("policy %+v, %d policies, calls %s", theirs, len(m.policies), results(calls))
			}
			if n := len(m.mutating); n != 0 {
				t.Fatalf("%d mutating calls took effect: %v", n, m.mutating)
			}
		})
	}
}

// An ambiguous failure after which no policy of that name exists: the
// create did not happen, and the original error is reported.
func TestCreateAmbiguousNotFoundFails(t *testing.T) {
	m := newMemOrg(t)
	m.before = func(op string) error {
		if op == "CreatePolicy" {
			return errLost
		}
		return nil
	}
	calls, _, err := exec(t, newApplier(m), create("a", docA))
	if err == nil || !strings.Contains(err.Error(), "connection reset") || results(calls) != "CreatePolicy:failed" {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
	if countOps(m.calls, "ListPolicies") == 0 {
		t.Fatal("did not look for the policy after an ambiguous failure")
	}
}

// A definite client error is not looked up: it did not take effect.
func TestCreateDefiniteErrorFails(t *testing.T) {
	m := newMemOrg(t)
	m.before = func(op string) error {
		if op == "CreatePolicy" {
			return apiErr("MalformedPolicyDocumentException", "bad")
		}
		return nil
	}
	_, _, err := exec(t, newApplier(m), create("a", docA))
	if err == nil || !strings.Contains(err.Error(), "MalformedPolicyDocument") || countOps(m.calls, "ListPolicies") != 0 {
		t.Fatalf("err %v, calls %v", err, m.calls)
	}
}

func TestUpdateChecksOwnershipAtApplyTime(t *testing.T) {
	m := newMemOrg(t)
	// The plan thought it ours; since then someone removed the tag.
	p := m.add("a", docB, map[string]string{"team": "x"})
	c := plan.Change{Action: plan.UpdatePolicy, Phase: plan.PhasePolicies, Policy: "a", PolicyID: p.id, Before: docB, After: docA}
	_, _, err := exec(t, newApplier(m), c)
	if !errors.Is(err, ErrNotOwned) || p.content != docB || len(m.mutating) != 0 {
		t.Fatalf("err %v, content %s, mutating %v", err, p.content, m.mutating)
	}
	if !strings.Contains(err.Error(), "import --from-org --policy a") {
		t.Fatalf("the refusal does not say how to adopt: %v", err)
	}

	p.tags = ours
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || p.content != docA || results(calls) != "UpdatePolicy:done" {
		t.Fatalf("err %v, content %s, calls %s", err, p.content, results(calls))
	}
}

func TestRepositoryTagDecidesOwnership(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docB, map[string]string{"managed-by": "orgbackup", policy.TagRepository: "acme/other"})
	a := newApplier(m)
	a.Repository = "acme/backup"
	for _, c := range []plan.Change{
		{Action: plan.UpdatePolicy, Policy: "a", PolicyID: p.id, After: docA},
		{Action: plan.Detach, Policy: "a", PolicyID: p.id, Target: &plan.Target{ID: m.root}},
		{Action: plan.DeletePolicy, Policy: "a", PolicyID: p.id},
		{Action: plan.AdoptPolicy, Policy: "a", PolicyID: p.id, Tags: map[string]string{"managed-by": "orgbackup", policy.TagRepository: "acme/backup"}},
	} {
		if _, _, err := exec(t, a, c); err == nil {
			t.Errorf("%s of another repository's policy: no error", c.Action)
		}
	}
	if len(m.mutating) != 0 {
		t.Fatalf("mutating calls: %v", m.mutating)
	}
}

func TestAttachAlreadyAttachedIsDone(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docA, ours, m.root)
	c := plan.Change{Action: plan.Attach, Phase: plan.PhaseAttach, Policy: "a", PolicyID: p.id, Target: &plan.Target{ID: m.root}}
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || results(calls) != "AttachPolicy:already-done" {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
}

func TestDetach(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docA, ours, m.ous[0])
	c := plan.Change{Action: plan.Detach, Phase: plan.PhaseDetach, Policy: "a", PolicyID: p.id, Target: &plan.Target{ID: m.ous[0]}, Destructive: true}
	a := newApplier(m)
	calls, _, err := exec(t, a, c)
	if err != nil || results(calls) != "DetachPolicy:done" || len(p.targets) != 0 {
		t.Fatalf("err %v, calls %s, targets %v", err, results(calls), p.targets)
	}
	// Again: not attached counts as done.
	calls, _, err = exec(t, a, c)
	if err != nil || results(calls) != "DetachPolicy:already-done" {
		t.Fatalf("second detach: err %v, calls %s", err, results(calls))
	}
	// The ownership check ran once for both.
	if n := countOps(m.calls, "ListTagsForResource"); n != 1 {
		t.Fatalf("%d ownership checks, want 1 (cached for the run)", n)
	}
	// A policy that is gone is detached everywhere.
	delete(m.policies, p.id)
	calls, _, err = exec(t, newApplier(m), c)
	if err != nil || results(calls) != "DetachPolicy:already-done" {
		t.Fatalf("gone: err %v, calls %s", err, results(calls))
	}
}

func TestDetachNotOursRefused(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("hand-made", docA, nil, m.root)
	c := plan.Change{Action: plan.Detach, Policy: "hand-made", PolicyID: p.id, Target: &plan.Target{ID: m.root}}
	if _, _, err := exec(t, newApplier(m), c); !errors.Is(err, ErrNotOwned) || len(p.targets) != 1 {
		t.Fatalf("err %v, targets %v", err, p.targets)
	}
}

func TestDeleteRetriesPolicyInUse(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docA, ours)
	m.inUse = 2
	c := plan.Change{Action: plan.DeletePolicy, Phase: plan.PhaseDelete, Policy: "a", PolicyID: p.id, Destructive: true}
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || results(calls) != "DeletePolicy:done" || len(m.policies) != 0 {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
	if n := countOps(m.calls, "DeletePolicy"); n != 3 {
		t.Fatalf("%d DeletePolicy calls, want 3", n)
	}
}

func TestDeleteInUseIsBounded(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docA, ours, m.accounts[0]) // still attached where the plan did not know
	c := plan.Change{Action: plan.DeletePolicy, Phase: plan.PhaseDelete, Policy: "a", PolicyID: p.id, Destructive: true}
	a := newApplier(m)
	a.InUseAttempts = 3
	calls, _, err := exec(t, a, c)
	if err == nil || !strings.Contains(err.Error(), "after 3 attempts") || results(calls) != "DeletePolicy:failed" {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
	if n := countOps(m.calls, "DeletePolicy"); n != 3 {
		t.Fatalf("%d DeletePolicy calls, want 3", n)
	}
}

func TestDeleteGoneIsDone(t *testing.T) {
	m := newMemOrg(t)
	c := plan.Change{Action: plan.DeletePolicy, Policy: "a", PolicyID: "p-00000042", Destructive: true}
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || results(calls) != "DeletePolicy:already-done" {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
}

func TestEnablePolicyTypePollsUntilEnabled(t *testing.T) {
	m := newMemOrg(t)
	m.status = ""
	m.pendingPolls = 3
	c := plan.Change{Action: plan.EnablePolicyType, Phase: plan.PhasePrerequisites, Setting: "BACKUP_POLICY", Target: &plan.Target{ID: m.root}}
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || results(calls) != "EnablePolicyType:done" || m.status != "ENABLED" {
		t.Fatalf("err %v, calls %s, status %s", err, results(calls), m.status)
	}
	if n := countOps(m.calls, "ListRoots"); n != 4 {
		t.Fatalf("%d ListRoots polls, want 4", n)
	}
	// Already enabled counts as done, and is still checked for ENABLED.
	calls, _, err = exec(t, newApplier(m), c)
	if err != nil || results(calls) != "EnablePolicyType:already-done" {
		t.Fatalf("again: err %v, calls %s", err, results(calls))
	}
}

func TestEnablePolicyTypeTimesOut(t *testing.T) {
	m := newMemOrg(t)
	m.status = ""
	m.pendingPolls = 1 << 30
	c := plan.Change{Action: plan.EnablePolicyType, Setting: "BACKUP_POLICY", Target: &plan.Target{ID: m.root}}
	a := newApplier(m)
	a.EnableTimeout = time.Minute
	_, _, err := exec(t, a, c)
	if err == nil || !strings.Contains(err.Error(), "still PENDING_ENABLE after 1m0s") || !strings.Contains(err.Error(), "run apply again later") {
		t.Fatalf("err = %v", err)
	}
	if n := countOps(m.calls, "ListRoots"); n > 12 {
		t.Fatalf("%d polls in a minute: the backoff does not grow", n)
	}
}

func TestAdopt(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("hand-made", docA, map[string]string{"team": "x"})
	want := map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/hand-made.cue"}
	c := plan.Change{Action: plan.AdoptPolicy, Phase: plan.PhasePolicies, Policy: "hand-made", PolicyID: p.id, Tags: want}
	calls, _, err := exec(t, newApplier(m), c)
	if err != nil || results(calls) != "TagResource:done" || p.tags["managed-by"] != "orgbackup" || p.tags["team"] != "x" {
		t.Fatalf("err %v, calls %s, tags %v", err, results(calls), p.tags)
	}
	calls, _, err = exec(t, newApplier(m), c)
	if err != nil || results(calls) != "TagResource:already-done" || countOps(m.mutating, "TagResource") != 1 {
		t.Fatalf("again: err %v, calls %s", err, results(calls))
	}
}

func TestPrerequisites(t *testing.T) {
	m := newMemOrg(t)
	a := newApplier(m)
	for _, c := range []plan.Change{
		{Action: plan.EnableServiceAccess, Setting: plan.BackupPrincipal},
		{Action: plan.RegisterDelegatedAdmin, Setting: "222222222222", After: plan.BackupPrincipal},
	} {
		calls, _, err := exec(t, a, c)
		if err != nil || len(calls) != 1 || calls[0].Result != apply.Done {
			t.Fatalf("%s: err %v, calls %s", c.Action, err, results(calls))
		}
	}
	m.before = func(op string) error {
		return apiErr("AccountAlreadyRegisteredException", "already")
	}
	calls, _, err := exec(t, a, plan.Change{Action: plan.RegisterDelegatedAdmin, Setting: "222222222222"})
	if err != nil || results(calls) != "RegisterDelegatedAdministrator:already-done" {
		t.Fatalf("err %v, calls %s", err, results(calls))
	}
}

// A definition moved to another file: orgbackup's own policy gets its
// source tag brought up to date; a policy that is not its own is refused.
func TestRetag(t *testing.T) {
	m := newMemOrg(t)
	p := m.add("a", docA, map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/old.cue", "team": "x"})
	want := map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/new.cue"}
	c := plan.Change{Action: plan.TagPolicy, Phase: plan.PhasePolicies, Policy: "a", PolicyID: p.id, Tags: want}
	a := newApplier(m)
	calls, _, err := exec(t, a, c)
	if err != nil || results(calls) != "TagResource:done" || p.tags["orgbackup:source"] != "policies/new.cue" || p.tags["team"] != "x" {
		t.Fatalf("err %v, calls %s, tags %v", err, results(calls), p.tags)
	}
	// The run remembers the policy is still orgbackup's: an update after
	// the tag needs no second ownership check.
	n := countOps(m.calls, "ListTagsForResource")
	if _, _, err := exec(t, a, plan.Change{Action: plan.UpdatePolicy, Policy: "a", PolicyID: p.id, After: docB}); err != nil || countOps(m.calls, "ListTagsForResource") != n {
		t.Fatalf("update after tag: err %v, %d more tag reads", err, countOps(m.calls, "ListTagsForResource")-n)
	}

	h := m.add("h", docA, map[string]string{"team": "x"})
	if _, _, err := exec(t, a, plan.Change{Action: plan.TagPolicy, Policy: "h", PolicyID: h.id, Tags: want}); !errors.Is(err, ErrNotOwned) || len(h.tags) != 1 {
		t.Fatalf("err %v, tags %v", err, h.tags)
	}
}
