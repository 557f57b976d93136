package render

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// hostilePlan is a plan in which every name a user or AWS chose comes from
// the hostile corpus: each OU, the account in it, the policy created for
// it (name, description, definition file), a policy orgbackup does not
// own whose name a definition takes (a plan error), and a policy of
// orgbackup's that the repository dropped (destructive).
func hostilePlan(t *testing.T) *plan.Plan {
	t.Helper()
	type entity = map[string]any
	var ous, accounts []entity
	policies := []entity{{
		"id": "p-gone000001", "name": "gone ``` @org/team", "type": "BACKUP_POLICY", "description": "<img src=x>",
		"tags":    map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/[x](y).cue"},
		"content": json.RawMessage(`{"plans": {"gone": {"regions": {"@@assign": ["eu-west-1"]}}}}`),
	}, {
		"id": "p-handmade01", "name": "[Approve](https://evil.example)", "type": "BACKUP_POLICY",
		"description": "made by @mallory\n::error::forged", "tags": map[string]string{"owner": "<script>alert(1)</script>"},
		"content": json.RawMessage(`{"plans": {"x": {"regions": {"@@assign": ["eu-west-1"]}}}}`),
	}}
	repo := &policy.Repo{Baselines: []*policy.Baseline{{Name: "main", Targets: []policy.Target{{Raw: "Root"}}, Regions: []string{"eu-west-1"}, RoleName: "role", VaultName: "vault"}}}
	for i, name := range hostile {
		if strings.TrimSpace(name) == "" {
			continue
		}
		ou := fmt.Sprintf("ou-ab12-%08d", i)
		ous = append(ous, entity{"id": ou, "name": name})
		accounts = append(accounts, entity{"id": fmt.Sprintf("%012d", 200000000000+i), "name": name, "parent_id": ou})
		plans, err := doc.Parse("p.json", []byte(fmt.Sprintf(`{"p%d": {"regions": ["eu-west-1"]}}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		repo.Policies = append(repo.Policies, &policy.Policy{
			Name: "policy " + name, Description: name, Partial: true, Plans: plans,
			Pos:     doc.Pos{File: "policies/" + name + ".cue", Line: 1, Col: 1},
			Targets: []policy.Target{{Raw: ou, Pos: doc.Pos{File: "policies/" + name + ".cue", Line: 2, Col: 1}}},
		})
	}
	// A definition that takes the unowned policy's name: a plan error.
	clash, _ := doc.Parse("p.json", []byte(`{"x": {"regions": ["eu-west-1"]}}`))
	repo.Policies = append(repo.Policies, &policy.Policy{Name: "[Approve](https://evil.example)", Partial: true, Plans: clash,
		Pos: doc.Pos{File: "policies/approve.cue", Line: 1, Col: 1}})
	snapshot, err := json.Marshal(entity{
		"format_version": "1", "source": "aws", "captured_at": "2026-01-02T03:04:05Z",
		"organization":         entity{"id": "o-exampleorg1", "management_account_id": "111111111111"},
		"roots":                []entity{{"id": "r-ab12", "name": "Root", "policy_types": []entity{{"type": "BACKUP_POLICY", "status": "ENABLED"}}, "policies": entity{"BACKUP_POLICY": []string{"p-gone000001"}}}},
		"organizational_units": ous,
		"accounts":             append([]entity{{"id": "111111111111", "name": "management"}}, accounts...),
		"policies":             policies,
	})
	if err != nil {
		t.Fatal(err)
	}
	actual, err := org.Parse("org.json", snapshot)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Make(plan.Input{Repo: repo, Actual: actual, Against: "the live organization"})
}

// TestPlanHostileCorpus: a plan whose every name is hostile renders, as
// the comment and the job summary do, to Markdown in which nothing links,
// embeds, mentions or breaks out of its block; only orgbackup's own link
// to the run is live. The golden file pins the rendering for review.
func TestPlanHostileCorpus(t *testing.T) {
	p := hostilePlan(t)
	if !p.HasErrors() || len(p.Destructive()) == 0 || p.Summary.Create < len(hostile)-3 {
		t.Fatalf("the hostile plan is not the one the test means: %s, %d errors, %d destructive", p.Summary.Line(), p.Summary.Errors, len(p.Destructive()))
	}
	const run = "https://github.example/octo/policies/actions/runs/42"
	d := PlanDocument(&PlanReport{Dir: "policies", Plan: p})
	d.FullURL, d.FullText = run, "the run"
	for _, b := range []Budget{{}, CommentBudget, {Chars: 12_000}} {
		md, _, _, err := d.Render(b)
		if err != nil {
			t.Fatal(err)
		}
		r := checkDocument(t, md, b)
		if m := live.FindString(dropLinks(r.plain, "the run")); m != "" {
			t.Errorf("budget %+v: %q is live outside code", b, m)
		}
		for _, href := range hrefs(t, md) {
			if href != run {
				t.Errorf("budget %+v: a link to %q", b, href)
			}
		}
		if strings.ContainsRune(md, 0x1b) || strings.ContainsRune(md, 0x202e) || strings.Contains(md, "\x00") {
			t.Errorf("budget %+v: a control character got through", b)
		}
		if b == (Budget{}) {
			golden.Check(t, "plan-hostile.md.golden", []byte(md))
		}
	}
}

// dropLinks removes orgbackup's own link text from text.
func dropLinks(text, linkText string) string { return strings.ReplaceAll(text, linkText, "") }

// hrefs returns the targets of the links md renders to.
func hrefs(t *testing.T, md string) []string {
	t.Helper()
	var out strings.Builder
	if err := gfm.Convert([]byte(md), &out); err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, part := range strings.Split(out.String(), `href="`)[1:] {
		u, _, _ := strings.Cut(part, `"`)
		if pu, err := url.PathUnescape(u); err == nil {
			u = pu
		}
		links = append(links, u)
	}
	return links
}
