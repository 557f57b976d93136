package awscall

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/orgbackup/orgbackup/internal/apply"
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

// A call the SDK retried once: Done records two attempts and the request id
// of the answer that succeeded.
func TestDoneRecordsAttempts(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("req-%d", n))
		if n == 1 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"TooManyRequestsException","Message":"Rate exceeded"}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
	out, err := c.AttachPolicy(context.Background(), &organizations.AttachPolicyInput{PolicyId: aws.String("p-12345678"), TargetId: aws.String("r-abcd")})
	if err != nil {
		t.Fatal(err)
	}
	call := Done("AttachPolicy", "p-12345678", out.ResultMetadata)
	if call.Attempts != 2 || call.RequestID != "req-2" || call.Result != apply.Done {
		t.Fatalf("%+v", call)
	}
}
