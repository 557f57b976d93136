package awsorg

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// These tests run the orchestrator with the real Applier against memOrg:
// the properties that matter are end to end (a killed apply converges when
// run again, none duplicates or touches what is not orgbackup's, a
// completed apply re-run makes no mutating call). The same properties are
// tested with the real binary against moto in internal/cli.

type wantPolicy struct {
	name, content string
	targets       []string
}

// miniPlan is a small stand-in for plan.Make over memOrg's shape: enough
// to produce every kind of Organizations change.
func miniPlan(desired []wantPolicy, allowDestroy bool) func(*org.Org) (*plan.Plan, error) {
	return func(actual *org.Org) (*plan.Plan, error) {
		p := &plan.Plan{InputsDigest: fmt.Sprint(desired, allowDestroy), AllowDestroy: allowDestroy}
		add := func(c plan.Change) { p.Changes = append(p.Changes, c) }
		if root := actual.Root(); len(root.PolicyTypes) == 0 {
			add(plan.Change{Action: plan.EnablePolicyType, Phase: plan.PhasePrerequisites, Setting: "BACKUP_POLICY", Target: &plan.Target{ID: root.ID}})
		}
		tgt := func(e *org.Entity) *plan.Target { return &plan.Target{ID: e.ID} }
		for _, w := range desired {
			live := actual.PolicyOfType(policy.Type, w.name)
			id := ""
			if live == nil {
				add(plan.Change{Action: plan.CreatePolicy, Phase: plan.PhasePolicies, Policy: w.name, After: w.content, Tags: ours})
			} else {
				if live.Tags["managed-by"] != "orgbackup" {
					p.Problems = append(p.Problems, plan.Problem{Severity: plan.SeverityError, Code: plan.CodeNotOwned, Policy: w.name})
					continue
				}
				id = live.ID
				if got := string(live.Content.Compact()); got != w.content {
					add(plan.Change{Action: plan.UpdatePolicy, Phase: plan.PhasePolicies, Policy: w.name, PolicyID: id, Before: got, After: w.content})
				}
			}
			var have []string
			if live != nil {
				for _, e := range actual.Targets(live) {
					have = append(have, e.ID)
					if !slices.Contains(w.targets, e.ID) {
						add(plan.Change{Action: plan.Detach, Phase: plan.PhaseDetach, Policy: w.name, PolicyID: id, Target: tgt(e), Destructive: true})
					}
				}
			}
			for _, t := range w.targets {
				if !slices.Contains(have, t) {
					add(plan.Change{Action: plan.Attach, Phase: plan.PhaseAttach, Policy: w.name, PolicyID: id, Target: &plan.Target{ID: t}})
				}
			}
		}
		for _, live := range actual.Policies() {
			if live.Tags["managed-by"] != "orgbackup" || slices.ContainsFunc(desired, func(w wantPolicy) bool { return w.name == live.Name }) {
				continue
			}
			for _, e := range actual.Targets(live) {
				add(plan.Change{Action: plan.Detach, Phase: plan.PhaseDetach, Policy: live.Name, PolicyID: live.ID, Target: tgt(e), Destructive: true})
			}
			add(plan.Change{Action: plan.DeletePolicy, Phase: plan.PhaseDelete, Policy: live.Name, PolicyID: live.ID, Destructive: true})
		}
		return p, nil
	}
}

// scenario is an organization with something of every kind to do, and a
// hand-made policy attached to the same targets that must never be
// touched.
func scenario(t *testing.T) (*memOrg, []wantPolicy) {
	m := newMemOrg(t)
	m.status = ""
	m.add("hand-made", docA, map[string]string{"team": "storage"}, m.root, m.ous[0])
	m.add("stale", docA, ours, m.ous[1])
	m.add("changed", docA, ours, m.ous[0], m.accounts[2])
	want := []wantPolicy{
		{name: "fresh", content: `{"plans":{"f":{}}}`, targets: []string{m.root, m.ous[0]}},
		{name: "changed", content: docB, targets: []string{m.ous[0], m.accounts[0]}},
	}
	return m, want
}

// endState is everything apply may change, for comparison.
func endState(m *memOrg) string {
	var b strings.Builder
	for _, id := range m.ids() {
		p := m.policies[id]
		fmt.Fprintf(&b, "%s %s %v %v\n", p.name, p.content, slices.Sorted(maps.Keys(p.tags)), slices.Sorted(slices.Values(p.targets)))
	}
	fmt.Fprintf(&b, "type %s\n", m.status)
	return b.String()
}

func run(t *testing.T, ctx context.Context, m *memOrg, saved *plan.Plan, planner func(*org.Org) (*plan.Plan, error)) (*apply.Report, error) {
	t.Helper()
	a := newApplier(m)
	return apply.Run(ctx, apply.Options{
		Saved:  saved,
		Read:   func(context.Context) (*org.Org, error) { return m.snapshot(), nil },
		Plan:   planner,
		Org:    a,
		Waiter: a,
	})
}

func TestApplyConvergesAndReRunIsNoOp(t *testing.T) {
	m, want := scenario(t)
	planner := miniPlan(want, true)
	saved, _ := planner(m.snapshot())
	if _, err := run(t, context.Background(), m, saved, planner); err != nil {
		t.Fatal(err)
	}
	hand := m.byName("hand-made")[0]
	if hand.content != docA || len(hand.targets) != 2 || len(hand.tags) != 1 {
		t.Fatalf("the hand-made policy was touched: %+v", hand)
	}
	n := len(m.mutating)
	rep, err := run(t, context.Background(), m, saved, planner)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.mutating) != n || rep.Resume.Done != len(saved.Changes) {
		t.Fatalf("re-run made mutating calls: %v", m.mutating[n:])
	}
}

// TestCrashAfterEachMutatingCall kills the apply right after its k-th
// mutating call took effect (its response lost, as when the process dies),
// for every k, and runs the same saved plan again: every re-run is accepted
// as a resume, converges to the end state of an uninterrupted apply,
// creates no policy twice and leaves the hand-made policy alone.
func TestCrashAfterEachMutatingCall(t *testing.T) {
	clean, want := scenario(t)
	planner := miniPlan(want, true)
	saved, _ := planner(clean.snapshot())
	if _, err := run(t, context.Background(), clean, saved, planner); err != nil {
		t.Fatal(err)
	}
	wantEnd, total := endState(clean), len(clean.mutating)
	if total < 8 {
		t.Fatalf("the scenario makes only %d mutating calls: %v", total, clean.mutating)
	}
	for k := 1; k <= total; k++ {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			m, _ := scenario(t)
			ctx, kill := context.WithCancel(context.Background())
			m.after = func(op string) error {
				if len(m.mutating) == k {
					kill()
					return context.Canceled
				}
				return nil
			}
			m.before = func(string) error { return ctx.Err() }
			if _, err := run(t, ctx, m, saved, planner); err == nil && k < total {
				t.Fatalf("killed after call %d, yet apply succeeded", k)
			}
			m.after, m.before = nil, nil
			rep, err := run(t, context.Background(), m, saved, planner)
			if err != nil {
				t.Fatalf("re-run after a kill after call %d (%s): %v", k, m.mutating[k-1], err)
			}
			if got := endState(m); got != wantEnd {
				t.Fatalf("end state after a kill after call %d:\n%s\nwant:\n%s", k, got, wantEnd)
			}
			if rep.Resume.Done == 0 && k > 1 {
				t.Errorf("the re-run does not say it resumed: %+v", rep.Resume)
			}
			for _, name := range []string{"fresh", "changed"} {
				if n := len(m.byName(name)); n != 1 {
					t.Fatalf("%d policies named %s", n, name)
				}
			}
			if extra := len(m.mutating) - total; extra > 1 {
				t.Errorf("%d mutating calls in all, %d more than an uninterrupted apply: %v", len(m.mutating), extra, m.mutating)
			}
		})
	}
}
