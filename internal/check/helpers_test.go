package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// The tests build policy.Repo values directly: plans are author-form JSON
// parsed with positions, so each diagnostic's position can be checked
// against the text it should point at.

const (
	policyFile   = "policies/policy.cue"
	baselineFile = "policies/baseline.cue"
)

// dailyPlans is a complete plan set naming vault main-vault and role
// backup-role.
const dailyPlans = `{
  "daily": {
    "regions": ["us-east-1"],
    "rules": {
      "hourly": {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "main-vault",
        "lifecycle": {"delete_after_days": 35}
      }
    },
    "selections": {
      "tags": {
        "tagged": {
          "iam_role_arn": "arn:aws:iam::$account:role/backup-role",
          "tag_key": "Backup",
          "tag_value": ["On"]
        }
      }
    }
  }
}`

// plans parses author-form plans as if at line 10 of file.
func plans(t testing.TB, file, text string) *doc.Node {
	t.Helper()
	n, err := doc.Parse(file, []byte(strings.Repeat("\n", 9)+text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return n
}

// textPos is where needle first occurs in text as parsed by plans.
func textPos(t testing.TB, file, text, needle string) doc.Pos {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in text", needle)
	}
	line := strings.Count(text[:i], "\n") + 10
	col := len([]rune(text[strings.LastIndex(text[:i], "\n")+1:i])) + 1
	return doc.Pos{File: file, Line: line, Col: col}
}

func posAt(file string, line, col int) doc.Pos { return doc.Pos{File: file, Line: line, Col: col} }

// nodeAt returns the node at path of exact keys.
func nodeAt(t testing.TB, n *doc.Node, path ...string) *doc.Node {
	t.Helper()
	for _, k := range path {
		n = n.Get(k)
		if n == nil {
			t.Fatalf("no %q in %v", k, path)
		}
	}
	return n
}

// targets makes targets on consecutive lines from line 3 of the policy's
// file, column 12.
func targets(file string, raws ...string) []policy.Target {
	ts := make([]policy.Target, len(raws))
	for i, r := range raws {
		ts[i] = policy.Target{Raw: r, Pos: posAt(file, 3+i, 12)}
	}
	return ts
}

// newPolicy is a complete policy defined at line 1 of its file.
func newPolicy(t testing.TB, name, text string, tgts ...string) *policy.Policy {
	t.Helper()
	file := "policies/" + name + ".cue"
	return &policy.Policy{Name: name, Pos: posAt(file, 1, 1), Targets: targets(file, tgts...), Plans: plans(t, file, text)}
}

// newBaseline is a baseline defined at line 1 of baselineFile.
func newBaseline(name, role, vault string, regions []string, tgts ...string) *policy.Baseline {
	return &policy.Baseline{
		Name: name, Pos: posAt(baselineFile, 1, 1),
		Targets:    targets(baselineFile, tgts...),
		Regions:    regions,
		RegionsPos: posAt(baselineFile, 20, 11),
		RoleName:   role, RoleNamePos: posAt(baselineFile, 21, 14),
		RolePath:  "/",
		VaultName: vault, VaultNamePos: posAt(baselineFile, 22, 15),
	}
}

// mainBaseline provides everything dailyPlans needs, everywhere.
func mainBaseline() *policy.Baseline {
	return newBaseline("main", "backup-role", "main-vault", []string{"us-east-1"}, "Root")
}

func repoOf(ps []*policy.Policy, bs ...*policy.Baseline) *policy.Repo {
	return &policy.Repo{Dir: "policies", Policies: ps, Baselines: bs}
}

// codes summarises diagnostics as "severity code path" lines.
func codes(ds diag.List) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s %s %s", d.Severity, d.Code, d.Path)
	}
	return out
}

func dump(ds diag.List) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s %s [%s] %s\n    value %s\n    path %s\n    hint %s\n", d.Pos, d.Severity, d.Code, d.Message, d.Value, d.Path, d.Hint)
		for _, r := range d.Related {
			fmt.Fprintf(&b, "    see %s (%s)\n", r.Pos, r.Label)
		}
	}
	return b.String()
}

// only returns the single diagnostic of code, failing if there is not
// exactly one.
func only(t *testing.T, ds diag.List, code string) diag.Diagnostic {
	t.Helper()
	var found []diag.Diagnostic
	for _, d := range ds {
		if d.Code == code {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s diagnostic, got %d:\n%s", code, len(found), dump(ds))
	}
	return found[0]
}

// want describes the parts of a diagnostic a test cares about.
type want struct {
	severity diag.Severity
	code     string
	pos      doc.Pos
	path     string
	value    string
	message  []string // substrings
	hint     []string // substrings
	related  []diag.Related
}

func expect(t *testing.T, d diag.Diagnostic, w want) {
	t.Helper()
	if d.Severity != w.severity || d.Code != w.code {
		t.Errorf("got %s %s, want %s %s", d.Severity, d.Code, w.severity, w.code)
	}
	if d.Pos != w.pos {
		t.Errorf("%s at %s, want %s", d.Code, d.Pos, w.pos)
	}
	if w.path != "" && d.Path != w.path {
		t.Errorf("%s path %s, want %s", d.Code, d.Path, w.path)
	}
	if d.Value != w.value {
		t.Errorf("%s value %q, want %q", d.Code, d.Value, w.value)
	}
	for _, m := range w.message {
		if !strings.Contains(d.Message, m) {
			t.Errorf("%s message %q lacks %q", d.Code, d.Message, m)
		}
	}
	for _, h := range w.hint {
		if !strings.Contains(d.Hint, h) {
			t.Errorf("%s hint %q lacks %q", d.Code, d.Hint, h)
		}
	}
	if w.related != nil {
		if len(d.Related) != len(w.related) {
			t.Errorf("%s related %v, want %v", d.Code, d.Related, w.related)
		} else {
			for i := range w.related {
				if d.Related[i] != w.related[i] {
					t.Errorf("%s related[%d] = %v, want %v", d.Code, i, d.Related[i], w.related[i])
				}
			}
		}
	}
	// Every diagnostic says what is wrong in lower case and how to fix it.
	if d.Message == "" || d.Hint == "" {
		t.Errorf("%s: message %q, hint %q: both are required", d.Code, d.Message, d.Hint)
	}
	if first := []rune(d.Message)[0]; first >= 'A' && first <= 'Z' {
		t.Errorf("%s: message starts in upper case: %q", d.Code, d.Message)
	}
	if strings.HasSuffix(d.Message, ".") {
		t.Errorf("%s: message ends in a period: %q", d.Code, d.Message)
	}
}

// fakeResolver answers from tables; unknown pairs are unknown.
type fakeResolver struct {
	covers   map[[2]string]bool
	attached map[string]int
	// unknown maps targets that are not in the organization to the
	// problem Lookup reports.
	unknown map[string]string
	// disabled says the organization has not enabled backup policies.
	disabled bool
}

func (f fakeResolver) Covers(outer, inner policy.Target) (bool, bool) {
	c, ok := f.covers[[2]string{outer.Raw, inner.Raw}]
	if !ok {
		return NameResolver{}.Covers(outer, inner)
	}
	return c, true
}

func (f fakeResolver) Same(a, b policy.Target) bool { return NameResolver{}.Same(a, b) }

func (f fakeResolver) Attached(t policy.Target) int { return f.attached[t.Raw] }

func (f fakeResolver) Lookup(t policy.Target) (string, string) {
	if p, ok := f.unknown[t.Raw]; ok {
		return p, "did you mean something else?"
	}
	return "", ""
}

func (f fakeResolver) Enabled() (bool, bool) { return !f.disabled, true }
