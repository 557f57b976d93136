// Package awsenv builds the aws.Config every live command uses: the SDK's
// default credential chain, an optional named profile, Region and role to
// assume, the SDK's standard endpoint settings, and a retryer suited to
// AWS Organizations' low rate limits.
//
// Nothing here is orgbackup's own invention on purpose: credentials,
// profiles and endpoints behave exactly as in the AWS CLI and every other
// SDK-based tool, so that `AWS_PROFILE`, `AWS_ENDPOINT_URL`,
// `AWS_ENDPOINT_URL_ORGANIZATIONS`, SSO, OIDC web identity in CI and so on
// work with no orgbackup-specific setting, and any emulator can stand in
// for AWS by endpoint alone.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Options are what the shared flags of the live commands select.
type Options struct {
	// Profile is a named profile from the shared config and credentials
	// files (--profile); empty means the SDK's default (AWS_PROFILE, or
	// "default").
	Profile string
	// Region is the AWS Region (--region); empty means the SDK's default
	// (AWS_REGION, the profile's region), and DefaultRegion when nothing
	// sets one.
	Region string
	// RoleARN is a role to assume with the credentials found (--role-arn),
	// e.g. a read-only plan role in the management account.
	RoleARN string
	// Command names the command in the assumed role's session name,
	// "orgbackup-<command>", so that CloudTrail shows which orgbackup
	// command made a call. Empty gives "orgbackup".
	Command string
}

// DefaultRegion is used when nothing configures a Region. Organizations is
// a global service whose endpoint is in us-east-1, so any Region reaches
// it; a Region is still needed to sign requests and for AWS Backup.
const DefaultRegion = "us-east-1"

// Retry settings. Organizations allows a handful of calls per second per
// operation (aws-backup-policies.md §3.3) and answers bursts with
// TooManyRequestsException; an apply or a snapshot of a large organization
// must ride that out rather than fail, so attempts and backoff are well
// above the SDK's defaults (3 attempts, 20 s).
const (
	MaxAttempts = 10
	MaxBackoff  = 30 * time.Second
)

// RetryableCodes are the error codes retried besides the SDK's defaults
// (which already include TooManyRequestsException and HTTP 5xx). They are
// the transient errors Organizations documents. StackSets'
// OperationInProgressException is deliberately not here: retrying a
// submitted StackSet operation blindly starts duplicates; callers wait for
// the running operation instead.
var RetryableCodes = []string{
	"ConcurrentModificationException",
	"PolicyChangesInProgressException",
	"ServiceException",
}

// NewRetryer returns the retryer every client uses: the SDK's standard
// retryer with MaxAttempts attempts, backoff up to MaxBackoff, the
// RetryableCodes added, and no client-side retry quota. The quota (a token
// bucket of 500, 5 to 14 tokens per retry) is what makes long,
// throttle-heavy runs fail with "retry quota exceeded" although every call
// would have succeeded given time. opts adjust the options after these
// defaults (tests shorten the backoff).
func NewRetryer(opts ...func(*retry.StandardOptions)) aws.Retryer {
	r := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.MaxBackoff = MaxBackoff
		o.RateLimiter = ratelimit.None
		for _, fn := range opts {
			fn(o)
		}
	})
	return retry.AddWithErrorCodes(r, RetryableCodes...)
}

// roleARN is the shape of an IAM role ARN, in any partition.
var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// CheckRoleARN reports whether s can be a role ARN; commands check --role-arn
// with it before any network call.
func CheckRoleARN(s string) error {
	if !roleARN.MatchString(s) {
		return fmt.Errorf("--role-arn %q is not an IAM role ARN; write arn:aws:iam::<account id>:role/<name>", s)
	}
	return nil
}

// SessionName is the session name used when assuming Options.RoleARN.
func (o Options) SessionName() string {
	name := "orgbackup"
	if o.Command != "" {
		name += "-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@-", r) {
				return r
			}
			return '-'
		}, o.Command)
	}
	return name[:min(len(name), 64)]
}

// Load builds the aws.Config for o. extra options are applied after
// orgbackup's own (tests point it at a fake). Credentials are not fetched
// here: the first call does that, and its error names the problem.
func Load(ctx context.Context, o Options, extra ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return NewRetryer() }),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	opts = append(opts, extra...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if o.RoleARN != "" {
		if err := CheckRoleARN(o.RoleARN); err != nil {
			return aws.Config{}, err
		}
		// STS is reached with the credentials found above, through the
		// same endpoint settings (AWS_ENDPOINT_URL_STS and so on).
		p := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), o.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = o.SessionName()
		})
		cfg.Credentials = aws.NewCredentialsCache(p)
	}
	return cfg, nil
}

// NotOffered reports whether err says that the endpoint does not offer the
// operation at all, rather than that the call failed: what an emulator
// answers for an operation it lacks (moto: HTTP 404 or 501 with an HTML
// body, no AWS error code), or an AWS error code that means the same.
// Callers that can do without the answer record it as unknown.
func NotOffered(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "UnknownOperationException", "UnsupportedAPIEndpointException", "NotImplemented", "InvalidAction":
			return true
		}
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound, http.StatusNotImplemented:
			return true
		}
	}
	return false
}
