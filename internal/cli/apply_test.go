package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/org"
)

// Without a plan file, apply shows the plan and asks; on a terminal,
// anything but "yes" cancels, and nothing is called (the clients here
// would fail any call) or logged.
func TestApplyAsksOnATerminal(t *testing.T) {
	example, _ := filepath.Abs("../../policies")
	read := func(context.Context, LiveOptions, io.Writer) (*org.Org, error) {
		return org.Load(filepath.Join(example, "example-org.snapshot.json"))
	}
	dir := t.TempDir()
	t.Chdir(dir)
	for _, answer := range []string{"no\n", "", "YES please\n"} {
		var out, errb bytes.Buffer
		code := Run([]string{"apply", example}, &IO{In: strings.NewReader(answer), InTTY: true, Out: &out, Err: &errb,
			Getenv: func(string) string { return "" }, ReadOrg: read, AWSConfig: func(ctx context.Context, o awsenv.Options) (aws.Config, error) {
				return aws.Config{}, nil
			}})
		if code != ExitFailed {
			t.Fatalf("answer %q: exit %d, want %d\n%s%s", answer, code, ExitFailed, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "Plan: 1 to create") || !strings.Contains(out.String(), "Only 'yes' will be accepted: ") {
			t.Errorf("answer %q: the plan and the question are not shown:\n%s", answer, out.String())
		}
		if !strings.Contains(errb.String(), "apply cancelled: nothing was changed") {
			t.Errorf("answer %q: stderr %s", answer, errb.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultApplyLog)); !os.IsNotExist(err) {
		t.Errorf("a cancelled apply left a log: %v", err)
	}
}
