package awscall

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func responseError(status int, err error) error {
	return &awshttp.ResponseError{RequestID: "req-1", ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
}

func TestAmbiguous(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"cancelled", fmt.Errorf("op: %w", context.Canceled), false},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), true},
		{"dropped connection", responseError(0, errors.New("EOF")), true},
		{"transport", errors.New("dial tcp: connection refused"), true},
		{"server fault", responseError(500, &smithy.GenericAPIError{Code: "ServiceException", Fault: smithy.FaultServer}), true},
		{"html 500", responseError(500, errors.New("invalid character '<'")), true},
		{"client error", responseError(400, &smithy.GenericAPIError{Code: "DuplicatePolicyException", Fault: smithy.FaultClient}), false},
		{"html 404", responseError(404, errors.New("invalid character '<'")), false},
	} {
		if got := Ambiguous(c.err); got != c.want {
			t.Errorf("%s: Ambiguous = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCodesAndRequestIDs(t *testing.T) {
	err := fmt.Errorf("op: %w", responseError(400, &smithy.GenericAPIError{Code: "PolicyNotAttachedException"}))
	if !HasCode(err, "X", "PolicyNotAttachedException") || HasCode(err, "X") || HasCode(errors.New("x"), "X") {
		t.Error("HasCode")
	}
	if ErrRequestID(err) != "req-1" || ErrRequestID(errors.New("x")) != "" {
		t.Error("ErrRequestID")
	}
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, "req-2")
	if RequestID(md) != "req-2" || RequestID(middleware.Metadata{}) != "" {
		t.Error("RequestID")
	}
}
