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
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
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
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorFault() == smithy.FaultServer
	}
	if re != nil {
		return false
	}
	return true
}
