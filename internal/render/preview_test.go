package render

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/orgtest"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestPreviewJSONStreamed checks that the streamed JSON report is exactly
// the canonical indented encoding of the report as one document, built as
// a tree the way it was before it was streamed: on a synthetic
// organization whose accounts change, fall into many groups, some with
// problems and notes, and whose names need escaping.
func TestPreviewJSONStreamed(t *testing.T) {
	o := orgtest.Synthetic(7, 3000, 150, 60)
	plans, err := doc.Parse("p.json", []byte(`{"extra": {"regions": ["us-east-1"], "rules": {"weekly": {"schedule_expression": "cron(0 3 ? * SUN *)", "target_backup_vault_name": "missing-vault"}}, "selections": {"tags": {"all": {"iam_role_arn": "arn:aws:iam::$account:role/backup", "tag_key": "Backup", "tag_value": ["On"]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	repo := &policy.Repo{Policies: []*policy.Policy{
		{Name: "extra", Targets: []policy.Target{{Raw: o.Path(o.OUs()[3])}, {Raw: "Root/nowhere"}}, Plans: plans},
		{Name: "everywhere", Targets: []policy.Target{{Raw: "Root"}}, Plans: plans},
	}}
	p := plan.Make(plan.Input{Repo: repo, Actual: o})
	pv := p.Preview
	pv.Accounts[1].Account.Name = "naïve \"quoted\" \u2028 <name>\x01"
	r := &PreviewReport{Dir: "policies", Snapshot: "org \"snapshot\".json", Plan: p}
	var got bytes.Buffer
	if err := WritePreview(&got, JSON, r, Style{}); err != nil {
		t.Fatal(err)
	}
	want := previewTree(t, r).Indent()
	if !bytes.Equal(got.Bytes(), want) {
		g, w := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d differs:\n got %q\nwant %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
	// The groups' accounts come from the plan's effective groups; a plan
	// without them (not made by Make) gives the same report.
	bare := *p
	bare.Effective = nil
	var again bytes.Buffer
	if err := WritePreview(&again, JSON, &PreviewReport{Dir: r.Dir, Snapshot: r.Snapshot, Plan: &bare}, Style{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), got.Bytes()) {
		t.Error("the report differs when the plan has no effective groups")
	}
	groups, problems := len(pv.Groups()), len(pv.Invalid())
	if diags := r.previewDiags(); groups < 10 || problems == 0 || len(diags) == 0 {
		t.Errorf("%d groups, %d invalid accounts, %d diagnostics: the fixture should have many of each", groups, problems, len(diags))
	}
}

// previewTree builds the JSON report as one tree, as the renderer did
// before it streamed the report.
func previewTree(t *testing.T, r *PreviewReport) *doc.Node {
	total, changed, invalid := counts(r)
	diags := r.previewDiags()
	out := doc.MustFromStruct(struct {
		FormatVersion string     `json:"format_version"`
		Directory     string     `json:"directory"`
		Snapshot      string     `json:"snapshot"`
		Summary       any        `json:"summary"`
		Diagnostics   []jsonDiag `json:"diagnostics"`
	}{
		FormatVersion: FormatVersion,
		Directory:     r.Dir,
		Snapshot:      r.Snapshot,
		Summary:       map[string]int{"accounts": total, "changed": changed, "invalid": invalid, "unchanged": total - changed, "errors": diags.Count(diag.Error)},
		Diagnostics:   toJSONDiags(diags),
	})
	parse := func(b []byte) *doc.Node {
		if len(b) == 0 {
			return doc.NewObject(doc.Pos{})
		}
		n, err := doc.Parse("effective.json", b)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	groupOf := map[*effective.Account]int{}
	groups := doc.NewArray(doc.Pos{})
	for i, g := range r.Plan.Preview.Groups() {
		ids := doc.NewArray(doc.Pos{})
		for _, a := range g.Accounts {
			ids.Items = append(ids.Items, doc.NewString(a.Account.ID, doc.Pos{}))
			groupOf[a] = i
		}
		n := doc.NewObject(doc.Pos{})
		n.Set("accounts", ids)
		n.Set("after", parse(g.After.Bytes()))
		n.Set("before", parse(g.Before.Bytes()))
		n.Set("notes", doc.MustFromStruct(notesJSON(g.Notes)))
		n.Set("problems", doc.MustFromStruct(ProblemsJSON(g.Problems)))
		groups.Items = append(groups.Items, n)
	}
	accounts := doc.NewArray(doc.Pos{})
	for _, a := range r.Plan.Preview.Accounts {
		group := &doc.Node{Kind: doc.Null}
		if i, ok := groupOf[a]; ok {
			group = &doc.Node{Kind: doc.Number, Text: strconv.Itoa(i)}
		}
		n := doc.NewObject(doc.Pos{})
		n.Set("changed", doc.NewBool(a.Changed, doc.Pos{}))
		n.Set("group", group)
		n.Set("id", doc.NewString(a.Account.ID, doc.Pos{}))
		n.Set("name", doc.NewString(a.Account.Name, doc.Pos{}))
		n.Set("path", doc.NewString(a.Path, doc.Pos{}))
		n.Set("valid", doc.NewBool(len(a.Problems) == 0, doc.Pos{}))
		accounts.Items = append(accounts.Items, n)
	}
	out.Set("groups", groups)
	out.Set("accounts", accounts)
	return out
}
