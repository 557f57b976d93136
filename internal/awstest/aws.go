package awstest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Config is an aws-sdk-go-v2 configuration for this server as the
// management account. It makes one attempt per call: an unimplemented moto
// call is an HTTP 500 the standard retryer would repeat.
func (s *Server) Config(t T) aws.Config {
	t.Helper()
	return ConfigFor(t, s.URL, s.Region, credentials.NewStaticCredentialsProvider("testing", "testing", ""))
}

// ConfigFor is Config for another endpoint (a proxy) and credentials.
func ConfigFor(t T, url, region string, creds aws.CredentialsProvider) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithBaseEndpoint(url),
		config.WithCredentialsProvider(creds),
		config.WithRetryMaxAttempts(1),
		// Ignore the machine's shared files and profile.
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithSharedConfigProfile(""),
		config.WithEC2IMDSClientEnableState(0),
	)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	return cfg
}

// Credentials are static credentials from AssumeRole.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Env is the environment for a child process acting with these
// credentials against srv.
func (c Credentials) Env(srv *Server) []string {
	return append(srv.Env(),
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
		"AWS_SESSION_TOKEN="+c.SessionToken)
}

// AssumeRole assumes role (a name such as OrganizationAccountAccessRole, or
// an ARN) in account from the management account. moto then scopes every
// call made with the returned credentials to that account.
func (s *Server) AssumeRole(t T, account, role string) Credentials {
	t.Helper()
	arn := role
	if !strings.HasPrefix(role, "arn:") {
		arn = "arn:aws:iam::" + account + ":role/" + role
	}
	out, err := sts.NewFromConfig(s.Config(t)).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn:         aws.String(arn),
		RoleSessionName: aws.String("awstest"),
	})
	if err != nil {
		t.Fatalf("assume %s: %v", arn, err)
	}
	c := out.Credentials
	return Credentials{aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)}
}

// ConfigAs is an SDK configuration acting as account through its
// OrganizationAccountAccessRole.
func (s *Server) ConfigAs(t T, account string) aws.Config {
	t.Helper()
	c := s.AssumeRole(t, account, "OrganizationAccountAccessRole")
	return ConfigFor(t, s.URL, s.Region,
		credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
}

// cliTimeout bounds one AWS CLI run; the CLI itself takes about a second to
// start on these machines.
const cliTimeout = 2 * time.Minute

// CLI runs the AWS CLI (v1) against srv as the management account, as an
// independent witness of what orgbackup did, and returns its JSON output.
// It fails the test when the CLI fails.
func CLI(t T, srv *Server, args ...string) []byte {
	t.Helper()
	return CLIEnv(t, srv.Env(), args...)
}

// CLIEnv is CLI with an explicit environment, e.g. Credentials.Env.
func CLIEnv(t T, env []string, args ...string) []byte {
	t.Helper()
	out, stderr, err := RunCLI(env, args...)
	if err != nil {
		if _, lookErr := exec.LookPath("aws"); lookErr != nil {
			Unavailable(t, "the AWS CLI (aws) is not installed")
			return nil
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// RunCLI runs the AWS CLI with env added to the process environment and
// returns stdout, stderr and the error, for tests that expect a failure.
// Output is JSON unless args say --output; the CLI makes one attempt
// per call.
func RunCLI(env []string, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	if !slices.Contains(args, "--output") {
		args = append(args, "--output", "json")
	}
	cmd := exec.CommandContext(ctx, "aws", args...)
	cmd.Env = IsolatedEnv(append(env, "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard"))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// IsolatedEnv is this process's environment without any AWS_ variable,
// plus env: the environment for a child process that must reach only the
// emulator (no profile, region or credentials of the machine leak in).
func IsolatedEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// CLIJSON runs CLI and decodes its output into v.
func CLIJSON(t T, srv *Server, v any, args ...string) {
	t.Helper()
	out := CLI(t, srv, args...)
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("aws %s: decode output: %v\n%s", strings.Join(args, " "), err, out)
	}
}
