// Package awscall reads what a call to an AWS API answered, the same way for
// every service adapter: the request id the apply log records, the error
// code an executor decides on, and whether a failed call may still have
// taken effect.
package awscall

import (
	"context"
	"errors"
	"slices"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/orgbackup/orgbackup/internal/apply"
)

// RequestID returns the AWS request id of a successful call, from its
// output's ResultMetadata.
func RequestID(md middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}

// ErrRequestID returns the AWS request id of a failed call, when the
// failure came with a response.
func ErrRequestID(err error) string {
	var re interface{ ServiceRequestID() string }
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

// HasCode reports whether err is an AWS API error with one of codes, such
// as "DuplicatePolicyAttachmentException".
func HasCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return slices.Contains(codes, ae.ErrorCode())
}

// Ambiguous reports whether a failed call may nevertheless have taken
// effect: the request may have reached AWS, but no definite answer came
// back (a timeout, a dropped connection, a server error). A definite client
// error (4xx with an error code) did not take effect; neither did a call
// whose context was cancelled before it was sent.
func Ambiguous(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if status >= 500 {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorFault() == smithy.FaultServer
	}
	// No error code: ambiguous unless an answer came back (status 0 is a
	// request sent and never answered: a timeout, a dropped connection).
	return status == 0
}

// Attempts returns how many attempts the SDK's retryer made for a
// successful call (1 when it was not retried), or 0 when unknown.
func Attempts(md middleware.Metadata) int {
	r, ok := retry.GetAttemptResults(md)
	if !ok {
		return 0
	}
	return len(r.Results)
}

// The apply log's record of a call, the same for every executor.

// Done records a call that changed something: its request id and how
// many attempts it took.
func Done(op, policyID string, md middleware.Metadata) apply.Call {
	return apply.Call{Operation: op, PolicyID: policyID, RequestID: RequestID(md), Attempts: Attempts(md), Result: apply.Done}
}

// AlreadyDone records a call whose effect was already in place; err is the
// answer that said so, if one did.
func AlreadyDone(op, policyID string, err error, note string) apply.Call {
	return apply.Call{Operation: op, PolicyID: policyID, RequestID: ErrRequestID(err), Result: apply.AlreadyDone, Err: err, Note: note}
}

// Failed records a call that failed.
func Failed(op, policyID string, err error) apply.Call {
	return apply.Call{Operation: op, PolicyID: policyID, RequestID: ErrRequestID(err), Result: apply.Failed, Err: err}
}
