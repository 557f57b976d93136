package workflows

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeOrgbackup stands in for the binary: it logs its arguments, writes
// the plan file it is asked for (unless FAKE_PLAN_NOFILE) and the apply log
// (if FAKE_APPLY_LOG), prints a line that tries to forge a workflow
// command, and exits with FAKE_<COMMAND>_RC.
const fakeOrgbackup = `#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_LOG"
case "$1" in
  plan)
    while [ $# -gt 0 ]; do
      if [ "$1" = --out ] && [ -z "${FAKE_PLAN_NOFILE:-}" ]; then echo '{"format_version":"1"}' > "$2"; fi
      shift
    done
    echo "Plan: 1 to create, 0 to update, 0 to delete, 1 attachment to add, 0 to remove"
    echo "::error::forged by a policy name"
    exit "${FAKE_PLAN_RC:-0}" ;;
  validate)
    if [ "$4" = markdown ]; then echo "### validate summary"; fi
    exit "${FAKE_VALIDATE_RC:-0}" ;;
  preview) echo "### preview summary" ;;
  apply)
    while [ $# -gt 0 ]; do
      if [ "$1" = --log ] && [ -n "${FAKE_APPLY_LOG:-}" ]; then echo '{"result":"done"}' > "$2"; fi
      shift
    done
    echo "applied"; exit "${FAKE_APPLY_RC:-0}" ;;
  comment) exit "${FAKE_COMMENT_RC:-0}" ;;
  status) echo "### status summary"; exit "${FAKE_STATUS_RC:-0}" ;;
esac
exit 0
`

type runResult struct {
	code    int
	stdout  string
	calls   []string
	outputs map[string]string
	summary string
	workDir string
}

// runAction runs action/run.sh as the composite step does, with env as
// the step's environment.
func runAction(t *testing.T, env map[string]string) runResult {
	t.Helper()
	script, err := filepath.Abs(filepath.Join(repoRoot, "action", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	work := filepath.Join(tmp, "workspace")
	for _, d := range []string{bin, filepath.Join(work, "policies"), filepath.Join(tmp, "runner")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "orgbackup"), []byte(fakeOrgbackup), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "policies", "org.snapshot.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Dir = work
	cmd.Env = []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"HOME=" + tmp,
		"RUNNER_TEMP=" + filepath.Join(tmp, "runner"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(tmp, "summary.md"),
		"GITHUB_OUTPUT=" + filepath.Join(tmp, "output"),
		"FAKE_LOG=" + filepath.Join(tmp, "calls"),
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	r := runResult{stdout: string(out), outputs: map[string]string{}, workDir: work}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	calls, _ := os.ReadFile(filepath.Join(tmp, "calls"))
	r.calls = strings.Split(strings.TrimSpace(string(calls)), "\n")
	outputs, _ := os.ReadFile(filepath.Join(tmp, "output"))
	for _, l := range strings.Split(strings.TrimSpace(string(outputs)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			r.outputs[k] = v
		}
	}
	summary, _ := os.ReadFile(filepath.Join(tmp, "summary.md"))
	r.summary = string(summary)
	return r
}

func (r runResult) called(t *testing.T, want ...string) {
	t.Helper()
	plan := filepath.Join(filepath.Dir(r.workDir), "runner", "orgbackup", "plan.json")
	got := strings.ReplaceAll(strings.Join(r.calls, "\n"), plan, "PLAN")
	got = strings.ReplaceAll(got, filepath.Join(filepath.Dir(r.workDir), "runner", "orgbackup"), "WORK")
	if got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s\n(output: %s)", got, strings.Join(want, "\n"), r.stdout)
	}
}

func TestRunValidate(t *testing.T) {
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "validate", "ORGBACKUP_DIR": "policies"})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	r.called(t, "validate policies --output github", "validate policies --output markdown",
		"build policies --out WORK/dist", "preview policies --output markdown")
	if r.summary != "### validate summary\n### preview summary\n" {
		t.Errorf("summary %q", r.summary)
	}

	// Invalid: the summary still gets the findings; nothing is built.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "validate", "FAKE_VALIDATE_RC": "1"})
	if r.code != 1 {
		t.Errorf("invalid: exit %d", r.code)
	}
	r.called(t, "validate policies --output github", "validate policies --output markdown")
	if r.summary != "### validate summary\n" {
		t.Errorf("invalid: summary %q", r.summary)
	}
}

func TestRunPlan(t *testing.T) {
	// Changes (exit 2) are a success with has-changes=true; the plan text
	// reaches the log with workflow commands stopped.
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "plan", "FAKE_PLAN_RC": "2"})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	r.called(t, "plan policies --out PLAN --detailed-exitcode", "comment policies --plan PLAN")
	if r.outputs["has-changes"] != "true" || !strings.HasSuffix(r.outputs["plan-path"], "/orgbackup/plan.json") ||
		r.outputs["summary"] != "Plan: 1 to create, 0 to update, 0 to delete, 1 attachment to add, 0 to remove" {
		t.Errorf("outputs %v", r.outputs)
	}
	lines := strings.Split(r.stdout, "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "::stop-commands::") || lines[2] != "::error::forged by a policy name" ||
		lines[3] != "::"+strings.TrimPrefix(lines[0], "::stop-commands::")+"::" || len(lines[0]) != len("::stop-commands::")+32 {
		t.Errorf("plan output not fenced by stop-commands:\n%s", r.stdout)
	}

	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "plan"})
	if r.code != 0 || r.outputs["has-changes"] != "false" {
		t.Errorf("no changes: exit %d, outputs %v", r.code, r.outputs)
	}

	// A plan with errors fails the step, after it is posted: the
	// reviewer must see the errors.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "plan", "FAKE_PLAN_RC": "1"})
	if r.code != 1 || r.outputs["has-changes"] != "" {
		t.Errorf("plan with errors: exit %d, outputs %v", r.code, r.outputs)
	}
	r.called(t, "plan policies --out PLAN --detailed-exitcode", "comment policies --plan PLAN")

	// No plan at all (the organization could not be read): the step
	// fails and posts nothing.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "plan", "FAKE_PLAN_RC": "1", "FAKE_PLAN_NOFILE": "1"})
	if r.code != 1 || r.outputs["plan-path"] != "" {
		t.Errorf("failed plan: exit %d, outputs %v", r.code, r.outputs)
	}
	r.called(t, "plan policies --out PLAN --detailed-exitcode")
}

func TestRunStatus(t *testing.T) {
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "status", "FAKE_PLAN_RC": "2"})
	if r.code != 0 || r.outputs["has-changes"] != "true" {
		t.Fatalf("exit %d, outputs %v: %s", r.code, r.outputs, r.stdout)
	}
	r.called(t, "validate policies --output github", "validate policies --output markdown",
		"build policies --out WORK/dist", "preview policies --output markdown",
		"plan policies --out PLAN --detailed-exitcode", "status policies --output markdown",
		"comment policies --plan PLAN --drift-issue --status WORK/status.md")
	if !strings.Contains(r.summary, "### status summary") {
		t.Errorf("status is not in the job summary: %q", r.summary)
	}

	// A plan with errors needs attention too: reported, then the step
	// fails.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "status", "FAKE_PLAN_RC": "1"})
	if r.code != 1 {
		t.Errorf("status with plan errors: exit %d", r.code)
	}
	if r.calls[len(r.calls)-1] == "" || !strings.Contains(r.calls[len(r.calls)-1], "--drift-issue") {
		t.Errorf("the drift issue was not reported: %v", r.calls)
	}

	// An empty plan, but status found failed jobs: the issue stays open
	// (--status-failed) and the step fails with status's exit.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "status", "FAKE_STATUS_RC": "1"})
	if r.code != 1 {
		t.Errorf("status needing attention: exit %d", r.code)
	}
	if last := r.calls[len(r.calls)-1]; !strings.HasSuffix(last, "/status.md --status-failed") || !strings.Contains(last, "--drift-issue --status ") {
		t.Errorf("the drift issue does not carry status's verdict: %v", r.calls)
	}
}

func TestRunApply(t *testing.T) {
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "apply"})
	if r.code != 64 || !strings.Contains(r.stdout, "::error title=orgbackup::apply needs the plan input") {
		t.Errorf("apply without a plan: exit %d: %s", r.code, r.stdout)
	}

	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "apply", "ORGBACKUP_PLAN": "reviewed/plan.json"})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	r.called(t, "apply reviewed/plan.json policies --auto-approve --log WORK/apply.log.jsonl",
		"comment policies --plan reviewed/plan.json --applied applied --apply-output WORK/apply.txt")

	// With a log, the outcome shows its calls; the log is an output, for
	// the artifact.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "apply", "ORGBACKUP_PLAN": "reviewed/plan.json", "FAKE_APPLY_LOG": "1"})
	r.called(t, "apply reviewed/plan.json policies --auto-approve --log WORK/apply.log.jsonl",
		"comment policies --plan reviewed/plan.json --applied applied --apply-output WORK/apply.txt --log WORK/apply.log.jsonl")
	if !strings.HasSuffix(r.outputs["apply-log"], "/orgbackup/apply.log.jsonl") {
		t.Errorf("outputs %v", r.outputs)
	}

	// A refused (stale) or failed apply fails the step, and says so on the
	// pull request.
	r = runAction(t, map[string]string{"ORGBACKUP_COMMAND": "apply", "ORGBACKUP_PLAN": "reviewed/plan.json", "FAKE_APPLY_RC": "1"})
	if r.code != 1 {
		t.Errorf("failed apply: exit %d", r.code)
	}
	r.called(t, "apply reviewed/plan.json policies --auto-approve --log WORK/apply.log.jsonl",
		"comment policies --plan reviewed/plan.json --applied failed --apply-output WORK/apply.txt")
}

func TestRunUnknownCommand(t *testing.T) {
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "destroy"})
	if r.code != 64 || !strings.Contains(r.stdout, "unknown command") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
}

// TestRunInputsAreData: inputs reach the script as environment variables
// and stay data, whatever they contain.
func TestRunInputsAreData(t *testing.T) {
	dir := `$(touch pwned) ; touch pwned2 "x`
	r := runAction(t, map[string]string{"ORGBACKUP_COMMAND": "validate", "ORGBACKUP_DIR": dir})
	for _, f := range []string{"pwned", "pwned2"} {
		if _, err := os.Stat(filepath.Join(r.workDir, f)); err == nil {
			t.Errorf("an input was executed: %s exists", f)
		}
	}
	if r.calls[0] != "validate "+dir+" --output github" {
		t.Errorf("the directory was not passed as one argument: %q", r.calls[0])
	}
}
