package apply

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Options are the inputs of Run.
type Options struct {
	// Saved is the plan that was reviewed (apply plan.json). Nil means
	// there is none: Run plans and asks Confirm.
	Saved *plan.Plan
	// Read reads the live organization.
	Read func(ctx context.Context) (*org.Org, error)
	// Plan makes a plan against actual, from the same repository and
	// options as Saved (plan.Make).
	Plan func(actual *org.Org) (*plan.Plan, error)
	// Confirm is asked, without a saved plan, before anything changes;
	// nil approves (--auto-approve). It is not asked when there is
	// nothing to do.
	Confirm func(fresh *plan.Plan) (bool, error)

	// The executors. Org carries out every Organizations change, Settings
	// the AWS Backup settings, Baselines the baselines phase; a nil
	// Baselines cannot apply a plan with baseline changes (apply refuses
	// before it changes anything).
	Org       Executor
	Settings  Executor
	Baselines Baselines
	// Waiter makes sure the backup policy type is enabled before the
	// first attachment when the organization showed it not (yet) enabled.
	Waiter PolicyTypeWaiter
	// Blocked, if set, is asked after the baselines phase about every
	// attachment and policy update: whether it needs a role or vault that
	// failed to deploy (and why). Such a change is skipped, the others go
	// on, and Run fails at the end with a BlockedError: attaching a policy
	// whose vault is missing makes backups fail silently in that account.
	Blocked func(c plan.Change) (reason string, blocked bool)

	// Log receives the apply log: one JSON object per line per mutating
	// call (see Entry). Progress, if set, sees every entry as it is
	// written, with its change, for a human line on stderr.
	Log      io.Writer
	Progress func(plan.Change, Entry)
	// Now is the log's clock; nil means time.Now.
	Now func() time.Time
}

// Report is what Run did.
type Report struct {
	Fresh  *plan.Plan // the plan apply carried out (the fresh plan)
	Resume Resume     // how it relates to the saved plan
	// Applied counts the changes carried out now; Calls the mutating
	// calls made, by result.
	Applied int
	Calls   map[Result]int
}

// ErrNotConfirmed is returned when the confirmation was refused.
var ErrNotConfirmed = errors.New("apply cancelled: nothing was changed")

// DestroyError is the refusal to carry out destructive changes of a plan
// that was not made with --allow-destroy. Nothing has been changed.
type DestroyError struct{ Changes []plan.Change }

func (e *DestroyError) Error() string {
	return fmt.Sprintf("the plan has %s (detach or delete) but was not made with --allow-destroy; nothing was changed: review them, then plan again with --allow-destroy and apply that plan",
		count(len(e.Changes), "destructive change"))
}

// BlockedError lists the changes Run skipped because a baseline they need
// failed to deploy. Everything else was carried out; running apply again
// once the baseline deploys finishes the job.
type BlockedError struct {
	Changes []plan.Change
	Reasons []string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("%s skipped because a role or vault they need failed to deploy (first: %s); fix the baseline, then run apply again",
		count(len(e.Changes), "change"), e.Reasons[0])
}

// PlanError is the refusal to apply a plan that has errors (for example an
// account whose effective policy would become invalid, or a name clash with
// a policy orgbackup does not own).
type PlanError struct{ Problems []plan.Problem }

func (e *PlanError) Error() string {
	return fmt.Sprintf("the plan has %s; nothing was changed: run plan to see them", count(len(e.Problems), "error"))
}

// Run re-reads the live organization, plans again, checks the fresh plan
// against the saved one (or asks for confirmation), and carries it out
// phase by phase: prerequisites, baselines, policies, attachments,
// detachments, deletions. It stops at the first failure; running it again
// continues from where the organization is, since every change is
// idempotent and the fresh plan is what remains.
func Run(ctx context.Context, o Options) (*Report, error) {
	actual, err := o.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the organization: %w", err)
	}
	fresh, err := o.Plan(actual)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	rep := &Report{Fresh: fresh, Calls: map[Result]int{}}
	if fresh.HasErrors() {
		var errs []plan.Problem
		for _, p := range fresh.Problems {
			if p.Severity == plan.SeverityError {
				errs = append(errs, p)
			}
		}
		return rep, &PlanError{Problems: errs}
	}
	if o.Saved != nil {
		if rep.Resume, err = Check(o.Saved, fresh); err != nil {
			return rep, err
		}
	} else {
		rep.Resume = Resume{Planned: len(fresh.Changes)}
	}
	if err := gate(fresh, o); err != nil {
		return rep, err
	}
	if o.Saved == nil && o.Confirm != nil && len(fresh.Changes) > 0 {
		ok, err := o.Confirm(fresh)
		if err != nil {
			return rep, err
		}
		if !ok {
			return rep, ErrNotConfirmed
		}
	}
	r := &runner{o: o, rep: rep, ids: policyIDs(actual)}
	r.needWait, r.root = mustWait(actual)
	if err := r.run(ctx, ordered(fresh.Changes)); err != nil {
		return rep, err
	}
	if r.blocked != nil {
		return rep, r.blocked
	}
	return rep, nil
}

// gate refuses, before anything changes, what this run may not or cannot
// do.
func gate(p *plan.Plan, o Options) error {
	if d := p.Destructive(); len(d) > 0 && !p.AllowDestroy {
		return &DestroyError{Changes: d}
	}
	for _, c := range p.Changes {
		switch {
		case isBaseline(c) && o.Baselines == nil:
			return fmt.Errorf("the plan has baseline changes (%s), which this apply cannot carry out; nothing was changed", c.Action)
		case c.Action == plan.UpdateBackupSetting && o.Settings == nil,
			!isBaseline(c) && c.Action != plan.UpdateBackupSetting && o.Org == nil:
			return fmt.Errorf("no executor for %s changes; nothing was changed", c.Action)
		}
	}
	return nil
}

// ordered returns the changes phase by phase, keeping the plan's order
// within a phase.
func ordered(cs []plan.Change) []plan.Change {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b plan.Change) int { return int(a.Phase) - int(b.Phase) })
	return out
}

// policyIDs maps the names of the organization's backup policies to their
// ids, for the changes of policies that did not exist when the plan was
// made.
func policyIDs(o *org.Org) map[string]string {
	ids := map[string]string{}
	for _, p := range o.Policies() {
		if p.Type == policy.Type && p.ID != "" {
			ids[p.Name] = p.ID
		}
	}
	return ids
}

// mustWait reports whether the organization showed the backup policy type
// not enabled on its root, so that it must be seen ENABLED before anything
// is attached.
func mustWait(o *org.Org) (bool, string) {
	root := o.Root()
	if root == nil {
		return false, ""
	}
	for _, t := range root.PolicyTypes {
		if t.Type == policy.Type {
			return t.Status != "ENABLED", root.ID
		}
	}
	return true, root.ID
}

type runner struct {
	o        Options
	rep      *Report
	ids      map[string]string
	needWait bool
	root     string
	blocked  *BlockedError
}

func (r *runner) run(ctx context.Context, cs []plan.Change) error {
	for i := 0; i < len(cs); {
		c := cs[i]
		if isBaseline(c) {
			// A run of baseline changes of one phase goes to the
			// baselines executor at once.
			j := i + 1
			for j < len(cs) && isBaseline(cs[j]) && cs[j].Phase == c.Phase {
				j++
			}
			if err := r.baselines(ctx, cs[i:j]); err != nil {
				r.skip(cs[j:])
				return err
			}
			i = j
			continue
		}
		if c.Phase == plan.PhaseAttach && r.needWait {
			if err := r.waitEnabled(ctx); err != nil {
				r.skip(cs[i:])
				return err
			}
		}
		if err := r.one(ctx, c); err != nil {
			r.skip(cs[i+1:])
			return err
		}
		i++
	}
	return nil
}

// isBaseline reports whether c is a member-baseline change, for the
// Baselines executor. They run in the baselines phase, except removals,
// which run with the deletions.
func isBaseline(c plan.Change) bool {
	return c.Action.IsBaseline()
}

func (r *runner) waitEnabled(ctx context.Context) error {
	if r.o.Waiter == nil {
		return fmt.Errorf("the backup policy type is not enabled on the root and this apply cannot wait for it")
	}
	if err := r.o.Waiter.WaitPolicyTypeEnabled(ctx, r.root, policy.Type); err != nil {
		return err
	}
	r.needWait = false
	return nil
}

func (r *runner) one(ctx context.Context, c plan.Change) error {
	if c.PolicyID == "" && c.Policy != "" {
		c.PolicyID = r.ids[c.Policy]
	}
	if (c.Action == plan.Attach || c.Action == plan.UpdatePolicy) && r.o.Blocked != nil {
		if why, blocked := r.o.Blocked(c); blocked {
			if r.blocked == nil {
				r.blocked = &BlockedError{}
			}
			r.blocked.Changes = append(r.blocked.Changes, c)
			r.blocked.Reasons = append(r.blocked.Reasons, why)
			r.record(c, Call{Result: Skipped, Err: errors.New(why)})
			return nil
		}
	}
	ex := r.o.Org
	if c.Action == plan.UpdateBackupSetting {
		ex = r.o.Settings
	}
	calls := 0
	out, err := ex.Execute(ctx, c, func(call Call) {
		calls++
		r.record(c, call)
	})
	if err != nil {
		if calls == 0 {
			r.record(c, Call{Result: Failed, Err: err})
		}
		return err
	}
	if out.PolicyID != "" && c.Policy != "" {
		r.ids[c.Policy] = out.PolicyID
	}
	if c.Action == plan.EnablePolicyType {
		// The executor waited for ENABLED after enabling.
		r.needWait = false
	}
	r.rep.Applied++
	return nil
}

func (r *runner) baselines(ctx context.Context, cs []plan.Change) error {
	err := r.o.Baselines.ApplyBaselines(ctx, cs, func(i int) Recorder {
		return func(call Call) { r.record(cs[i], call) }
	})
	if err != nil {
		return err
	}
	r.rep.Applied += len(cs)
	return nil
}

func (r *runner) skip(cs []plan.Change) {
	for _, c := range cs {
		r.record(c, Call{Result: Skipped})
	}
}

// Entry is one line of the apply log. The field names are the log's
// format; new fields may be added.
type Entry struct {
	Time      string `json:"time"`
	Phase     string `json:"phase"`
	Action    string `json:"action"`
	Operation string `json:"operation,omitempty"`
	Policy    string `json:"policy,omitempty"`
	PolicyID  string `json:"policy_id,omitempty"`
	Target    string `json:"target,omitempty"`
	Setting   string `json:"setting,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	// Attempts is how many attempts the call took, when more than one.
	Attempts int    `json:"attempts,omitempty"`
	Result   Result `json:"result"`
	Error    string `json:"error,omitempty"`
	Note     string `json:"note,omitempty"`
}

func (r *runner) record(c plan.Change, call Call) {
	now := time.Now
	if r.o.Now != nil {
		now = r.o.Now
	}
	e := Entry{
		Time:      now().UTC().Format(time.RFC3339Nano),
		Phase:     PhaseName(c.Phase),
		Action:    string(c.Action),
		Operation: call.Operation,
		Policy:    c.Policy,
		PolicyID:  cmp.Or(call.PolicyID, c.PolicyID, r.ids[c.Policy]),
		Target:    targetOf(c),
		Setting:   c.Setting,
		RequestID: call.RequestID,
		Result:    call.Result,
		Note:      call.Note,
	}
	if call.Attempts > 1 {
		e.Attempts = call.Attempts
	}
	if call.Err != nil {
		e.Error = call.Err.Error()
	}
	if call.Operation != "" {
		r.rep.Calls[call.Result]++
	}
	if r.o.Log != nil {
		b, _ := json.Marshal(e) // an Entry of strings always encodes
		// A log line that cannot be written is not a reason to stop
		// half-way through an apply; the human line still shows it.
		_, _ = r.o.Log.Write(append(b, '\n'))
	}
	if r.o.Progress != nil {
		r.o.Progress(c, e)
	}
}

// PhaseName is a phase as the log and messages name it.
func PhaseName(p plan.Phase) string {
	switch p {
	case plan.PhasePrerequisites:
		return "prerequisites"
	case plan.PhaseBaselines:
		return "baselines"
	case plan.PhasePolicies:
		return "policies"
	case plan.PhaseAttach:
		return "attach"
	case plan.PhaseDetach:
		return "detach"
	case plan.PhaseDelete:
		return "delete"
	}
	return fmt.Sprintf("phase %d", int(p))
}
