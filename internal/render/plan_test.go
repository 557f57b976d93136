package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// fixtureOrg has one of every situation a plan meets: a managed policy to
// update and move, one the repository dropped (destroy), a hand-made one
// to adopt, and names and descriptions an attacker chose.
const fixtureOrg = `{
  "format_version": "1",
  "source": "aws",
  "captured_at": "2026-01-02T03:04:05Z",
  "organization": {"id": "o-exampleorg1", "management_account_id": "111111111111"},
  "roots": [{"id": "r-ab12", "name": "Root", "policies": {"BACKUP_POLICY": ["p-daily00001", "p-gone000001"]}}],
  "organizational_units": [
    {"id": "ou-ab12-11111111", "name": "Workloads", "policies": {"BACKUP_POLICY": ["p-legacy0001"]}},
    {"id": "ou-ab12-22222222", "name": "[click](https://evil.example) @org/team", "parent_id": "ou-ab12-11111111"}
  ],
  "accounts": [
    {"id": "111111111111", "name": "management"},
    {"id": "222222222222", "name": "prod\u001b[31m <img src=x>", "parent_id": "ou-ab12-22222222"},
    {"id": "333333333333", "name": "shared", "parent_id": "ou-ab12-11111111"}
  ],
  "policies": [
    {"id": "p-daily00001", "name": "daily", "type": "BACKUP_POLICY", "description": "old",
     "tags": {"managed-by": "orgbackup", "orgbackup:source": "policies/daily.cue"},
     "content": {"plans": {"daily": {"regions": {"@@assign": ["eu-west-1"]}, "rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "vault"}}}, "selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/role"}, "tag_key": {"@@assign": "Backup"}, "tag_value": {"@@assign": ["On"]}}}}}}}},
    {"id": "p-gone000001", "name": "gone", "type": "BACKUP_POLICY",
     "tags": {"managed-by": "orgbackup", "orgbackup:source": "policies/gone.cue"},
     "content": {"plans": {"gone": {"regions": {"@@assign": ["eu-west-1"]}}}}},
    {"id": "p-legacy0001", "name": "legacy ` + "```" + ` | [x](y)", "type": "BACKUP_POLICY", "description": "made by hand\n::error::forged",
     "content": {"plans": {"legacy": {"regions": {"@@assign": ["eu-west-1"]}}}}}
  ]
}`

func fixturePlan(t *testing.T) *plan.Plan {
	t.Helper()
	actual, err := org.Parse("org.json", []byte(fixtureOrg))
	if err != nil {
		t.Fatal(err)
	}
	actual.Settings = &org.Settings{BackupGlobalSettings: map[string]string{plan.CrossAccountBackupSetting: "false"}}
	parse := func(s string) *doc.Node {
		n, err := doc.Parse("p.json", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	pos := func(file string, line int) doc.Pos { return doc.Pos{File: "policies/" + file, Line: line, Col: 1} }
	yes := true
	repo := &policy.Repo{
		Organization: &policy.Organization{Pos: pos("org.cue", 3), TrustedAccess: &yes, CrossAccountBackup: &yes,
			CrossAccountBackupPos: pos("org.cue", 5), DelegatedAdministrator: "333333333333", DelegatedAdministratorPos: pos("org.cue", 6)},
		Policies: []*policy.Policy{
			// daily: a new schedule, a new description, moved from the
			// root to the hostile OU (a destructive detach).
			{Name: "daily", Description: "Daily backups", Pos: pos("daily.cue", 3), Partial: true,
				Targets: []policy.Target{{Raw: "ou-ab12-22222222", Pos: pos("daily.cue", 5)}},
				Plans:   parse(`{"daily": {"regions": ["eu-west-1"], "rules": {"r": {"schedule_expression": "cron(0 6 ? * * *)", "target_backup_vault_name": "vault"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/role", "tag_key": "Backup", "tag_value": ["On"]}}}}}`)},
			// The hand-made policy, adopted, with a hostile name.
			{Name: "legacy ``` | [x](y)", Description: "made by hand\n::error::forged", Pos: pos("legacy.cue", 3), Partial: true, Adopt: true,
				Targets: []policy.Target{{Raw: "Root/Workloads", Pos: pos("legacy.cue", 5)}},
				Plans:   parse(`{"legacy": {"regions": {"@@assign": ["eu-west-1"]}}}`)},
			// weekly: new, at an account, with a name that would mention.
			{Name: "weekly @org/team", Pos: pos("weekly.cue", 3), Partial: true,
				Targets: []policy.Target{{Raw: "333333333333", Pos: pos("weekly.cue", 5)}},
				Plans:   parse(`{"weekly": {"regions": ["eu-west-1"], "rules": {"w": {"schedule_expression": "cron(0 5 ? * SUN *)", "target_backup_vault_name": "vault"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/role", "tag_key": "Backup", "tag_value": ["Weekly"]}}}}}`)},
		},
		Baselines: []*policy.Baseline{{Name: "main", Targets: []policy.Target{{Raw: "Root/Workloads"}}, Regions: []string{"eu-west-1"}, RoleName: "role", VaultName: "vault"}},
	}
	return plan.Make(plan.Input{Repo: repo, Actual: actual, Against: "the live organization"})
}

// TestPlanGolden pins the plan's three views for a representative change
// set: prerequisites, create, update (content and description), adopt,
// attach, an ordinary and a destructive detach, detach and delete of a
// dropped policy, effective changes with an invalid account, problems.
func TestPlanGolden(t *testing.T) {
	p := fixturePlan(t)
	r := &PlanReport{Dir: "policies", Plan: p}
	for _, f := range []Format{Text, JSON, Markdown} {
		var b bytes.Buffer
		if err := WritePlan(&b, f, r, Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "plan."+string(f)+".golden", b.Bytes())
	}
	var b bytes.Buffer
	if err := WritePlan(&b, Text, r, Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan.text-color.golden", b.Bytes())

	// Every action appears, and the plan is the one the fixture means.
	seen := map[plan.Action]bool{}
	for _, c := range p.Changes {
		seen[c.Action] = true
	}
	for _, a := range []plan.Action{plan.EnablePolicyType, plan.EnableServiceAccess, plan.RegisterDelegatedAdmin, plan.UpdateBackupSetting,
		plan.CreatePolicy, plan.UpdatePolicy, plan.AdoptPolicy, plan.Attach, plan.Detach, plan.DeletePolicy} {
		if !seen[a] {
			t.Errorf("the fixture plan has no %s change", a)
		}
	}
	if !p.HasErrors() {
		t.Error("the fixture has an account with an invalid effective policy; the plan must have an error")
	}
}

// TestPlanViewsRenderFromJSON: a plan read back from its JSON renders the
// same text and Markdown as the plan that wrote it, so the pull-request
// comment can be rendered from the artifact.
func TestPlanViewsRenderFromJSON(t *testing.T) {
	p := fixturePlan(t)
	back, err := plan.Decode(p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{Text, Markdown, JSON} {
		var a, b bytes.Buffer
		if err := WritePlan(&a, f, &PlanReport{Dir: "policies", Plan: p}, Style{}); err != nil {
			t.Fatal(err)
		}
		if err := WritePlan(&b, f, &PlanReport{Dir: "policies", Plan: back}, Style{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s view of the decoded plan differs", f)
		}
	}
}

// TestPlanViewsInert checks the hostile names of the fixture stay text.
func TestPlanViewsInert(t *testing.T) {
	r := &PlanReport{Dir: "policies", Plan: fixturePlan(t)}
	var text, md bytes.Buffer
	if err := WritePlan(&text, Text, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := WritePlan(&md, Markdown, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(text.Bytes(), 0x1b) {
		t.Error("an escape character from an account name reached the terminal")
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "::") {
			t.Errorf("a line starts a workflow command: %q", line)
		}
	}
	if bytes.ContainsRune(md.Bytes(), 0x1b) {
		t.Error("an escape character reached the Markdown")
	}
	// Outside code spans and fenced blocks nothing may link, embed,
	// mention or start a workflow command.
	m := stripCode(md.String())
	for _, bad := range []string{"](", "<img", "@org/team", "\n::error::"} {
		if strings.Contains(m, bad) {
			t.Errorf("Markdown contains live %q outside code:\n%s", bad, m)
		}
	}
	// Fences stay balanced: every opening fence has its closing one.
	if n := strings.Count(m, "<details>"); n != strings.Count(m, "</details>") {
		t.Errorf("%d <details> but %d </details>", n, strings.Count(m, "</details>"))
	}
}

// stripCode removes fenced code blocks and inline code spans (a run of n
// backticks up to the next run of exactly n), what GitHub renders
// verbatim.
func stripCode(md string) string {
	var out strings.Builder
	inFence := ""
	for _, line := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if inFence != "" {
			if trimmed == inFence {
				inFence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			inFence = strings.TrimRight(trimmed, "abcdefghijklmnopqrstuvwxyz")
			continue
		}
		out.WriteString(line)
	}
	s := out.String()
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(s); {
			if s[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(s) && s[j+m] == '`' {
				m++
			}
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteString("<code>")
		i = end
	}
	return b.String()
}
