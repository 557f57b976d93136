package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awsorg/awsorgtest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// liveOrg is a small organization as AWS would hold it: two backup
// policies attached together at one OU, in the order opposite to their ids.
const liveOrg = `{"format_version": "1",
 "organization": {"id": "o-a1b2c3d4e5", "management_account_id": "111111111111", "feature_set": "ALL"},
 "settings": {"trusted_services": ["backup.amazonaws.com"], "delegated_administrators": {"backup.amazonaws.com": ["222222222222"]},
   "backup_global_settings": {"isCrossAccountBackupEnabled": "true"}},
 "roots": [{"id": "r-ab12", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}], "policies": {"BACKUP_POLICY": ["p-aaaaaaa1"]}}],
 "organizational_units": [{"id": "ou-ab12-11111111", "name": "Workloads", "policies": {"BACKUP_POLICY": ["p-bbbbbbb2", "p-aaaaaaa1"]}}],
 "accounts": [{"id": "111111111111", "name": "management"}, {"id": "222222222222", "name": "prod", "parent_id": "ou-ab12-11111111"}],
 "policies": [
  {"id": "p-aaaaaaa1", "name": "daily", "type": "BACKUP_POLICY", "tags": {"managed-by": "orgbackup"}, "content": {"plans": {"daily": {}}}},
  {"id": "p-bbbbbbb2", "name": "weekly", "type": "BACKUP_POLICY", "content": {"plans": {"weekly": {}}}}]}`

// fakeAWS starts a fake Organizations serving liveOrg and returns it with
// an IO whose AWS configuration points at it.
func fakeAWS(t *testing.T, opts awsorgtest.Options) (*awsorgtest.Server, *IO, *bytes.Buffer, *bytes.Buffer) {
	srv, io, out, errb, _ := fakeAWSSeen(t, opts)
	return srv, io, out, errb
}

// fakeAWSSeen is fakeAWS that also returns the AWS options the command
// asked for, as the last call left them.
func fakeAWSSeen(t *testing.T, opts awsorgtest.Options) (*awsorgtest.Server, *IO, *bytes.Buffer, *bytes.Buffer, *awsenv.Options) {
	t.Helper()
	o, err := org.Parse("live.json", []byte(liveOrg))
	if err != nil {
		t.Fatal(err)
	}
	srv := awsorgtest.NewServer(o, opts)
	t.Cleanup(srv.Close)
	var out, errb bytes.Buffer
	seen := &awsenv.Options{}
	io := &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" },
		ReadOrg: liveReader(func(_ context.Context, o awsenv.Options) (aws.Config, error) { *seen = o; return srv.Config(), nil })}
	return srv, io, &out, &errb, seen
}

func TestOrgSnapshotAWSFlags(t *testing.T) {
	_, io, _, errb, seen := fakeAWSSeen(t, awsorgtest.Options{})
	args := []string{"org", "snapshot", t.TempDir(), "--profile", "mgmt", "--region", "eu-west-1", "--role-arn", "arn:aws:iam::111122223333:role/orgbackup-plan"}
	if code := Run(args, io); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	want := awsenv.Options{Profile: "mgmt", Region: "eu-west-1", RoleARN: "arn:aws:iam::111122223333:role/orgbackup-plan", Command: "org-snapshot"}
	if *seen != want {
		t.Errorf("AWS options %+v, want %+v", *seen, want)
	}
}

func TestOrgSnapshot(t *testing.T) {
	srv, io, out, errb := fakeAWS(t, awsorgtest.Options{})
	dir := t.TempDir()
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return Run(append([]string{"org", "snapshot"}, args...), io)
	}

	// First read: nothing in dir, so dir/org.snapshot.json, and the
	// order at the OU is a guess that the command points out.
	if code := run(dir); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	file := filepath.Join(dir, DefaultSnapshot)
	o, err := org.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "aws" || o.CapturedAt.IsZero() || len(o.Accounts()) != 2 || o.Settings.BackupGlobalSettings["isCrossAccountBackupEnabled"] != "true" {
		t.Errorf("snapshot:\n%s", o.Encode())
	}
	for _, want := range []string{
		"wrote " + file + ": 1 OUs, 2 accounts, 2 backup policies, 3 attachments\n",
		"read the organization in ",
		"API calls (DescribeGlobalSettings 1, DescribeOrganization 1, DescribePolicy 2, ",
		"there is no previous snapshot, so policies are in id order on each target",
		"(1 targets with more than one):\n  Root/Workloads: p-aaaaaaa1, p-bbbbbbb2\n",
		"wrote " + file + ": 1 OUs, 2 accounts, 2 backup policies, 3 attachments\n",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb)
		}
	}
	if out.Len() > 0 {
		t.Errorf("stdout: %s", out)
	}

	// Someone fixes the order by hand; the next read keeps it and says
	// nothing about order.
	data, _ := os.ReadFile(file)
	fixed := bytes.Replace(data, []byte(`"p-aaaaaaa1",
          "p-bbbbbbb2"`), []byte(`"p-bbbbbbb2",
          "p-aaaaaaa1"`), 1)
	if bytes.Equal(fixed, data) {
		t.Fatalf("fixture: no attachment list to reorder in\n%s", data)
	}
	os.WriteFile(file, fixed, 0o644)
	if code := run(dir); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	o, _ = org.Load(file)
	if ps := o.Attached(o.Entity("ou-ab12-11111111"), policy.Type); ps[0].ID != "p-bbbbbbb2" {
		t.Errorf("the order from the previous snapshot was lost:\n%s", o.Encode())
	}
	if strings.Contains(errb.String(), "attachment order") {
		t.Errorf("stderr:\n%s", errb)
	}

	// --out - writes the same to stdout, and no file.
	if code := run(dir, "--out", "-"); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if _, err := org.Parse("stdout", out.Bytes()); err != nil || !strings.Contains(errb.String(), "wrote stdout") {
		t.Errorf("stdout: %v\n%s", err, errb)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files in dir: %v", ents)
	}
	if srv.Calls()["ListTargetsForPolicy"] != 6 {
		t.Errorf("calls: %v", srv.Calls())
	}
}

func TestOrgSnapshotKeepsHandWritten(t *testing.T) {
	_, io, _, errb := fakeAWS(t, awsorgtest.Options{})
	dir := t.TempDir()
	hand := filepath.Join(dir, "example-org.snapshot.json")
	src, _ := os.ReadFile("../../policies/example-org.snapshot.json")
	os.WriteFile(hand, src, 0o644)

	if code := Run([]string{"org", "snapshot", dir}, io); code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s", code, ExitUsage, errb)
	}
	if !strings.Contains(errb.String(), "was not read from AWS") || !strings.Contains(errb.String(), "--out "+hand) {
		t.Errorf("stderr:\n%s", errb)
	}
	if now, _ := os.ReadFile(hand); !bytes.Equal(now, src) {
		t.Error("the hand-written snapshot changed")
	}
	// Asked to, it replaces it; the hand-written file's order is the
	// previous order (the example has no OU with two backup policies
	// that the live organization has, so everything there is appended).
	errb.Reset()
	if code := Run([]string{"org", "snapshot", dir, "--out", hand}, io); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if o, err := org.Load(hand); err != nil || o.Source != "aws" {
		t.Errorf("replaced snapshot: %v", err)
	}
	if !strings.Contains(errb.String(), "kept the order in "+hand) {
		t.Errorf("stderr:\n%s", errb)
	}
}

func TestOrgSnapshotFailures(t *testing.T) {
	dir := t.TempDir()
	two := t.TempDir()
	for _, f := range []string{"a.snapshot.json", "b.snapshot.json"} {
		os.WriteFile(filepath.Join(two, f), []byte(`{"format_version": "1", "source": "aws", "captured_at": "2025-01-01T00:00:00Z", "roots": [{"id": "r-ab12"}]}`), 0o644)
	}
	existing := filepath.Join(dir, DefaultSnapshot)
	broken := filepath.Join(t.TempDir(), "broken.snapshot.json")
	os.WriteFile(broken, []byte(`{"format_version": "1"}`), 0o644)
	for _, tc := range []struct {
		name   string
		fault  func(string, int) (int, string)
		args   []string
		code   int
		stderr string
		calls  bool
	}{
		{"bad role", nil, []string{dir, "--role-arn", "plan"}, ExitUsage, `--role-arn "plan" is not an IAM role ARN`, false},
		{"two snapshots", nil, []string{two}, ExitUsage, "2 snapshot files in " + two, false},
		{"no directory", nil, []string{filepath.Join(dir, "missing")}, ExitFailed, "find the snapshot in", false},
		{"broken previous", nil, []string{dir, "--previous", broken}, ExitFailed, "read previous snapshot " + broken, false},
		{"access denied", func(op string, _ int) (int, string) {
			if op == "ListTargetsForPolicy" {
				return 400, "AccessDeniedException"
			}
			return 0, ""
		}, []string{dir}, ExitFailed, "need organizations:ListTargetsForPolicy", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, io, _, errb := fakeAWS(t, awsorgtest.Options{Fault: tc.fault})
			os.WriteFile(existing, []byte("not touched"), 0o644)
			if tc.name != "access denied" {
				os.Remove(existing)
			} else {
				os.WriteFile(existing, []byte(`{"format_version": "1", "source": "aws", "captured_at": "2025-01-01T00:00:00Z", "roots": [{"id": "r-ab12"}]}`), 0o644)
			}
			before, _ := os.ReadFile(existing)
			code := Run(append([]string{"org", "snapshot"}, tc.args...), io)
			if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errb)
			}
			if n := len(srv.Calls()); (n > 0) != tc.calls {
				t.Errorf("calls made: %v", srv.Calls())
			}
			if after, _ := os.ReadFile(existing); !bytes.Equal(before, after) {
				t.Errorf("a failed read changed %s", existing)
			}
		})
	}
}
