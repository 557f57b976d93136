package cli

// End-to-end tests of the live commands against moto, with the AWS CLI as
// the independent witness: the CLI builds an organization, the real
// orgbackup binary reads it.
//
// The moto launcher here is a stopgap until internal/awstest (the moto
// helper's branch) is merged; it starts moto 5.2.1 with the one bridge
// org snapshot needs (BACKUP_POLICY in CreatePolicy, as
// shared/reference/moto-support.md describes).

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/org"
)

// motoAvailable reports whether moto and the AWS CLI can run here. Without
// them the tests skip, unless CI is set: CI must run them.
func motoAvailable(t *testing.T) {
	t.Helper()
	var missing []string
	if err := exec.Command("python3", "-c", "import moto.server").Run(); err != nil {
		missing = append(missing, "python3 with moto")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		missing = append(missing, "the AWS CLI")
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but %s is missing", strings.Join(missing, " and "))
	}
	t.Skipf("%s not installed; these tests run on CI", strings.Join(missing, " and "))
}

func TestMoto(t *testing.T) {
	motoAvailable(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/moto",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_GOLDEN") != "",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"moto":        cmdMoto,
			"capture":     cmdCapture,
			"snapsummary": cmdSnapSummary,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

// bridge is moto with BACKUP_POLICY accepted by CreatePolicy: moto builds it
// as a tag policy and relabels it.
const bridge = `import sys
from moto.organizations import models
orig = models.FakePolicy.__init__
def init(self, org, **kw):
    if kw.get("Type") != "BACKUP_POLICY":
        return orig(self, org, **kw)
    orig(self, org, **dict(kw, Type="TAG_POLICY"))
    self.type = "BACKUP_POLICY"
    self._arn_format = "arn:{0}:organizations::{1}:policy/{2}/backup_policy/{3}"
models.FakePolicy.__init__ = init
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
`

// cmdMoto starts a moto server for the script and points the environment
// of everything the script runs (orgbackup, aws) at it.
func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: moto")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	py := filepath.Join(ts.Getenv("WORK"), ".moto-bridge.py")
	ts.Check(os.WriteFile(py, []byte(bridge), 0o644))
	cmd := exec.Command("python3", py, fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log, err := os.Create(filepath.Join(ts.Getenv("WORK"), ".moto.log"))
	ts.Check(err)
	cmd.Stdout, cmd.Stderr = log, log
	ts.Check(cmd.Start())
	ts.Defer(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		log.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			ts.Fatalf("moto did not start on %s:\n%s", addr, out)
		}
	}
	work := ts.Getenv("WORK")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            "http://" + addr,
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_REGION":                  "us-east-1",
		"AWS_DEFAULT_REGION":          "us-east-1",
		"AWS_CONFIG_FILE":             filepath.Join(work, ".aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(work, ".aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PAGER":                   "",
	} {
		ts.Setenv(k, v)
	}
}

// cmdCapture runs a command and sets VAR to its output, trimmed:
// capture VAR cmd args...
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: capture VAR command [args...]")
	}
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ts.Fatalf("%s: %v\n%s", strings.Join(args[1:], " "), err, ts.ReadFile("stderr"))
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// cmdSnapSummary prints a snapshot by names rather than ids, which moto
// makes up anew each run, so that scripts can compare it with a file.
// Attachments are listed by name, sorted: their order is the reader's
// business, tested elsewhere.
func cmdSnapSummary(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snapsummary FILE")
	}
	o, err := org.Load(ts.MkAbs(args[0]))
	ts.Check(err)
	w := ts.Stdout()
	fmt.Fprintf(w, "source %s, captured %v\n", o.Source, !o.CapturedAt.IsZero())
	var types []string
	for _, pt := range o.Root().PolicyTypes {
		types = append(types, pt.Type+"="+pt.Status)
	}
	fmt.Fprintf(w, "policy types: %s\n", strings.Join(types, ", "))
	var lines []string
	for _, e := range append(append([]*org.Entity{o.Root()}, o.OUs()...), o.Accounts()...) {
		var names []string
		for _, p := range o.Attached(e, org.BackupPolicy) {
			names = append(names, p.Name)
		}
		slices.Sort(names)
		lines = append(lines, fmt.Sprintf("%s: %s\n", o.Path(e), strings.Join(names, ", ")))
	}
	for _, p := range o.Policies() {
		var tags []string
		for k, v := range p.Tags {
			tags = append(tags, k+"="+v)
		}
		slices.Sort(tags)
		lines = append(lines, fmt.Sprintf("policy %s (%s): tags [%s] content %s\n", p.Name, p.Description, strings.Join(tags, " "), p.Content.Compact()))
	}
	slices.Sort(lines) // ids, which decide the order in the file, are moto's random ones
	fmt.Fprint(w, strings.Join(lines, ""))
	s := o.Settings
	fmt.Fprintf(w, "trusted services: %s\n", orUnknown(s.TrustedServices != nil, strings.Join(s.TrustedServices, ", ")))
	fmt.Fprintf(w, "delegated administrators: %s\n", orUnknown(s.DelegatedAdministrators != nil, fmt.Sprint(s.DelegatedAdministrators)))
	fmt.Fprintf(w, "backup global settings: %s\n", orUnknown(s.BackupGlobalSettings != nil, fmt.Sprint(s.BackupGlobalSettings)))
}

func orUnknown(known bool, s string) string {
	if !known {
		return "unknown"
	}
	return s
}
