// Package deploy carries out the baselines' changes of a plan: orgbackup's
// KMS keys first, then each StackSet's changes in order (different
// StackSets side by side, since CloudFormation runs their operations
// independently), then the management account's stacks. It waits for
// operations an earlier apply left running, and finally reads every
// StackSet's instances back, so that apply knows exactly which accounts and
// Regions lack a role or vault and skips only the policy attachments that
// need them.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// Parallel is how many StackSets (and management stacks) are worked on at
// once. StackSets throttle their own deployments; this bounds orgbackup's
// polling, not AWS's rollout.
const Parallel = 4

// Deployer carries out baseline changes.
type Deployer struct {
	StackSets *awscfn.StackSets
	Stacks    *awscfn.Stacks
	Keys      *awskms.Keys
	// ReadStackSet reads one StackSet back after its changes, to find the
	// instances that did not deploy.
	ReadStackSet func(ctx context.Context, name string) (*baseline.LiveStackSet, error)
	// Desired is what the repository's baselines deploy, from the fresh
	// plan; Planned its baselines part (the operations running when it
	// was made).
	Desired *baseline.Desired
	Planned *baseline.Planned
	// KeyARNs are the managed keys that exist, by Region, from the live
	// read; keys created by this apply are added.
	KeyARNs map[string]string
	// Health collects what failed to deploy.
	Health *baseline.Health
	// Progress receives a line per poll of a running operation.
	Progress func(string)

	mu      sync.Mutex // serialises recorders, which write one log
	settled map[string]bool
}

func (d *Deployer) defaults() {
	if d.Health == nil {
		d.Health = &baseline.Health{}
	}
	if d.StackSets.Progress == nil {
		d.StackSets.Progress = d.Progress
	}
}

// done marks a StackSet as waited for and read back.
func (d *Deployer) done(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.settled == nil {
		d.settled = map[string]bool{}
	}
	d.settled[name] = true
}

// Settle waits for the operations the plan found running on StackSets that
// this apply has not waited for (it had no change for them, or no baseline
// change at all), and records what they failed to deploy. Apply asks it
// before the first attachment: what those operations deploy is what the
// attachments need.
func (d *Deployer) Settle(ctx context.Context) error {
	if d.Planned == nil {
		return nil
	}
	d.defaults()
	var errs []error
	for _, op := range d.Planned.Running {
		d.mu.Lock()
		seen := d.settled[op.StackSet]
		d.mu.Unlock()
		if seen {
			continue
		}
		if err := d.check(ctx, op.StackSet); err != nil {
			errs = append(errs, err)
		}
		d.done(op.StackSet)
	}
	return errors.Join(errs...)
}

// ApplyBaselines carries out changes (the baseline changes of one phase, in
// plan order); rec(i) records the calls of changes[i]. It implements
// apply.Baselines. A baseline part that
// fails to deploy is recorded in Health and does not stop the others; the
// error is for what stops the phase itself (an API call that fails outright).
func (d *Deployer) ApplyBaselines(ctx context.Context, changes []plan.Change, rec func(i int) apply.Recorder) error {
	if d.KeyARNs == nil {
		d.KeyARNs = map[string]string{}
	}
	d.defaults()
	record := func(i int) apply.Recorder {
		r := rec(i)
		return func(c apply.Call) {
			d.mu.Lock()
			defer d.mu.Unlock()
			r(c)
		}
	}
	// Keys first: vault templates need their ARNs.
	var errs []error
	for i, c := range changes {
		if c.Action != plan.CreateKMSKey && c.Action != plan.UpdateKMSKeyPolicy {
			continue
		}
		r := record(i)
		arn, err := d.Keys.Execute(ctx, c, func(e awskms.Event) { r(kmsCall(e)) })
		if err != nil {
			errs = append(errs, err)
			d.Health.Add(baseline.Failure{Baseline: c.Deployment.Baseline, Part: baseline.PartVault, Region: c.Deployment.Region, Reason: err.Error()})
			continue
		}
		d.KeyARNs[c.Deployment.Region] = arn
	}

	// One worker per StackSet, its changes in order; stacks one worker
	// each.
	type job struct {
		name    string
		indexes []int
	}
	var jobs []*job
	byName := map[string]*job{}
	for i, c := range changes {
		dep := c.Deployment
		var key string
		switch {
		case c.Action == plan.CreateKMSKey || c.Action == plan.UpdateKMSKeyPolicy:
			continue
		case dep != nil && dep.StackSet != "":
			key = "set\x00" + dep.StackSet
		case dep != nil && dep.Stack != "":
			key = "stack\x00" + dep.Stack + "\x00" + dep.Region
		default:
			errs = append(errs, fmt.Errorf("apply %s: not a baseline change", c.Action))
			continue
		}
		j := byName[key]
		if j == nil {
			j = &job{name: key}
			byName[key] = j
			jobs = append(jobs, j)
		}
		j.indexes = append(j.indexes, i)
	}
	// StackSets with an operation running and no change still get a
	// worker: attachments must wait for what it deploys.
	if d.Planned != nil {
		for _, op := range d.Planned.Running {
			key := "set\x00" + op.StackSet
			if byName[key] == nil {
				j := &job{name: key}
				byName[key] = j
				jobs = append(jobs, j)
			}
		}
	}

	var wg sync.WaitGroup
	var emu sync.Mutex
	sem := make(chan struct{}, Parallel)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			kind, name, _ := strings.Cut(j.name, "\x00")
			var err error
			if kind == "set" {
				err = d.stackSet(ctx, name, changes, j.indexes, record)
			} else {
				err = d.stacks(ctx, changes, j.indexes, record)
			}
			if err != nil {
				emu.Lock()
				errs = append(errs, err)
				emu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stackSet carries out one StackSet's changes in order, then reads its
// instances back.
func (d *Deployer) stackSet(ctx context.Context, name string, changes []plan.Change, idx []int, record func(int) apply.Recorder) error {
	var err error
	part, base := "", ""
	for _, i := range idx {
		c := changes[i]
		part, base = c.Deployment.Part, c.Deployment.Baseline
		r := record(i)
		if err != nil {
			r(apply.Call{Result: apply.Skipped, Note: "an earlier change of this StackSet failed"})
			continue
		}
		tmpl, missing := baseline.ResolveKeys([]byte(c.After), c.Deployment.ManagedKeys, d.KeyARNs)
		if len(missing) > 0 {
			err = fmt.Errorf("%s %s: orgbackup's key in %s does not exist", c.Action, name, strings.Join(missing, ", "))
			r(apply.Call{Operation: opName(c.Action), Result: apply.Failed, Err: err})
			d.Health.Add(baseline.Failure{Baseline: base, Part: part, Reason: err.Error()})
			continue
		}
		expected := len(d.Desired.Wanted(c.Deployment.OrganizationalUnits, c.Deployment.Accounts))
		if c.Action == plan.UpdateStackSet {
			if ss := d.Desired.StackSet(name); ss != nil {
				expected = len(d.Desired.Expected(ss))
			}
		}
		calls := 0
		var out *awscfn.Outcome
		out, err = d.StackSets.Execute(ctx, c, string(tmpl), expected, func(e awscfn.Event) { calls++; r(cfnCall(e)) })
		if err != nil {
			if calls == 0 {
				r(apply.Call{Operation: opName(c.Action), Result: apply.Failed, Err: err})
			}
			if c.Phase == plan.PhaseBaselines {
				d.Health.Add(baseline.Failure{Baseline: base, Part: part, Reason: err.Error()})
			}
			continue
		}
		for _, f := range out.Failures {
			d.Health.Add(baseline.Failure{Baseline: base, Part: part, Account: f.Account, Region: f.Region, Reason: f.Reason})
		}
	}
	if err != nil {
		return err
	}
	defer d.done(name)
	return d.check(ctx, name)
}

// check waits for any operation still holding the StackSet, then reads its
// instances and records every wanted account and Region whose instance is
// missing or not CURRENT.
func (d *Deployer) check(ctx context.Context, name string) error {
	ss := d.Desired.StackSet(name)
	if ss == nil || d.ReadStackSet == nil {
		return nil
	}
	ls, err := d.ReadStackSet(ctx, name)
	if err != nil {
		return err
	}
	// An operation an earlier apply left running (or one that started
	// meanwhile) deploys what attachments need: wait for it. With managed
	// execution off, operations run one at a time, so this ends.
	for ls != nil && ls.Operation != nil {
		if _, err := d.StackSets.Wait(ctx, name, ls.Operation.ID, len(d.Desired.Expected(ss))); err != nil {
			return err
		}
		if ls, err = d.ReadStackSet(ctx, name); err != nil {
			return err
		}
	}
	if ls == nil {
		d.Health.Add(baseline.Failure{Baseline: ss.Baseline.Name, Part: ss.Part, Reason: "StackSet " + name + " does not exist"})
		return nil
	}
	for _, a := range d.Desired.Expected(ss) {
		for _, r := range ss.Regions {
			i := slices.IndexFunc(ls.Instances, func(in baseline.Instance) bool { return in.Account == a && in.Region == r })
			switch {
			case i < 0:
				d.Health.Add(baseline.Failure{Baseline: ss.Baseline.Name, Part: ss.Part, Account: a, Region: r, Reason: "no stack instance of " + name})
			case !ls.Instances[i].Healthy():
				in := ls.Instances[i]
				d.Health.Add(baseline.Failure{Baseline: ss.Baseline.Name, Part: ss.Part, Account: a, Region: r,
					Reason: strings.TrimSpace(fmt.Sprintf("stack instance %s/%s: %s", in.Status, in.Detailed, in.Reason))})
			}
		}
	}
	return nil
}

func (d *Deployer) stacks(ctx context.Context, changes []plan.Change, idx []int, record func(int) apply.Recorder) error {
	for _, i := range idx {
		c := changes[i]
		r := record(i)
		tmpl, missing := baseline.ResolveKeys([]byte(c.After), c.Deployment.ManagedKeys, d.KeyARNs)
		fail := baseline.Failure{Baseline: c.Deployment.Baseline, Part: c.Deployment.Part, Account: c.Deployment.Account, Region: c.Deployment.Region}
		if len(missing) > 0 {
			err := fmt.Errorf("%s %s: orgbackup's key in %s does not exist", c.Action, c.Deployment.Stack, strings.Join(missing, ", "))
			r(apply.Call{Operation: opName(c.Action), Result: apply.Failed, Err: err})
			fail.Reason = err.Error()
			d.Health.Add(fail)
			continue
		}
		calls := 0
		out, err := d.Stacks.Execute(ctx, c, string(tmpl), func(e awscfn.Event) { calls++; r(cfnCall(e)) })
		switch {
		case err != nil:
			if calls == 0 {
				r(apply.Call{Operation: opName(c.Action), Result: apply.Failed, Err: err})
			}
			fail.Reason = err.Error()
			if c.Phase == plan.PhaseBaselines {
				d.Health.Add(fail)
			}
			return err
		case out.Failed:
			fail.Reason = fmt.Sprintf("stack %s is %s: %s", c.Deployment.Stack, out.Status, out.Reason)
			r(apply.Call{Operation: "DescribeStacks", Result: apply.Failed, Err: errors.New(fail.Reason)})
			d.Health.Add(fail)
		}
	}
	return nil
}

func opName(a plan.Action) string {
	switch a {
	case plan.CreateStackSet:
		return "CreateStackSet"
	case plan.UpdateStackSet:
		return "UpdateStackSet"
	case plan.AddStackInstances:
		return "CreateStackInstances"
	case plan.RemoveStackInstances:
		return "DeleteStackInstances"
	case plan.DeleteStackSet:
		return "DeleteStackSet"
	case plan.CreateStack:
		return "CreateStack"
	case plan.UpdateStack:
		return "UpdateStack"
	case plan.DeleteStack:
		return "DeleteStack"
	}
	return string(a)
}

func cfnCall(e awscfn.Event) apply.Call {
	return call(e.Operation, e.RequestID, e.AlreadyDone, e.Err, e.Note)
}

func kmsCall(e awskms.Event) apply.Call {
	return call(e.Operation, e.RequestID, e.AlreadyDone, e.Err, e.Note)
}

func call(op, requestID string, already bool, err error, note string) apply.Call {
	c := apply.Call{Operation: op, RequestID: requestID, Result: apply.Done, Err: err, Note: note}
	switch {
	case already:
		c.Result = apply.AlreadyDone
	case err != nil:
		c.Result = apply.Failed
	}
	return c
}
