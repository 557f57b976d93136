package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// pendingCommands are commands the action calls that other branches are
// adding; the test below fails once one of them exists, so that it is
// checked from then on.
var pendingCommands = map[string]string{}

// actionValues stand for the shell variables in the action's calls.
var actionValues = strings.NewReplacer(
	`"$dir"`, "policies", `"$plan"`, "plan.json", `"$ORGBACKUP_PLAN"`, "plan.json",
	`"$outcome"`, "applied", `"$log"`, "apply.log.jsonl", `"$work/dist"`, "dist",
	`"$work/apply.txt"`, "apply.txt", `"${log_args[@]}"`, "--log apply.log.jsonl",
	`"${status_args[@]}"`, "--status status.md --status-failed",
)

// TestActionCallsParse checks every orgbackup call in the action's script
// against the real commands: the command exists, its flags exist and take
// the values given, and its positional arguments are accepted. A flag
// renamed on either side fails here, not in a team's workflow.
func TestActionCallsParse(t *testing.T) {
	data, err := os.ReadFile("../../action/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`(?m)^\s*orgbackup (.*)$`)
	cut := regexp.MustCompile(`\s*(>>?|\|\||2>&1).*$`)
	seen := map[string]bool{}
	for _, m := range call.FindAllStringSubmatch(string(data), -1) {
		line := cut.ReplaceAllString(actionValues.Replace(m[1]), "")
		if strings.ContainsAny(line, `"$'`) {
			t.Errorf("cannot check %q: a shell value this test does not know", m[1])
			continue
		}
		args := strings.Fields(line)
		seen[args[0]] = true
		if why, ok := pendingCommands[args[0]]; ok {
			t.Logf("orgbackup %s: not checked, the command is pending (%s)", line, why)
			continue
		}
		root := newRoot(&IO{Getenv: func(string) string { return "" }})
		cmd, rest, err := root.Find(args)
		if err != nil || cmd == root {
			t.Errorf("orgbackup %s: no such command (%v)", line, err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("orgbackup %s: %v", line, err)
			continue
		}
		if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			t.Errorf("orgbackup %s: %v", line, err)
		}
	}
	for _, want := range []string{"validate", "build", "preview", "plan", "comment", "apply", "status"} {
		if !seen[want] {
			t.Errorf("the action no longer calls orgbackup %s; update this test", want)
		}
	}
	root := newRoot(&IO{Getenv: func(string) string { return "" }})
	for name, why := range pendingCommands {
		if cmd, _, err := root.Find([]string{name}); err == nil && cmd != root {
			t.Errorf("orgbackup %s exists now (%s): remove it from pendingCommands", name, why)
		}
	}
}
