package workflows

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// actionlint lints workflows, not action metadata: it reads action.yml only
// to check the inputs a workflow passes to `uses: ./` (TestActionlint). The
// checks below cover the rest of the action: its structure, every
// expression (parsed and type-checked by actionlint's own checker against
// the action's inputs and step ids), no expression inside a script, and
// the scripts' shell syntax.

type action struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     any    `yaml:"default"`
		Required    bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			With  map[string]string `yaml:"with"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var exprRe = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// actionProblems checks an action.yml.
func actionProblems(data []byte) []string {
	var meta actionlint.ActionMetadata
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return []string{"action metadata: " + err.Error()}
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		return []string{err.Error()}
	}
	var bad []string
	if a.Runs.Using != "composite" {
		bad = append(bad, fmt.Sprintf("runs.using is %q, want composite", a.Runs.Using))
	}

	// The contexts an expression may use: the action's inputs, and the
	// outputs of steps that have an id.
	inputs := map[string]actionlint.ExprType{}
	for name := range a.Inputs {
		inputs[name] = actionlint.StringType{}
	}
	steps := map[string]actionlint.ExprType{}
	check := func(where, expr string) {
		p := actionlint.NewExprParser()
		node, err := p.Parse(actionlint.NewExprLexer(expr + "}}"))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %s: %s", where, expr, err.Message))
			return
		}
		sema := actionlint.NewExprSemanticsChecker(true, nil)
		// What a composite action's step may read (the contexts-availability
		// table of the metadata syntax reference).
		sema.SetContextAvailability([]string{"github", "inputs", "steps", "env", "job", "runner", "strategy", "matrix"})
		sema.UpdateInputs(actionlint.NewStrictObjectType(inputs))
		sema.UpdateSteps(actionlint.NewStrictObjectType(steps))
		if _, errs := sema.Check(node); len(errs) > 0 {
			bad = append(bad, fmt.Sprintf("%s: %s: %s", where, strings.TrimSpace(expr), errs[0].Message))
		}
	}
	checkAll := func(where, s string) {
		for _, m := range exprRe.FindAllStringSubmatch(s, -1) {
			check(where, m[1])
		}
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			bad = append(bad, "input "+name+": no description")
		}
		checkAll("input "+name, fmt.Sprint(in.Default))
	}
	for i, s := range a.Runs.Steps {
		where := fmt.Sprintf("step %d (%s)", i+1, s.Name+s.ID)
		switch {
		case (s.Uses == "") == (s.Run == ""):
			bad = append(bad, where+": wants exactly one of uses and run")
		case s.Run != "" && s.Shell == "":
			bad = append(bad, where+": a composite run step needs shell")
		case strings.Contains(s.Run, "${{"):
			// Interpolated into the script text, a value is code.
			bad = append(bad, where+": an expression in run; pass it through env")
		}
		if s.Run != "" {
			if out, err := exec.Command("bash", "-n", "-c", s.Run).CombinedOutput(); err != nil {
				bad = append(bad, fmt.Sprintf("%s: bash -n: %s", where, out))
			}
		}
		if s.If != "" {
			// if: is an expression with or without ${{ }}.
			check(where+" if", strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s.If), "${{"), "}}"))
		}
		for k, v := range s.With {
			checkAll(where+" with."+k, v)
		}
		for k, v := range s.Env {
			checkAll(where+" env."+k, v)
		}
		if s.ID != "" {
			steps[s.ID] = actionlint.NewObjectType(map[string]actionlint.ExprType{
				"outputs": actionlint.NewMapObjectType(actionlint.StringType{}),
			})
		}
	}
	for name, o := range a.Outputs {
		if !strings.Contains(o.Value, "${{") {
			bad = append(bad, "output "+name+": no value expression")
		}
		checkAll("output "+name, o.Value)
	}
	return bad
}

func TestAction(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range actionProblems(data) {
		t.Errorf("action.yml: %s", p)
	}
	// The interface the README and the workflows promise.
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"command", "policy-directory", "aws-role", "aws-region", "github-token", "plan"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml: no input %s", in)
		}
	}
	for _, out := range []string{"has-changes", "plan-path", "summary"} {
		if _, ok := a.Outputs[out]; !ok {
			t.Errorf("action.yml: no output %s", out)
		}
	}
}

func TestActionChecksCatch(t *testing.T) {
	base := "runs:\n  using: composite\n  steps:\n"
	for name, bad := range map[string]string{
		"interpolated input": base + "    - run: echo ${{ inputs.command }}\n      shell: bash\n",
		"no shell":           base + "    - run: echo hi\n",
		"shell syntax":       base + "    - run: 'if then fi'\n      shell: bash\n",
		"unknown input":      "inputs:\n  a:\n    description: a\n" + base + "    - uses: x/y@0123456789abcdef0123456789abcdef01234567\n      with:\n        v: ${{ inputs.b }}\n",
		"unknown step":       "outputs:\n  o:\n    value: ${{ steps.nope.outputs.x }}\n" + base + "    - run: echo\n      shell: bash\n",
		"bad expression":     base + "    - if: inputs.a ==\n      run: echo\n      shell: bash\n",
		"docker action":      "runs:\n  using: docker\n  image: Dockerfile\n",
	} {
		if len(actionProblems([]byte(bad))) == 0 {
			t.Errorf("%s: passed", name)
		}
	}
}

// TestActionScriptsSyntax: bash -n on the scripts the action runs.
func TestActionScriptsSyntax(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join(repoRoot, "action", "*.sh"))
	if err != nil || len(scripts) < 2 {
		t.Fatalf("action scripts: %v, %v", scripts, err)
	}
	for _, s := range scripts {
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s: %s", s, out)
		}
	}
}
