package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awsenv"
)

// Testscript commands for the apply scripts.
var applyCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"envstdout": cmdEnvStdout,
	"logcheck":  cmdLogCheck,
}

// fastRetryEnv, set for the orgbackup the test binary runs, keeps the
// production retryer (attempts, retried codes, no retry quota) but with a
// 1 ms backoff: the fault tests are about convergence, not timing, and with
// AWS's backoff of up to seconds per retry they would take minutes. It is
// read only by the test binary's own main (testMain), never by orgbackup.
const fastRetryEnv = "ORGBACKUP_TEST_FAST_RETRY"

// testMain is orgbackup's main as the test binary runs it.
func testMain() int {
	guardMemory(maxMemory(os.Getenv, os.Stderr), os.Stderr, os.Exit)
	o := systemIO()
	if os.Getenv(fastRetryEnv) != "" {
		o.AWSConfig = func(ctx context.Context, opts awsenv.Options) (aws.Config, error) {
			return awsenv.Load(ctx, opts, config.WithRetryer(func() aws.Retryer {
				return awsenv.NewRetryer(func(so *retry.StandardOptions) {
					so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
				})
			}))
		}
		o.ReadOrg = liveReader(o.AWSConfig)
	}
	return Run(os.Args[1:], o)
}

// cmdEnvStdout sets VAR to the previous command's standard output,
// trimmed, or to the first group of REGEXP matched in it (multi-line
// mode): envstdout VAR [REGEXP].
func cmdEnvStdout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: envstdout VAR [REGEXP]")
	}
	out := strings.TrimSpace(ts.ReadFile("stdout"))
	if len(args) == 2 {
		m := regexp.MustCompile("(?m)" + args[1]).FindStringSubmatch(out)
		if len(m) < 2 {
			ts.Fatalf("envstdout: %q does not match in:\n%s", args[1], out)
		}
		out = m[1]
	}
	ts.Setenv(args[0], out)
}

// cmdLogCheck checks an apply log: every line a JSON entry with the fields
// the log promises, N lines in all, each with result RESULT and, when done,
// a request id: logcheck FILE N RESULT.
func cmdLogCheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: logcheck FILE N RESULT")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	lines := strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n")
	if len(lines) != want {
		ts.Fatalf("%s has %d lines, want %d:\n%s", args[0], len(lines), want, strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		var e apply.Entry
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			ts.Fatalf("%s:%d: %v: %s", args[0], i+1, err, l)
		}
		if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil || e.Phase == "" || e.Action == "" || e.Operation == "" {
			ts.Fatalf("%s:%d: time, phase, action or operation missing: %s", args[0], i+1, l)
		}
		if string(e.Result) != args[2] || e.Result == apply.Done && e.RequestID == "" {
			ts.Fatalf("%s:%d: result %q, request id %q; want %s with a request id: %s", args[0], i+1, e.Result, e.RequestID, args[2], l)
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d entries\n", len(lines))
}
