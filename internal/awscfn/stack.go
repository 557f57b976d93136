package awscfn

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/orgbackup/orgbackup/internal/plan"
)

// Stacks carries out the plan's stack changes in the management account.
// Stacks live in a Region, so API gives the client of each.
type Stacks struct {
	API func(region string) StackAPI

	Poll    time.Duration // zero: 5 s
	Timeout time.Duration // zero: 30 min
	Sleep   func(ctx context.Context, d time.Duration) error
}

// StackOutcome is how a stack change ended: Failed with CloudFormation's
// reason when the stack did not reach the state the change wants.
type StackOutcome struct {
	Status string
	Failed bool
	Reason string
}

// Execute carries out one stack change with the template given (the
// change's, with managed key ARNs in place) and waits until the stack is
// settled. A stack that fails to deploy is an outcome, not an error.
func (s *Stacks) Execute(ctx context.Context, c plan.Change, template string, ev func(Event)) (*StackOutcome, error) {
	d := c.Deployment
	if d == nil || d.Stack == "" || d.Region == "" {
		return nil, fmt.Errorf("apply %s: the change names no stack and Region", c.Action)
	}
	api := s.API(d.Region)
	name := d.Stack
	cur, err := s.settle(ctx, api, name)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case plan.CreateStack:
		switch {
		case cur != nil && (cur.StackStatus == types.StackStatusRollbackComplete || cur.StackStatus == types.StackStatusCreateFailed || cur.StackStatus == types.StackStatusRollbackFailed):
			// A failed first creation leaves a stack that can only be
			// deleted; it holds nothing (the vault, if it was created,
			// is retained by its DeletionPolicy).
			if err := s.remove(ctx, api, name, ev); err != nil {
				return nil, err
			}
		case cur != nil:
			ev(Event{Operation: "CreateStack", AlreadyDone: true, Note: fmt.Sprintf("stack %s in %s exists already (%s)", name, d.Region, cur.StackStatus)})
			return s.outcome(ctx, api, cur, "CREATE_COMPLETE", "UPDATE_COMPLETE")
		}
		out, err := api.CreateStack(ctx, &cloudformation.CreateStackInput{
			StackName:    aws.String(name),
			TemplateBody: aws.String(template),
			Capabilities: capabilities(d.Capabilities),
			Parameters:   cfnParameters(d.Parameters),
			Tags:         cfnTags(c.Tags),
		})
		switch {
		case err == nil:
			ev(Event{Operation: "CreateStack", RequestID: requestID(out.ResultMetadata), Note: d.Region})
		case errorCode(err) == "AlreadyExistsException":
			ev(Event{Operation: "CreateStack", RequestID: errRequestID(err), AlreadyDone: true, Note: "created by an earlier apply"})
		default:
			ev(Event{Operation: "CreateStack", RequestID: errRequestID(err), Err: err})
			return nil, fmt.Errorf("create stack %s in %s: %w", name, d.Region, err)
		}
		cur, err = s.settle(ctx, api, name)
		if err != nil {
			return nil, err
		}
		return s.outcome(ctx, api, cur, "CREATE_COMPLETE")
	case plan.UpdateStack:
		out, err := api.UpdateStack(ctx, &cloudformation.UpdateStackInput{
			StackName:    aws.String(name),
			TemplateBody: aws.String(template),
			Capabilities: capabilities(d.Capabilities),
			Parameters:   cfnParameters(d.Parameters),
			Tags:         cfnTags(c.Tags),
		})
		switch {
		case err == nil:
			ev(Event{Operation: "UpdateStack", RequestID: requestID(out.ResultMetadata), Note: d.Region})
		case errorCode(err) == "ValidationError" && strings.Contains(errorMessage(err), "No updates are to be performed"):
			ev(Event{Operation: "UpdateStack", RequestID: errRequestID(err), AlreadyDone: true, Note: "the stack is up to date"})
		default:
			ev(Event{Operation: "UpdateStack", RequestID: errRequestID(err), Err: err})
			return nil, fmt.Errorf("update stack %s in %s: %w", name, d.Region, err)
		}
		cur, err = s.settle(ctx, api, name)
		if err != nil {
			return nil, err
		}
		return s.outcome(ctx, api, cur, "UPDATE_COMPLETE", "CREATE_COMPLETE")
	case plan.DeleteStack:
		if cur == nil {
			ev(Event{Operation: "DeleteStack", AlreadyDone: true, Note: "the stack is gone already"})
			return &StackOutcome{Status: "DELETE_COMPLETE"}, nil
		}
		if err := s.remove(ctx, api, name, ev); err != nil {
			return nil, err
		}
		return &StackOutcome{Status: "DELETE_COMPLETE"}, nil
	}
	return nil, fmt.Errorf("apply %s: not a stack change", c.Action)
}

// outcome judges a settled stack: ok is the list of good statuses.
func (s *Stacks) outcome(ctx context.Context, api StackAPI, st *types.Stack, ok ...string) (*StackOutcome, error) {
	if st == nil {
		return &StackOutcome{Failed: true, Reason: "the stack disappeared"}, nil
	}
	o := &StackOutcome{Status: string(st.StackStatus), Reason: aws.ToString(st.StackStatusReason)}
	for _, s := range ok {
		if string(st.StackStatus) == s {
			return o, nil
		}
	}
	o.Failed = true
	if r := failedResource(ctx, api, aws.ToString(st.StackId)); r != "" {
		o.Reason = r
	}
	return o, nil
}

// failedResource returns the reason of the most recent resource failure of
// a stack: more useful than the stack's "The following resource(s) failed".
func failedResource(ctx context.Context, api StackAPI, stackID string) string {
	out, err := api.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stackID)})
	if err != nil {
		return ""
	}
	for _, e := range out.StackEvents {
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.ResourceStatusReason) != "" && aws.ToString(e.LogicalResourceId) != aws.ToString(e.StackName) {
			return fmt.Sprintf("%s (%s): %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), aws.ToString(e.ResourceStatusReason))
		}
	}
	return ""
}

func (s *Stacks) remove(ctx context.Context, api StackAPI, name string, ev func(Event)) error {
	out, err := api.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(name)})
	if err != nil {
		ev(Event{Operation: "DeleteStack", RequestID: errRequestID(err), Err: err})
		return fmt.Errorf("delete stack %s: %w", name, err)
	}
	ev(Event{Operation: "DeleteStack", RequestID: requestID(out.ResultMetadata)})
	st, err := s.settle(ctx, api, name)
	if err != nil {
		return err
	}
	if st != nil && st.StackStatus != types.StackStatusDeleteComplete {
		return fmt.Errorf("delete stack %s: it is %s: %s", name, st.StackStatus, aws.ToString(st.StackStatusReason))
	}
	return nil
}

// settle waits until the stack is in no *_IN_PROGRESS state and returns
// it; nil if it does not exist.
func (s *Stacks) settle(ctx context.Context, api StackAPI, name string) (*types.Stack, error) {
	poll, timeout := s.Poll, s.Timeout
	if poll == 0 {
		poll = 5 * time.Second
	}
	if timeout == 0 {
		timeout = 30 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	for {
		out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			if isStackNotFound(err) {
				return nil, nil
			}
			return nil, fmt.Errorf("describe stack %s: %w", name, err)
		}
		if len(out.Stacks) == 0 {
			return nil, nil
		}
		st := out.Stacks[0]
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			return &st, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("stack %s is still %s after %s", name, st.StackStatus, timeout)
		}
		sleep := s.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if err := sleep(ctx, poll); err != nil {
			return nil, err
		}
	}
}

// ValidateTemplate asks CloudFormation to check a template and returns its
// error, if any.
func ValidateTemplate(ctx context.Context, api ValidateAPI, body string) error {
	_, err := api.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(body)})
	if err != nil {
		return fmt.Errorf("validate template: %w", err)
	}
	return nil
}
