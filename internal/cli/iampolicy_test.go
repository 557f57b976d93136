package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIAMPolicy runs iam-policy on the bundled example and on a copy whose
// snapshot was read from AWS: the ids come from such a snapshot only, the
// repository from the flag or the environment.
func TestIAMPolicy(t *testing.T) {
	example, _ := filepath.Abs("../../policies")
	run := func(env map[string]string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(args, &IO{Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
		return code, out.String(), errb.String()
	}

	code, out, errb := run(nil, "iam-policy", "--role", "apply", example)
	if code != ExitOK || !json.Valid([]byte(out)) || !strings.Contains(out, `"arn:aws:organizations::*:policy/o-*/backup_policy/*"`) {
		t.Fatalf("apply policy of the example: exit %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(errb, "the management account id is not known") {
		t.Errorf("no note that the account is unknown: %q", errb)
	}
	if code, _, errb := run(nil, "iam-policy", "--role", "plan", "--trust", example); code != ExitUsage || !strings.Contains(errb, "--repository") {
		t.Errorf("trust without a repository: exit %d, %q", code, errb)
	}
	code, out, _ = run(map[string]string{"GITHUB_REPOSITORY": "acme/policies"}, "iam-policy", "--role", "plan", "--trust", example)
	if code != ExitOK || !strings.Contains(out, `"repo:acme/policies:pull_request"`) || !strings.Contains(out, "MANAGEMENT_ACCOUNT_ID") {
		t.Errorf("trust from GITHUB_REPOSITORY: exit %d\n%s", code, out)
	}

	// A snapshot read from AWS names the management account and the
	// organization.
	dir := t.TempDir()
	cue, _ := os.ReadFile(filepath.Join(example, "test-bk-policy.cue"))
	snap, _ := os.ReadFile(filepath.Join(example, "example-org.snapshot.json"))
	aws := strings.Replace(string(snap), `"source": "hand-written",`, `"source": "aws", "captured_at": "2026-01-02T03:04:05Z",`, 1)
	os.WriteFile(filepath.Join(dir, "backup.cue"), cue, 0o644)
	os.WriteFile(filepath.Join(dir, "org.snapshot.json"), []byte(aws), 0o644)
	code, out, errb = run(nil, "iam-policy", "--role", "apply", "--trust", "--repository", "acme/policies", dir)
	if code != ExitOK || !strings.Contains(out, `"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"`) ||
		!strings.Contains(out, `"repo:acme/policies:environment:org-prod"`) || errb != "" {
		t.Errorf("apply trust: exit %d\n%s%s", code, out, errb)
	}
	code, out, _ = run(nil, "iam-policy", "--role", "apply", dir)
	if code != ExitOK || !strings.Contains(out, `"arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/backup_policy/*"`) {
		t.Errorf("apply policy: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{
		{"iam-policy"},
		{"iam-policy", "--role", "admin"},
		{"iam-policy", "--role", "plan", "--repository", "not a repo"},
		{"iam-policy", "--role", "plan", "--account", "12"},
		{"iam-policy", "--role", "plan", "--environment", "a b"},
		{"iam-policy", "--role", "plan", "--oidc-host", "https://x"},
	} {
		if code, _, _ := run(nil, args...); code != ExitUsage {
			t.Errorf("orgbackup %s: exit %d, want %d", strings.Join(args, " "), code, ExitUsage)
		}
	}
}
