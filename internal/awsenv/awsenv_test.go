package awsenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"
)

// failing is an aws.HTTPClient that answers the first n attempts of each
// operation (keyed by PolicyId, or "" for calls without one) with an error
// and later ones with an empty success.
type failing struct {
	status int
	code   string
	n      int

	mu       sync.Mutex
	attempts map[string]int
	// gate, when set, holds every attempt after the n-th until it
	// returns true, so that all operations have retried before any
	// succeeds (see TestNoRetryQuota).
	gate func() bool
}

func (f *failing) Do(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	key := ""
	if i := bytes.Index(body, []byte(`"PolicyId":"`)); i >= 0 {
		key = string(body[i : i+30])
	}
	f.mu.Lock()
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	f.attempts[key]++
	n := f.attempts[key]
	f.mu.Unlock()
	if n <= f.n {
		b := fmt.Sprintf(`{"__type":%q,"Message":"injected"}`, f.code)
		if f.code == "" {
			b = "<html>Service Unavailable</html>"
		}
		return resp(f.status, b), nil
	}
	for f.gate != nil && !f.gate() {
		time.Sleep(time.Millisecond)
	}
	return resp(200, `{"Roots":[],"Targets":[]}`), nil
}

func (f *failing) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[key]
}

func resp(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: http.StatusText(status),
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(strings.NewReader(body))}
}

// noDelay keeps retry tests fast; the delays themselves are the SDK's.
func noDelay(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
}

func orgClient(h aws.HTTPClient, r aws.Retryer) *organizations.Client {
	return organizations.New(organizations.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  h,
		Retryer:     r,
	})
}

func TestRetryerRetriesOrganizationsErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{
		{400, "TooManyRequestsException"},
		{400, "ConcurrentModificationException"},
		{400, "PolicyChangesInProgressException"},
		{500, "ServiceException"},
		{503, ""},
	} {
		t.Run(fmt.Sprint(tc.status, tc.code), func(t *testing.T) {
			// MaxAttempts-1 failures: the last attempt succeeds.
			f := &failing{status: tc.status, code: tc.code, n: MaxAttempts - 1}
			if _, err := orgClient(f, NewRetryer(noDelay)).ListRoots(context.Background(), nil); err != nil {
				t.Fatalf("%d failures then success: %v", f.n, err)
			}
			if got := f.count(""); got != MaxAttempts {
				t.Errorf("%d attempts, want %d", got, MaxAttempts)
			}
			// One more failure than attempts: the error comes through.
			f = &failing{status: tc.status, code: tc.code, n: MaxAttempts}
			_, err := orgClient(f, NewRetryer(noDelay)).ListRoots(context.Background(), nil)
			var ae smithy.APIError
			if err == nil || tc.code != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.code) {
				t.Errorf("after %d failures: err = %v, want %s", f.n, err, tc.code)
			}
		})
	}
}

func TestRetryerDoesNotRetryOthers(t *testing.T) {
	for _, code := range []string{"AccessDeniedException", "OperationInProgressException", "PolicyNotFoundException", "DuplicatePolicyException"} {
		f := &failing{status: 400, code: code, n: 1}
		if _, err := orgClient(f, NewRetryer(noDelay)).ListRoots(context.Background(), nil); err == nil {
			t.Errorf("%s: succeeded", code)
		}
		if got := f.count(""); got != 1 {
			t.Errorf("%s: %d attempts, want 1", code, got)
		}
	}
}

func TestRetryerBackoff(t *testing.T) {
	r := NewRetryer()
	if r.MaxAttempts() != MaxAttempts {
		t.Errorf("MaxAttempts() = %d", r.MaxAttempts())
	}
	// The SDK's jitter backoff is random in [0, min(MaxBackoff, base·2^n)];
	// late attempts must be allowed to wait longer than the SDK's 20 s
	// default, never longer than MaxBackoff.
	throttle := &smithy.GenericAPIError{Code: "TooManyRequestsException"}
	var longest time.Duration
	for range 200 {
		d, err := r.RetryDelay(MaxAttempts-1, throttle)
		if err != nil {
			t.Fatal(err)
		}
		longest = max(longest, d)
	}
	if longest <= 20*time.Second || longest > MaxBackoff {
		t.Errorf("longest delay for a late throttle retry %s, want in (20s, %s]", longest, MaxBackoff)
	}
}

// TestNoRetryQuota runs many operations at once that each fail three times
// before they succeed, and holds every success until all have retried:
// the worst case of a long throttled run. The SDK's default retry quota
// fails some of them with "retry quota exceeded"; NewRetryer must not.
func TestNoRetryQuota(t *testing.T) {
	const ops, failures = 60, 3
	run := func(r aws.Retryer) (failed int, quota bool) {
		var done, errs atomic.Int32
		f := &failing{status: 400, code: "ConcurrentModificationException", n: failures}
		f.gate = func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			retried := 0
			for _, n := range f.attempts {
				if n > failures {
					retried++
				}
			}
			return retried+int(errs.Load()) >= ops
		}
		c := orgClient(f, r)
		var wg sync.WaitGroup
		for i := range ops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer done.Add(1)
				_, err := c.ListTargetsForPolicy(context.Background(), &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(fmt.Sprintf("p-%010d", i))})
				if err != nil {
					errs.Add(1)
					if strings.Contains(err.Error(), "retry quota exceeded") {
						quota = true
					}
				}
			}()
		}
		wg.Wait()
		return int(errs.Load()), quota
	}
	sdkDefault := retry.AddWithErrorCodes(retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = MaxAttempts; noDelay(o) }), RetryableCodes...)
	if failed, quota := run(sdkDefault); failed == 0 || !quota {
		t.Fatalf("the SDK's default quota did not run out (%d failed); the test proves nothing", failed)
	}
	if failed, _ := run(NewRetryer(noDelay)); failed != 0 {
		t.Errorf("%d of %d operations failed with NewRetryer", failed, ops)
	}
}

// isolate points the SDK's shared config at empty files and clears the
// environment it reads, so that the machine's own AWS setup cannot leak in.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ORGANIZATIONS", "AWS_ENDPOINT_URL_STS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	return dir
}

// recorder is a fake AWS endpoint that records what reaches it: the
// operation, the access key and Region the request is signed with. It
// answers STS AssumeRole with temporary credentials and everything else
// with an empty JSON object.
type recorder struct {
	mu   sync.Mutex
	seen []string // "target key region"
	form url.Values
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization") // AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...
	cred, _, _ := strings.Cut(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 Credential="), ",")
	parts := strings.Split(cred, "/")
	key, region := parts[0], ""
	if len(parts) > 2 {
		region = parts[2]
	}
	target := r.Header.Get("X-Amz-Target")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if target == "" {
		form, _ := url.ParseQuery(string(body))
		rc.form = form
		target = form.Get("Action")
	}
	rc.seen = append(rc.seen, target+" "+key+" "+region)
	if target == "AssumeRole" {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/plan/orgbackup-plan</Arn><AssumedRoleId>AROAX:orgbackup-plan</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fmt.Fprint(w, `{}`)
}

func (rc *recorder) calls() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.seen...)
}

func listRoots(t *testing.T, o Options) {
	t.Helper()
	cfg, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := organizations.NewFromConfig(cfg).ListRoots(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// withKeyAndEndpoint isolates the test, sets static credentials with the
// given access key in the environment and points AWS_ENDPOINT_URL at a new
// recorder.
func withKeyAndEndpoint(t *testing.T, key string) *recorder {
	isolate(t)
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	return rc
}

func TestLoadEnvironment(t *testing.T) {
	rc := withKeyAndEndpoint(t, "AKIDENV")

	// No Region anywhere: DefaultRegion.
	listRoots(t, Options{})
	// --region.
	listRoots(t, Options{Region: "eu-west-1"})
	// The per-service endpoint variable wins over the general one.
	other := &recorder{}
	srv2 := httptest.NewServer(other)
	defer srv2.Close()
	t.Setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", srv2.URL)
	listRoots(t, Options{})

	want := []string{"AWSOrganizationsV20161128.ListRoots AKIDENV us-east-1", "AWSOrganizationsV20161128.ListRoots AKIDENV eu-west-1"}
	if got := rc.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("AWS_ENDPOINT_URL got %q, want %q", got, want)
	}
	if got := other.calls(); len(got) != 1 {
		t.Errorf("AWS_ENDPOINT_URL_ORGANIZATIONS got %q", got)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := isolate(t)
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("config", "[profile audit]\nregion = ap-northeast-1\nendpoint_url = "+srv.URL+"\n")
	write("credentials", "[audit]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")

	listRoots(t, Options{Profile: "audit"})
	listRoots(t, Options{Profile: "audit", Region: "eu-central-1"}) // --region beats the profile's
	want := []string{"AWSOrganizationsV20161128.ListRoots AKIDPROFILE ap-northeast-1", "AWSOrganizationsV20161128.ListRoots AKIDPROFILE eu-central-1"}
	if got := rc.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := Load(context.Background(), Options{Profile: "missing"}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unknown profile: err = %v", err)
	}
}

func TestLoadAssumesRole(t *testing.T) {
	rc := withKeyAndEndpoint(t, "AKIDBASE")

	listRoots(t, Options{RoleARN: "arn:aws:iam::111122223333:role/plan", Command: "org snapshot"})
	want := []string{"AssumeRole AKIDBASE us-east-1", "AWSOrganizationsV20161128.ListRoots ASIAASSUMED us-east-1"}
	if got := rc.calls(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := rc.form.Get("RoleArn"); got != "arn:aws:iam::111122223333:role/plan" {
		t.Errorf("RoleArn %q", got)
	}
	if got := rc.form.Get("RoleSessionName"); got != "orgbackup-org-snapshot" {
		t.Errorf("RoleSessionName %q", got)
	}
}

func TestCheckRoleARN(t *testing.T) {
	for arn, ok := range map[string]bool{
		"arn:aws:iam::111122223333:role/plan":                 true,
		"arn:aws-us-gov:iam::111122223333:role/path/to/apply": true,
		"arn:aws:iam::111122223333:user/plan":                 false,
		"111122223333":                                        false,
		"arn:aws:iam::1111:role/plan":                         false,
		"":                                                    false,
	} {
		if err := CheckRoleARN(arn); (err == nil) != ok {
			t.Errorf("CheckRoleARN(%q) = %v", arn, err)
		}
	}
	if _, err := Load(context.Background(), Options{RoleARN: "plan"}); err == nil {
		t.Error("Load accepted --role-arn plan")
	}
}

func TestSessionName(t *testing.T) {
	for cmd, want := range map[string]string{
		"":                       "orgbackup",
		"plan":                   "orgbackup-plan",
		"org snapshot":           "orgbackup-org-snapshot",
		strings.Repeat("x", 100): "orgbackup-" + strings.Repeat("x", 54),
	} {
		if got := (Options{Command: cmd}).SessionName(); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", cmd, got, want)
		}
	}
}
