package cli

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// hostileName is a name an attacker controls (a policy, OU or account name,
// a file name in a pull request): an ANSI colour, a terminal title, a
// forged annotation and ::stop-commands:: on lines of their own, Azure's
// ##[ and a Trojan-Source override.
const hostileName = "x\x1b[31m\x1b]0;t\x07\n::error::forged\n::stop-commands::tok\n##[error]y\u202ez"

// TestHostileNamesInert runs every command over input whose names are
// hostile and checks that no output stream could act on a terminal or a
// CI log: no escape or control character, and no line a runner would read
// as a command other than orgbackup's own annotations.
func TestHostileNamesInert(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	q := strconv.Quote(hostileName)
	// A policy named hostileName in a file named after it, with a vault
	// no baseline creates (so validate has something to say about it), and
	// a child policy whose override the parent forbids (so notes name it).
	policies := filepath.Join(dir, "policies")
	write("policies/"+strings.ReplaceAll(hostileName, "/", "_")+".cue", `package orgbackup

policies: `+q+`: {
	description: `+q+`
	targets: ["Root"]
	plans: daily: {
		"@@operators_allowed_for_child_policies": ["@@none"]
		regions: ["us-east-1"]
		rules: hourly: {
			schedule_expression:      "cron(0 5 ? * * *)"
			target_backup_vault_name: "vault"
		}
		selections: tags: tagged: {
			iam_role_arn: "arn:aws:iam::$account:role/backup"
			tag_key:      `+q+`
			tag_value: [`+q+`]
		}
	}
}
baselines: b: {targets: ["Root"], regions: ["us-east-1"], role_name: "backup", vault_name: "vault"}
`)
	snapshot := write("org.snapshot.json", `{"format_version": "1",
 "roots": [{"id": "r-ab12", "name": "Root", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}]}],
 "organizational_units": [{"id": "ou-ab12-11111111", "name": `+q+`}],
 "accounts": [{"id": "222222222222", "name": `+q+`, "parent_id": "ou-ab12-11111111"}]}`)
	level := write(hostileName+".json", `{"plans": {"p": {"regions": {"@@assign": ["us-east-1"]}, "@@operators_allowed_for_child_policies": ["@@none"]}}}`)
	child := write("child.json", `{"plans": {"p": {"regions": {"@@append": ["eu-west-1"]}, "new": {"@@assign": "x"}}}}`)
	badVault := write("bad/"+strings.ReplaceAll(hostileName, "/", "_")+".cue", "package orgbackup\n"+q+": 1\n")

	for _, args := range [][]string{
		{"validate", policies},
		{"validate", policies, "-o", "json"},
		{"validate", policies, "-o", "github"},
		{"validate", policies, "-o", "markdown"},
		{"validate", filepath.Dir(badVault)},
		{"validate", filepath.Dir(badVault), "-o", "github"},
		{"validate", policies, "--org", snapshot},
		{"build", policies, "--out", filepath.Join(dir, "dist")},
		{"build", policies, "--out", filepath.Join(dir, "dist"), "--check"},
		{"build", filepath.Dir(badVault), "--out", filepath.Join(dir, "dist2")},
		{"preview", policies, "--org", snapshot},
		{"preview", policies, "--org", snapshot, "-o", "json"},
		{"preview", policies, "--org", snapshot, "-o", "markdown"},
		{"effective", "--org", snapshot, "--account", "222222222222", "--policies", policies},
		{"effective", "--org", snapshot, "--ou", "ou-ab12-11111111", "--policies", policies},
		{"effective", "--level", level, "--level", child},
		{"effective", "--level", filepath.Join(dir, hostileName+"-missing.json")},
		{"import", "--json", level, "--stdout"},
		{"import", "--json", level, "--out", filepath.Join(dir, "imported")},
		{"validate", filepath.Join(dir, hostileName)},
	} {
		var out, errb bytes.Buffer
		code := Run(args, &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
		name := strings.Join(args[:min(len(args), 4)], " ")
		github := slicesContains(args, "github")
		checkInertOutput(t, name+" (stdout)", out.String(), github, slicesContains(args, "json") || args[0] == "effective")
		checkInertOutput(t, name+" (stderr)", errb.String(), false, false)
		if code == ExitUsage || strings.Contains(errb.String(), "panic") {
			t.Errorf("%s: exit %d\n%s", name, code, errb.String())
		}
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkInertOutput fails if out holds a control character (other than a
// line break) or a line a CI runner would read as a command. JSON escapes
// every C0 control; other characters of a value stay as they are, since
// JSON output is data and keeps values exact.
func checkInertOutput(t *testing.T, what, out string, github, json bool) {
	t.Helper()
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || !json && (r >= 0x80 && r < 0xa0 || r >= '\u202a' && r <= '\u202e') {
			t.Errorf("%s: output holds control character %U:\n%s", what, r, out)
			return
		}
	}
	for _, line := range strings.Split(out, "\n") {
		l := strings.TrimLeftFunc(line, unicode.IsSpace)
		if !strings.HasPrefix(l, "::") && !strings.HasPrefix(l, "##[") {
			continue
		}
		if github && (strings.HasPrefix(l, "::error file=") || strings.HasPrefix(l, "::warning file=") || strings.HasPrefix(l, "::notice title=orgbackup::")) {
			continue
		}
		t.Errorf("%s: a line would be read as a workflow command: %q", what, line)
	}
}
