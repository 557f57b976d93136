// Package apply carries out a plan against the live organization: it reads
// the organization again, plans again, refuses a plan that no longer
// describes what would happen (a stale plan) or that removes things without
// having been made with --allow-destroy, and runs the changes phase by phase
// through executors it is given, writing one log line per mutating call.
//
// It is pure apart from the interfaces it is handed: the reader, the planner
// and the executors are the only way it reaches AWS, so the orchestration is
// tested with fakes and the executors (internal/awsorg, internal/awsbackup)
// with their own fakes and with moto.
package apply

import (
	"context"

	"github.com/orgbackup/orgbackup/internal/plan"
)

// Result is what one mutating call achieved. The values are part of the
// apply log's format.
type Result string

// The results of a call.
const (
	// Done: the call changed the organization.
	Done Result = "done"
	// AlreadyDone: the organization was already as the change wants it
	// ("already attached", "not attached", "already enabled", a policy a
	// lost CreatePolicy response had created), so nothing changed.
	AlreadyDone Result = "already-done"
	// Failed: the call failed; apply stops after it.
	Failed Result = "failed"
	// Skipped: apply stopped before this change.
	Skipped Result = "skipped"
)

// Call is one mutating call an executor made, or found it did not need to
// make. Executors report every such call as it happens, so that the apply log
// is complete even if the process is killed right after.
type Call struct {
	Operation string // the API operation: CreatePolicy, AttachPolicy, UpdateGlobalSettings…
	PolicyID  string // the policy the call acted on, when it is known
	RequestID string // the AWS request id of the call's response, when there was one
	Attempts  int    // how many attempts the SDK made (retries + 1), when known
	Result    Result
	Err       error  // why it failed, or what an already-done call ran into
	Note      string // what happened, for people: "adopted p-… found by its tags"
}

// Recorder receives the calls of one change.
type Recorder func(Call)

// Outcome is what an executor learned carrying out a change.
type Outcome struct {
	// PolicyID is the id of the policy a create or adopt change acted on,
	// so that later changes of the same apply (attachments of a policy
	// created in this run) can name it.
	PolicyID string
}

// Executor carries out changes. Each change must be idempotent: executing a
// change whose effect is already in place reports AlreadyDone and changes
// nothing.
type Executor interface {
	Execute(ctx context.Context, c plan.Change, rec Recorder) (Outcome, error)
}

// Baselines carries out the changes of the baselines phase (member-account
// roles and vaults, through StackSets). It gets the whole phase at once, so
// that it can run StackSet operations side by side and wait for them
// together; rec(i) records the calls of changes[i].
type Baselines interface {
	ApplyBaselines(ctx context.Context, changes []plan.Change, rec func(i int) Recorder) error
}

// PolicyTypeWaiter waits until a policy type is enabled on a root.
// EnablePolicyType is asynchronous: a policy type that a previous, killed
// apply enabled may still be PENDING_ENABLE, and nothing may be attached
// before it is ENABLED.
type PolicyTypeWaiter interface {
	WaitPolicyTypeEnabled(ctx context.Context, rootID, policyType string) error
}
