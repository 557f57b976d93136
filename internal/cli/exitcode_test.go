package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/org"
)

// TestExitCodes pins the exit status of every outcome: scripts and CI
// depend on them (0 ok, 1 invalid or failed, 2 changes present under plan
// --detailed-exitcode, 3 merged but invalid, 64 usage).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	example, _ := filepath.Abs("../../policies")
	bad := write("bad/x.cue", "package orgbackup\nbogus: 1\n")
	invalidEff := write("eff.json", `{"plans": {"p": {"regions": {"@@assign": []}}}}`)
	snapshot := filepath.Join(example, "example-org.snapshot.json")
	// The example's policy attached to Root by hand, without the
	// ownership tag: a name clash, which the plan refuses.
	clash := write("clash.json", `{"format_version": "1",
  "roots": [{"id": "r-ab12", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}], "policies": {"BACKUP_POLICY": ["test-bk-policy"]}}],
  "policies": [{"id": "p-handmade01", "name": "test-bk-policy", "type": "BACKUP_POLICY", "content": {"plans": {}}}]}`)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"validate", example}, ExitOK},
		{[]string{"validate", filepath.Dir(bad)}, ExitFailed},
		{[]string{"validate", "--output", "yaml", example}, ExitUsage},
		{[]string{"validate", "a", "b"}, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"build", "--nope"}, ExitUsage},
		{[]string{"build", filepath.Dir(bad), "--out", filepath.Join(dir, "out")}, ExitFailed},
		{[]string{"effective", "--level", invalidEff}, ExitInvalidEffective},
		{[]string{"effective", "--level", filepath.Join(dir, "missing.json")}, ExitFailed},
		{[]string{"effective"}, ExitUsage},
		{[]string{"effective", example, "--account", "222222222222"}, ExitOK},
		{[]string{"effective", example, "--account", "222222222222", "--ou", "Root"}, ExitUsage},
		{[]string{"effective", example, "--level", invalidEff}, ExitUsage},
		{[]string{"effective", example, "--policies", example, "--account", "222222222222"}, ExitUsage},
		{[]string{"preview", example}, ExitOK},
		{[]string{"plan", example, "--org", snapshot}, ExitOK},
		{[]string{"plan", example, "--org", snapshot, "--detailed-exitcode"}, ExitChanges},
		{[]string{"plan", example, "--org", clash}, ExitFailed},
		{[]string{"plan", example, "--org", clash, "--detailed-exitcode"}, ExitFailed},
		{[]string{"plan", filepath.Dir(bad), "--org", snapshot, "--detailed-exitcode"}, ExitFailed},
		{[]string{"plan", example}, ExitFailed}, // no live reader in this IO
		{[]string{"plan", example, "--org", snapshot, "--region", "eu-west-1"}, ExitUsage},
		{[]string{"plan", example, "--output", "yaml"}, ExitUsage},
		{[]string{"plan", "--detailed-exitcode=maybe"}, ExitUsage},
		{[]string{"import"}, ExitUsage},
		{[]string{"import", "--from-org", "--json", invalidEff}, ExitUsage},
		{[]string{"import", "--policy", "x", "--json", invalidEff}, ExitUsage},
		{[]string{"import", "--from-org", "--org", snapshot, "--target", "Root"}, ExitUsage},
		{[]string{"import", "--from-org", "--org", snapshot, "--profile", "p"}, ExitUsage},
		{[]string{"import", "--from-org", "--org", snapshot, "--policy", "nope", "--stdout"}, ExitFailed},
		{[]string{"import", "--from-org", "--org", snapshot, "--stdout"}, ExitOK},
		{[]string{"import", "--from-org", "--stdout"}, ExitFailed}, // no live reader in this IO
		{[]string{"init", filepath.Join(dir, "starter"), "--action-ref", strings.Repeat("0a", 20)}, ExitOK},
		{[]string{"init", filepath.Join(dir, "starter"), "--action-ref", strings.Repeat("0a", 20)}, ExitFailed},
		{[]string{"init", filepath.Join(dir, "other"), "--action-ref", "main"}, ExitUsage},
		{[]string{"apply", example}, ExitUsage}, // no plan file, stdin not a terminal, no --auto-approve
		{[]string{"apply", filepath.Join(dir, "plan.json"), "--allow-destroy"}, ExitUsage},
		{[]string{"apply", example, filepath.Dir(bad)}, ExitUsage},
		{[]string{"apply", filepath.Join(dir, "missing.json"), example}, ExitFailed},
		{[]string{"apply", "--auto-approve", example}, ExitFailed}, // no live reader in this IO
		{[]string{"apply", "--auto-approve", "--role-arn", "nope", example}, ExitUsage},
		{[]string{"verify", "--role-arn", "nope", example}, ExitUsage},
		{[]string{"verify", "--all", "--sample", "2"}, ExitUsage},
		{[]string{"verify", "--account", "12"}, ExitUsage},
		{[]string{"verify", "--sample", "0"}, ExitUsage},
		{[]string{"verify", "--output", "markdown"}, ExitUsage},
		{[]string{"verify", example}, ExitFailed}, // no live reader in this IO
		{[]string{"org", "snapshot", "--role-arn", "plan-role"}, ExitUsage},
		{[]string{"org", "snapshot", "a", "b"}, ExitUsage},
		{[]string{"version"}, ExitOK},
		{[]string{"completion", "bash"}, ExitOK},
		{[]string{"completion", "tcsh"}, ExitUsage},
		{[]string{}, ExitOK},
	} {
		var out, errb bytes.Buffer
		got := Run(tc.args, &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
		if got != tc.want {
			t.Errorf("orgbackup %s = exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), got, tc.want, out.String(), errb.String())
		}
		if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic") {
			t.Errorf("orgbackup %s printed a stack trace:\n%s", strings.Join(tc.args, " "), errb.String())
		}
	}
}

// fileWriter returns a function that writes a file below dir, creating
// its directories, and returns its path.
func fileWriter(t *testing.T, dir string) func(name, data string) string {
	return func(name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// A panic anywhere in a command ends with exit 1 and a message, never
// Go's stack dump and exit 2.
func TestPanicIsAFailure(t *testing.T) {
	var errb bytes.Buffer
	o := &IO{Err: &errb}
	code := func() (code int) {
		defer recoverFailure(o, &code)
		panic("boom\n::error::x")
	}()
	if code != ExitFailed || !strings.HasPrefix(errb.String(), "orgbackup: internal error: boom⏎::error::x\n") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestPlanLiveReader checks the seam the live reader plugs into: without
// --org, plan asks IO.ReadOrg for the organization, with the flags and the
// snapshot in the directory (whose attachment order the reader keeps).
func TestPlanLiveReader(t *testing.T) {
	example, _ := filepath.Abs("../../policies")
	var got LiveOptions
	read := func(_ context.Context, lo LiveOptions, _ io.Writer) (*org.Org, error) {
		got = lo
		return org.Load(filepath.Join(example, "example-org.snapshot.json"))
	}
	var out, errb bytes.Buffer
	code := Run([]string{"plan", example, "--profile", "audit", "--region", "us-east-1", "--role-arn", "arn:aws:iam::111111111111:role/plan", "--detailed-exitcode"},
		&IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" }, ReadOrg: read})
	if code != ExitChanges {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitChanges, out.String(), errb.String())
	}
	want := LiveOptions{Profile: "audit", Region: "us-east-1", RoleARN: "arn:aws:iam::111111111111:role/plan", Previous: filepath.Join(example, "example-org.snapshot.json")}
	if got.Profile != want.Profile || got.Region != want.Region || got.RoleARN != want.RoleARN || !strings.HasSuffix(got.Previous, "example-org.snapshot.json") {
		t.Errorf("reader got %+v, want %+v", got, want)
	}
	if !strings.Contains(out.String(), "against the live organization (organization o-a1b2c3d4e5)") {
		t.Errorf("output does not say what it planned against:\n%s", out.String())
	}

	// A reader that fails fails the plan, saying why.
	out.Reset()
	errb.Reset()
	fail := func(context.Context, LiveOptions, io.Writer) (*org.Org, error) {
		return nil, errors.New("read organization: AccessDenied")
	}
	if code := Run([]string{"plan", example}, &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" }, ReadOrg: fail}); code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	if !strings.Contains(errb.String(), "AccessDenied") {
		t.Errorf("stderr = %q", errb.String())
	}
}

// version reports what go install recorded when no version was set at
// build time.
func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-abcdef123456"}}, "v0.0.0-20260102030405-abcdef123456"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, "dev (0123456789ab, modified)"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}}, "dev (abc)"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	} {
		if got := versionOf(&tc.bi); got != tc.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tc.bi.Main, got, tc.want)
		}
	}
}
