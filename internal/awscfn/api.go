// Package awscfn deploys orgbackup's member baselines with AWS
// CloudFormation: service-managed StackSets for the member accounts and
// regular stacks for the management account, which StackSets never deploy
// to. It reads what is deployed (for the plan), carries out the plan's
// StackSet and stack changes, and waits for them.
//
// CloudFormation is reached through small interfaces with the SDK's own
// method signatures, so *cloudformation.Client satisfies them unchanged.
//
// StackSets run one operation at a time per StackSet. Submitting while one
// runs fails with OperationInProgressException, and retrying that blindly is
// how tools end up with duplicated operations and "exceeded maximum number
// of attempts" after an hour (gitops-safety.md §3.6). So the SDK retryer
// never retries it; this package waits for the running operation, then
// submits once, with an operation id derived from the plan, and polls.
package awscfn

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"

	"github.com/orgbackup/orgbackup/internal/awscall"
)

// StackSetReadAPI is what reading orgbackup's StackSets needs.
type StackSetReadAPI interface {
	ListStackSets(context.Context, *cloudformation.ListStackSetsInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackSetsOutput, error)
	DescribeStackSet(context.Context, *cloudformation.DescribeStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error)
	ListStackInstances(context.Context, *cloudformation.ListStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackInstancesOutput, error)
	ListStackSetOperations(context.Context, *cloudformation.ListStackSetOperationsInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationsOutput, error)
}

// StackSetAPI is what carrying out StackSet changes needs.
type StackSetAPI interface {
	CreateStackSet(context.Context, *cloudformation.CreateStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackSetOutput, error)
	UpdateStackSet(context.Context, *cloudformation.UpdateStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error)
	DeleteStackSet(context.Context, *cloudformation.DeleteStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackSetOutput, error)
	CreateStackInstances(context.Context, *cloudformation.CreateStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error)
	DeleteStackInstances(context.Context, *cloudformation.DeleteStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackInstancesOutput, error)
	DescribeStackSetOperation(context.Context, *cloudformation.DescribeStackSetOperationInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOperationOutput, error)
	ListStackSetOperations(context.Context, *cloudformation.ListStackSetOperationsInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationsOutput, error)
	ListStackSetOperationResults(context.Context, *cloudformation.ListStackSetOperationResultsInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationResultsOutput, error)
	ListStackInstances(context.Context, *cloudformation.ListStackInstancesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackInstancesOutput, error)
}

// StackReadAPI is what reading the management account's stacks needs.
type StackReadAPI interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
}

// StackAPI is what carrying out stack changes needs.
type StackAPI interface {
	CreateStack(context.Context, *cloudformation.CreateStackInput, ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error)
	UpdateStack(context.Context, *cloudformation.UpdateStackInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateStackOutput, error)
	DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	// DescribeStackEvents finds the reason a resource failed.
	DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
}

// ValidateAPI checks a template.
type ValidateAPI interface {
	ValidateTemplate(context.Context, *cloudformation.ValidateTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.ValidateTemplateOutput, error)
}

// Event is one mutating call, or one that turned out not to be needed, for
// the apply log.
type Event struct {
	Operation   string // CreateStackSet, CreateStackInstances, …
	RequestID   string
	OperationID string // the StackSet operation it started or waited for
	// AlreadyDone: the call found its effect in place (a StackSet that
	// exists, an operation an earlier apply submitted).
	AlreadyDone bool
	Err         error
	Note        string
}

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// requestID and errRequestID are the request ids the apply log records.
var (
	requestID    = awscall.RequestID
	errRequestID = awscall.ErrRequestID
)

func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// isOperationNotFound reports whether err says the StackSet operation does
// not exist. AWS answers OperationNotFoundException; moto a ValidationError
// naming the operation.
func isOperationNotFound(err error) bool {
	switch errorCode(err) {
	case "OperationNotFoundException":
		return true
	case "ValidationError":
		m := strings.ToLower(errorMessage(err))
		return strings.Contains(m, "operation") || strings.Contains(m, "not exist") || strings.Contains(m, "not found")
	}
	return false
}

// isStackNotFound reports whether err says a stack does not exist:
// CloudFormation answers a ValidationError "Stack with id X does not exist".
func isStackNotFound(err error) bool {
	return errorCode(err) == "ValidationError" && strings.Contains(errorMessage(err), "does not exist")
}
