package awscfn

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// Defaults of the StackSets executor.
const (
	DefaultPoll = 10 * time.Second
	// DefaultTimeout bounds the wait for one operation. Rolling a baseline
	// out to hundreds of accounts a quarter at a time, Region after Region,
	// takes tens of minutes; hours mean it is stuck.
	DefaultTimeout = 3 * time.Hour
	// clockSkew is how far the local clock and CloudFormation's may
	// disagree when telling an operation that ended before the plan read
	// the organization from one that ended after.
	clockSkew = time.Minute
	// maxAttempts bounds the operation ids tried for one change.
	maxAttempts = 20
)

// StackSets carries out the plan's StackSet changes and waits for their
// operations.
type StackSets struct {
	API    StackSetAPI
	CallAs types.CallAs
	// InputsDigest is the plan's inputs digest; operation ids derive from
	// it and the change (baseline.OperationID).
	InputsDigest string
	// Since is when apply read the organization. An operation with a
	// change's id that was still running then, or ended after, did not
	// show in the state the plan was made from: it is this change's,
	// submitted by an apply that was interrupted, and is waited for
	// rather than submitted again.
	Since time.Time

	Poll    time.Duration // zero: DefaultPoll
	Timeout time.Duration // zero: DefaultTimeout
	// Sleep waits between polls; nil waits on a timer that ends with ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress receives one line per poll: "orgbackup-main-vault:
	// 120/340 accounts, 2 failed".
	Progress func(string)
}

// Outcome is what a StackSet change achieved.
type Outcome struct {
	OperationID string
	// Status is the operation's final status (SUCCEEDED, FAILED, STOPPED),
	// empty for a change without an operation (create, delete).
	Status string
	Reason string
	// Failures are the accounts and Regions where the operation failed,
	// with CloudFormation's reason.
	Failures []InstanceFailure
}

// InstanceFailure is one account and Region where an operation failed.
type InstanceFailure struct {
	Account string
	Region  string
	Status  string
	Reason  string
}

// Execute carries out one StackSet change with the template given (the
// change's, with managed key ARNs in place) and waits for its operation.
// expected is how many accounts the change reaches, for progress lines;
// zero if unknown. A failed operation is not an error: its Outcome says
// where it failed. An error means the change could not be carried out.
func (s *StackSets) Execute(ctx context.Context, c plan.Change, template string, expected int, ev func(Event)) (*Outcome, error) {
	d := c.Deployment
	if d == nil || d.StackSet == "" {
		return nil, fmt.Errorf("apply %s: the change names no StackSet", c.Action)
	}
	name := d.StackSet
	switch c.Action {
	case plan.CreateStackSet:
		return &Outcome{}, s.create(ctx, c, template, ev)
	case plan.DeleteStackSet:
		return &Outcome{}, s.delete(ctx, name, ev)
	case plan.UpdateStackSet:
		return s.operation(ctx, c, expected, ev, "UpdateStackSet", func(id string) (string, error) {
			out, err := s.API.UpdateStackSet(ctx, &cloudformation.UpdateStackSetInput{
				StackSetName:         aws.String(name),
				TemplateBody:         aws.String(template),
				Capabilities:         capabilities(d.Capabilities),
				Parameters:           cfnParameters(d.Parameters),
				Tags:                 cfnTags(c.Tags),
				PermissionModel:      types.PermissionModelsServiceManaged,
				AutoDeployment:       autoDeployment(),
				OperationPreferences: preferences(d.Preferences),
				OperationId:          aws.String(id),
				CallAs:               s.CallAs,
			})
			if err != nil {
				return errRequestID(err), err
			}
			return requestID(out.ResultMetadata), nil
		})
	case plan.AddStackInstances:
		return s.operation(ctx, c, expected, ev, "CreateStackInstances", func(id string) (string, error) {
			out, err := s.API.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
				StackSetName:         aws.String(name),
				DeploymentTargets:    targets(d),
				Regions:              d.Regions,
				OperationPreferences: preferences(d.Preferences),
				OperationId:          aws.String(id),
				CallAs:               s.CallAs,
			})
			if err != nil {
				return errRequestID(err), err
			}
			return requestID(out.ResultMetadata), nil
		})
	case plan.RemoveStackInstances:
		return s.operation(ctx, c, expected, ev, "DeleteStackInstances", func(id string) (string, error) {
			out, err := s.API.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
				StackSetName:         aws.String(name),
				DeploymentTargets:    targets(d),
				Regions:              d.Regions,
				RetainStacks:         aws.Bool(d.RetainStacks),
				OperationPreferences: preferences(d.Preferences),
				OperationId:          aws.String(id),
				CallAs:               s.CallAs,
			})
			if err != nil {
				return errRequestID(err), err
			}
			return requestID(out.ResultMetadata), nil
		})
	}
	return nil, fmt.Errorf("apply %s: not a StackSet change", c.Action)
}

func (s *StackSets) create(ctx context.Context, c plan.Change, template string, ev func(Event)) error {
	d := c.Deployment
	out, err := s.API.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName:    aws.String(d.StackSet),
		Description:     aws.String(fmt.Sprintf("orgbackup baseline %s: the %s AWS Backup needs in every account its policies reach", d.Baseline, d.Part)),
		TemplateBody:    aws.String(template),
		Capabilities:    capabilities(d.Capabilities),
		Parameters:      cfnParameters(d.Parameters),
		Tags:            cfnTags(c.Tags),
		PermissionModel: types.PermissionModelsServiceManaged,
		AutoDeployment:  autoDeployment(),
		// A retried CreateStackSet whose first response was lost is
		// recognised by the token rather than creating a second set.
		ClientRequestToken: aws.String(baseline.OperationID(s.InputsDigest, c, 0)),
		CallAs:             s.CallAs,
	})
	switch {
	case err == nil:
		ev(Event{Operation: "CreateStackSet", RequestID: requestID(out.ResultMetadata)})
		return nil
	case errorCode(err) == "NameAlreadyExistsException":
		// The plan saw no StackSet of that name and checked ownership of
		// any it saw: this one was created by an interrupted apply.
		ev(Event{Operation: "CreateStackSet", RequestID: errRequestID(err), AlreadyDone: true, Err: err, Note: "the StackSet exists already"})
		return nil
	}
	ev(Event{Operation: "CreateStackSet", RequestID: errRequestID(err), Err: err})
	return fmt.Errorf("create StackSet %s: %w", d.StackSet, err)
}

func (s *StackSets) delete(ctx context.Context, name string, ev func(Event)) error {
	if err := s.waitIdle(ctx, name, ev); err != nil {
		return err
	}
	out, err := s.API.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String(name), CallAs: s.CallAs})
	switch {
	case err == nil:
		ev(Event{Operation: "DeleteStackSet", RequestID: requestID(out.ResultMetadata)})
		return nil
	case errorCode(err) == "StackSetNotFoundException":
		ev(Event{Operation: "DeleteStackSet", RequestID: errRequestID(err), AlreadyDone: true, Note: "the StackSet is gone already"})
		return nil
	case errorCode(err) == "StackSetNotEmptyException":
		ev(Event{Operation: "DeleteStackSet", RequestID: errRequestID(err), Err: err})
		return fmt.Errorf("delete StackSet %s: it still has stack instances, in accounts outside the targets orgbackup removed them from; list them with `aws cloudformation list-stack-instances --stack-set-name %s`, delete them, and apply again: %w", name, name, err)
	}
	ev(Event{Operation: "DeleteStackSet", RequestID: errRequestID(err), Err: err})
	return fmt.Errorf("delete StackSet %s: %w", name, err)
}

// operation submits an operation for change c once, with a deterministic
// id, and waits for it; or waits for the operation an interrupted apply
// submitted for the same change.
func (s *StackSets) operation(ctx context.Context, c plan.Change, expected int, ev func(Event), op string, submit func(id string) (requestID string, err error)) (*Outcome, error) {
	name := c.Deployment.StackSet
	interrupted := 0
	for attempt := 0; attempt < maxAttempts; attempt++ {
		id := baseline.OperationID(s.InputsDigest, c, attempt)
		prev, err := s.describe(ctx, name, id)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			ended := aws.ToTime(prev.EndTimestamp)
			if activeOperation(prev.Status) || !ended.IsZero() && ended.After(s.Since.Add(-clockSkew)) {
				ev(Event{Operation: op, OperationID: id, AlreadyDone: true,
					Note: fmt.Sprintf("operation %s, submitted for this change by an earlier apply, is %s: waiting for it; nothing new is submitted", id, prev.Status)})
				return s.Wait(ctx, name, id, expected)
			}
			// It ended before the organization was read, and the plan
			// still needs the change: the state was undone or never
			// reached. Submit it again under the next id.
			continue
		}
		if err := s.waitIdle(ctx, name, ev); err != nil {
			return nil, err
		}
		rid, err := submit(id)
		switch code := errorCode(err); {
		case err == nil:
			ev(Event{Operation: op, RequestID: rid, OperationID: id, Note: "operation " + id})
			return s.Wait(ctx, name, id, expected)
		case code == "OperationIdAlreadyExistsException":
			// The first submission's response was lost.
			ev(Event{Operation: op, RequestID: rid, OperationID: id, AlreadyDone: true, Note: "operation " + id + " was submitted already: waiting for it"})
			return s.Wait(ctx, name, id, expected)
		case code == "OperationInProgressException":
			// Someone started an operation between waitIdle and the
			// submission: wait for it, then try the same id again. Never
			// a blind retry.
			ev(Event{Operation: op, RequestID: rid, OperationID: id, Err: err, Note: "another operation started meanwhile: waiting for it before submitting"})
			if interrupted++; interrupted > maxAttempts {
				return nil, fmt.Errorf("%s on StackSet %s: other operations keep starting; apply again later: %w", op, name, err)
			}
			attempt--
			if err := s.waitIdle(ctx, name, ev); err != nil {
				return nil, err
			}
			continue
		default:
			ev(Event{Operation: op, RequestID: rid, OperationID: id, Err: err})
			return nil, fmt.Errorf("%s on StackSet %s: %w", op, name, err)
		}
	}
	return nil, fmt.Errorf("%s on StackSet %s: %d operations for this change ended without effect; see `aws cloudformation list-stack-set-operations --stack-set-name %s`", op, name, maxAttempts, name)
}

func (s *StackSets) describe(ctx context.Context, name, id string) (*types.StackSetOperation, error) {
	out, err := s.API.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(name), OperationId: aws.String(id), CallAs: s.CallAs})
	if err != nil {
		if isOperationNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe operation %s of StackSet %s: %w", id, name, err)
	}
	return out.StackSetOperation, nil
}

// waitIdle waits until no operation holds the StackSet.
func (s *StackSets) waitIdle(ctx context.Context, name string, ev func(Event)) error {
	for {
		out, err := s.API.ListStackSetOperations(ctx, &cloudformation.ListStackSetOperationsInput{StackSetName: aws.String(name), CallAs: s.CallAs, MaxResults: aws.Int32(20)})
		if err != nil {
			if errorCode(err) == "StackSetNotFoundException" {
				return nil
			}
			return fmt.Errorf("list operations of StackSet %s: %w", name, err)
		}
		i := slices.IndexFunc(out.Summaries, func(o types.StackSetOperationSummary) bool { return activeOperation(o.Status) })
		if i < 0 {
			return nil
		}
		id := aws.ToString(out.Summaries[i].OperationId)
		ev(Event{Operation: "DescribeStackSetOperation", OperationID: id, AlreadyDone: true,
			Note: fmt.Sprintf("operation %s (%s) is %s on the StackSet: waiting for it before submitting", id, out.Summaries[i].Action, out.Summaries[i].Status)})
		if _, err := s.Wait(ctx, name, id, 0); err != nil {
			return err
		}
	}
}

// Wait polls an operation until it ends, reporting progress, and returns
// its outcome with the failures per account and Region.
func (s *StackSets) Wait(ctx context.Context, name, id string, expected int) (*Outcome, error) {
	poll, timeout := s.Poll, s.Timeout
	if poll == 0 {
		poll = DefaultPoll
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		op, err := s.describe(ctx, name, id)
		if err != nil {
			return nil, err
		}
		if op == nil {
			return nil, fmt.Errorf("operation %s of StackSet %s: CloudFormation does not know it", id, name)
		}
		results, err := s.results(ctx, name, id)
		if err != nil {
			return nil, err
		}
		s.progress(name, results, expected, op.Status)
		if !activeOperation(op.Status) {
			o := &Outcome{OperationID: id, Status: string(op.Status), Reason: aws.ToString(op.StatusReason)}
			for _, r := range results {
				if r.Status == string(types.StackSetOperationResultStatusFailed) || r.Status == string(types.StackSetOperationResultStatusCancelled) {
					o.Failures = append(o.Failures, r)
				}
			}
			return o, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("operation %s of StackSet %s is still %s after %s; it goes on in CloudFormation: apply again to wait for it (nothing new is submitted)", id, name, op.Status, timeout)
		}
		if err := s.sleep(ctx, poll); err != nil {
			return nil, err
		}
	}
}

func (s *StackSets) results(ctx context.Context, name, id string) ([]InstanceFailure, error) {
	var out []InstanceFailure
	p := cloudformation.NewListStackSetOperationResultsPaginator(s.API, &cloudformation.ListStackSetOperationResultsInput{StackSetName: aws.String(name), OperationId: aws.String(id), CallAs: s.CallAs})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the results of operation %s of StackSet %s: %w", id, name, err)
		}
		for _, r := range page.Summaries {
			out = append(out, InstanceFailure{Account: aws.ToString(r.Account), Region: aws.ToString(r.Region), Status: string(r.Status), Reason: aws.ToString(r.StatusReason)})
		}
	}
	return out, nil
}

// progress reports "name: 120/340 accounts, 2 failed": an account is done
// when every Region of it is, failed when any Region failed.
func (s *StackSets) progress(name string, results []InstanceFailure, expected int, status types.StackSetOperationStatus) {
	if s.Progress == nil {
		return
	}
	done, failed := map[string]bool{}, map[string]bool{}
	pending := map[string]bool{}
	for _, r := range results {
		switch types.StackSetOperationResultStatus(r.Status) {
		case types.StackSetOperationResultStatusPending, types.StackSetOperationResultStatusRunning:
			pending[r.Account] = true
		case types.StackSetOperationResultStatusFailed, types.StackSetOperationResultStatusCancelled:
			failed[r.Account] = true
			done[r.Account] = true
		default:
			done[r.Account] = true
		}
	}
	n := 0
	for a := range done {
		if !pending[a] {
			n++
		}
	}
	total := fmt.Sprint(expected)
	if expected == 0 {
		total = "?"
	}
	s.Progress(fmt.Sprintf("%s: %d/%s accounts, %d failed (%s)", name, n, total, len(failed), strings.ToLower(string(status))))
}

func (s *StackSets) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func targets(d *plan.Deployment) *types.DeploymentTargets {
	t := &types.DeploymentTargets{OrganizationalUnitIds: d.OrganizationalUnits}
	if len(d.Accounts) > 0 {
		t.Accounts = d.Accounts
		if len(d.OrganizationalUnits) > 0 {
			t.AccountFilterType = types.AccountFilterTypeIntersection
		}
	}
	return t
}

func autoDeployment() *types.AutoDeployment {
	// Accounts that join a target OU get the role and vault; accounts that
	// leave lose their stack instance (the vault itself is retained).
	return &types.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)}
}

func preferences(p *plan.OperationPreferences) *types.StackSetOperationPreferences {
	if p == nil {
		return nil
	}
	return &types.StackSetOperationPreferences{
		MaxConcurrentPercentage:    aws.Int32(int32(p.MaxConcurrentPercentage)),
		FailureTolerancePercentage: aws.Int32(int32(p.FailureTolerancePercentage)),
		RegionConcurrencyType:      types.RegionConcurrencyType(p.RegionConcurrency),
		// Failures do not throttle the rollout down to one account at a
		// time; the tolerance alone decides when a Region stops.
		ConcurrencyMode: types.ConcurrencyModeSoftFailureTolerance,
	}
}

func capabilities(cs []string) []types.Capability {
	var out []types.Capability
	for _, c := range cs {
		out = append(out, types.Capability(c))
	}
	return out
}
