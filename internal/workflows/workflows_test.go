// Package workflows holds the checks CI runs on orgbackup's GitHub Actions
// parts: its own workflows, the reusable action (action.yml and its
// scripts), and the workflows `orgbackup init` writes into a team's
// repository. They hold the keys to an AWS organization, so a typo, an
// unpinned action or an expression interpolated into a script is a
// security problem, not a style issue.
package workflows

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/orgbackup/orgbackup/internal/starter"
)

const repoRoot = "../.."

// file is a workflow or action file to check: a display name and its bytes.
type file struct {
	name string
	data []byte
}

func repoWorkflows(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github/workflows/*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d workflows in .github/workflows, want ci and the three orgbackup workflows", len(files))
	}
	return files
}

func read(t *testing.T, paths ...string) []file {
	t.Helper()
	var out []file
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, file{name: filepath.ToSlash(p), data: data})
	}
	return out
}

// starterFiles are the workflows `orgbackup init` writes, pinned as a
// release build would pin them.
func starterFiles(t *testing.T) []file {
	t.Helper()
	uses, err := starter.Action("orgbackup/orgbackup", strings.Repeat("a1", 20), "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	var out []file
	for _, f := range starter.Workflows(starter.Files(uses)) {
		out = append(out, file{name: "init:" + f.Path, data: f.Data})
	}
	return out
}

// everything is every file the pinning and trigger rules apply to.
func everything(t *testing.T) []file {
	t.Helper()
	fs := read(t, repoWorkflows(t)...)
	fs = append(fs, read(t, filepath.Join(repoRoot, "action.yml"))...)
	return append(fs, starterFiles(t)...)
}

// lint runs actionlint (syntax, expression types, untrusted input in
// scripts, local action inputs) over workflow files and returns its
// findings, one per line.
func lint(t *testing.T, paths []string) string {
	t.Helper()
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		return out.String()
	}
	return ""
}

// TestActionlint: orgbackup's own workflows. They use the action from the
// repository (`uses: ./`), so actionlint also checks every input they pass
// against action.yml.
func TestActionlint(t *testing.T) {
	if out := lint(t, repoWorkflows(t)); out != "" {
		t.Errorf("actionlint:\n%s", out)
	}
}

// TestActionlintInit: the workflows `orgbackup init` writes, as written.
func TestActionlintInit(t *testing.T) {
	dir := t.TempDir()
	uses, err := starter.Action("orgbackup/orgbackup", strings.Repeat("a1", 20), "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	wrote, err := starter.Write(dir, starter.Files(uses), false)
	if err != nil {
		t.Fatal(err)
	}
	var wfs []string
	for _, p := range wrote {
		if strings.HasSuffix(p, ".yml") {
			wfs = append(wfs, p)
		}
	}
	if len(wfs) != 3 {
		t.Fatalf("init wrote %d workflows", len(wfs))
	}
	if out := lint(t, wfs); out != "" {
		t.Errorf("actionlint:\n%s", out)
	}
}

// TestActionlintCatches shows the linter is on: a broken workflow fails.
func TestActionlintCatches(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yml")
	bad := "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.head_commit.message }}\"\n      - run: echo ${{ steps.nope.outputs.x }}\n"
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out := lint(t, []string{p})
	if !strings.Contains(out, "potentially untrusted") || !strings.Contains(out, `property "nope" is not defined`) {
		t.Errorf("actionlint missed the untrusted input or the unknown step:\n%s", out)
	}
}

var pinnedRe = regexp.MustCompile(`^[^@\s]+@[0-9a-f]{40}$`)

// unpinned returns every `uses:` value in a workflow or action file (at
// any depth, in any YAML style) that is not pinned to a full commit SHA.
// Local actions (./) are allowed only when local is set: a team's
// repository does not contain the action.
func unpinned(data []byte, local bool) ([]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	var bad []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "uses" {
					ref := v.Value
					switch {
					case local && (ref == "./" || strings.HasPrefix(ref, "./")):
					case strings.HasPrefix(ref, "docker://") && strings.Contains(ref, "@sha256:"):
					case !pinnedRe.MatchString(ref):
						bad = append(bad, fmt.Sprintf("line %d: %s", v.Line, ref))
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	return bad, nil
}

// TestActionsPinned requires every action to be pinned to a full commit
// SHA: tags can be rewritten (tj-actions/changed-files, 2025).
func TestActionsPinned(t *testing.T) {
	for _, f := range everything(t) {
		bad, err := unpinned(f.data, !strings.HasPrefix(f.name, "init:"))
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
		for _, b := range bad {
			t.Errorf("%s: %s is not pinned to a 40-hex commit SHA", f.name, b)
		}
	}
}

// TestOnePinPerAction: every file uses the same commit of an action, so an
// update (by hand or by Dependabot) leaves no old copy behind.
func TestOnePinPerAction(t *testing.T) {
	usesRe := regexp.MustCompile(`uses:\s*([^@\s]+)@([0-9a-f]{40})(?:\s*#\s*(\S+))?`)
	seen := map[string]string{}
	for _, f := range everything(t) {
		for _, m := range usesRe.FindAllStringSubmatch(string(f.data), -1) {
			if m[3] == "" {
				t.Errorf("%s: %s@%s has no version comment", f.name, m[1], m[2])
			}
			pin := m[2] + " " + m[3]
			if prev, ok := seen[m[1]]; ok && prev != pin {
				t.Errorf("%s: %s pinned to %s here and %s elsewhere", f.name, m[1], pin, prev)
			}
			seen[m[1]] = pin
		}
	}
}

func TestPinCheckCatches(t *testing.T) {
	for _, bad := range []string{
		"steps:\n  - uses: actions/checkout@v4\n",
		"steps:\n  - {uses: actions/checkout@main}\n",
		"steps:\n  - uses: \"actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af68\"\n",
		"jobs:\n  x:\n    uses: org/repo/.github/workflows/w.yml@main\n",
		"steps:\n  - uses: docker://alpine:3\n",
	} {
		if got, err := unpinned([]byte(bad), true); err != nil || len(got) != 1 {
			t.Errorf("unpinned(%q) = %v, %v; want one finding", bad, got, err)
		}
	}
	if got, _ := unpinned([]byte("steps:\n  - uses: ./\n"), false); len(got) != 1 {
		t.Errorf("a local action in init's workflows passed")
	}
	if got, _ := unpinned([]byte("steps:\n  - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"), false); len(got) != 0 {
		t.Errorf("a pinned action failed: %v", got)
	}
}

// TestNoPullRequestTarget: plans run on pull_request; pull_request_target
// with a checkout of the pull request is the "pwn request" pattern.
func TestNoPullRequestTarget(t *testing.T) {
	for _, f := range append(everything(t), file{name: "init:README.md", data: readmeOf(t)}) {
		if err := noPullRequestTarget(f.data); err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
	}
	if noPullRequestTarget([]byte("on:\n  pull_request_target:\n")) == nil {
		t.Error("the check passed pull_request_target")
	}
}

func noPullRequestTarget(data []byte) error {
	if bytes.Contains(data, []byte("pull_request_target")) {
		return fmt.Errorf("uses pull_request_target")
	}
	return nil
}

func readmeOf(t *testing.T) []byte {
	for _, f := range starter.Files("./") {
		if f.Path == "README.md" {
			return f.Data
		}
	}
	t.Fatal("no README.md in the starter")
	return nil
}

// TestWorkflowRules checks what actionlint does not: least privilege and
// safe concurrency.
func TestWorkflowRules(t *testing.T) {
	for _, f := range everything(t) {
		if f.name == "../../action.yml" {
			continue
		}
		for _, err := range workflowRules(f.data) {
			t.Errorf("%s: %v", f.name, err)
		}
	}
	for name, bad := range map[string]string{
		"no top-level permissions": "on: push\njobs: {}\n",
		"broad top-level":          "on: push\npermissions: write-all\njobs: {}\n",
		"cancel an apply":          "on: push\npermissions: {}\nconcurrency: {group: a, cancel-in-progress: true}\njobs: {}\n",
		"credentials kept": "on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n" +
			"      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n",
		"job without permissions": "on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps: []\n",
	} {
		if len(workflowRules([]byte(bad))) == 0 {
			t.Errorf("%s: passed", name)
		}
	}
}

type workflow struct {
	On          yaml.Node `yaml:"on"`
	Permissions yaml.Node `yaml:"permissions"`
	Concurrency struct {
		CancelInProgress any `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]struct {
		Permissions yaml.Node `yaml:"permissions"`
		Steps       []struct {
			Uses string         `yaml:"uses"`
			With map[string]any `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func workflowRules(data []byte) []error {
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return []error{err}
	}
	var errs []error
	// Nothing at the top: each job asks for what it needs.
	if w.Permissions.Kind != yaml.MappingNode || len(w.Permissions.Content) != 0 {
		errs = append(errs, fmt.Errorf("top-level permissions must be {}"))
	}
	// cancel-in-progress only for pull requests: in a workflow only they
	// trigger, or by an expression that is true only for them.
	onlyPR := w.On.Kind == yaml.MappingNode && len(w.On.Content) == 2 && w.On.Content[0].Value == "pull_request" ||
		w.On.Kind == yaml.ScalarNode && w.On.Value == "pull_request"
	switch c := fmt.Sprint(w.Concurrency.CancelInProgress); {
	case c == "false", c == "<nil>", onlyPR, c == "${{ github.event_name == 'pull_request' }}":
	default:
		errs = append(errs, fmt.Errorf("cancel-in-progress: %s outside a pull-request-only workflow", c))
	}
	for name, j := range w.Jobs {
		if j.Permissions.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Errorf("job %s: no permissions: block", name))
		}
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") && fmt.Sprint(s.With["persist-credentials"]) != "false" {
				errs = append(errs, fmt.Errorf("job %s: actions/checkout without persist-credentials: false", name))
			}
		}
	}
	return errs
}
