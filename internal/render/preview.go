package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// PreviewReport is what `orgbackup preview` shows: the effective-policy
// side of a plan made against a snapshot.
type PreviewReport struct {
	Dir      string
	Snapshot string
	Plan     *plan.Plan
}

// previewDiags are the plan's problems a preview shows: not the invalid
// accounts, which it shows with their groups, and not the settings a
// hand-written snapshot does not record, which matter to plan only.
func (r *PreviewReport) previewDiags() diag.List {
	var ps []plan.Problem
	for _, pr := range r.Plan.Problems {
		if pr.Code != plan.CodeInvalidEffective && pr.Code != plan.CodeNotRecorded {
			ps = append(ps, pr)
		}
	}
	return ProblemDiags(ps)
}

// HasErrors reports whether the preview found an account with an invalid
// effective policy or a problem in the definitions.
func (r *PreviewReport) HasErrors() bool {
	return len(r.Plan.Preview.Invalid()) > 0 || r.previewDiags().HasErrors()
}

func (r *PreviewReport) prerequisites() []plan.Change {
	var out []plan.Change
	for _, c := range r.Plan.Changes {
		if c.Phase == plan.PhasePrerequisites {
			out = append(out, c)
		}
	}
	return out
}

// maxListed is how many accounts a text or Markdown group lists by name;
// the JSON lists all.
const maxListed = 10

// WritePreview renders r in format f.
func WritePreview(w io.Writer, f Format, r *PreviewReport, st Style) error {
	switch f {
	case JSON:
		_, err := w.Write(previewJSON(r).Indent())
		return err
	case Markdown:
		return previewMarkdown(w, r)
	}
	return previewText(w, r, st)
}

// parentPath drops the account's own segment from its path.
func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return p
}

func counts(r *PreviewReport) (total, changed, invalid int) {
	for _, a := range r.Plan.Preview.Accounts {
		total++
		if a.Changed {
			changed++
		}
		if len(a.Problems) > 0 {
			invalid++
		}
	}
	return
}

func previewText(w io.Writer, r *PreviewReport, st Style) error {
	var b strings.Builder
	total, changed, invalid := counts(r)
	diags := r.previewDiags()
	fmt.Fprintf(&b, "%s %s against %s (%s)\n\n", st.Bold("Preview of"), r.Dir, r.Snapshot, plural(total, "account", "accounts"))
	for _, d := range diags {
		WriteDiagnostic(&b, d, st)
		b.WriteByte('\n')
	}
	if pre := r.prerequisites(); len(pre) > 0 {
		fmt.Fprintf(&b, "%s\n", st.Bold("Organization settings the preview assumes (orgbackup plan shows them as changes):"))
		for _, c := range pre {
			fmt.Fprintf(&b, "  %s %s\n", st.Green("+"), Inert(changeText(c)))
		}
		b.WriteByte('\n')
	}
	for _, g := range r.Plan.Effective {
		writeTextGroup(&b, g, st, "preview")
		b.WriteByte('\n')
	}
	summary := fmt.Sprintf("%d of %s change, %d would be invalid, %d unchanged", changed, plural(total, "account", "accounts"), invalid, total-changed)
	switch {
	case invalid > 0 || diags.HasErrors():
		fmt.Fprintf(&b, "%s %s\n", st.Red("✗"), summary)
	default:
		fmt.Fprintf(&b, "%s %s\n", st.Green("✓"), summary)
	}
	_, err := io.WriteString(w, guardLines(b.String()))
	return err
}

// WriteProblem renders an effective-policy problem as text: the code and
// path as Organizations reports them, the contributing policies, the fix.
func WriteProblem(b *strings.Builder, p effective.Problem, st Style, indent string) {
	ep := plan.EffectiveProblem{Code: p.Code, Path: p.PathString(), Message: p.Message, Hint: p.Hint, Policies: p.Policies}
	if p.Pos.IsValid() {
		ep.Source = p.Pos.String()
	}
	writeEffectiveProblem(b, ep, st, indent)
}

type jsonProblem struct {
	Code     string   `json:"code"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint"`
	Policies []string `json:"contributing_policies"`
	Source   *jsonPos `json:"source"`
}

type jsonNote struct {
	Kind    string `json:"kind"`
	Policy  string `json:"policy"`
	Target  string `json:"target"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ProblemsJSON converts problems for JSON output.
func ProblemsJSON(ps []effective.Problem) []jsonProblem {
	out := []jsonProblem{}
	for _, p := range ps {
		jp := jsonProblem{Code: p.Code, Path: p.PathString(), Message: p.Message, Hint: p.Hint, Policies: p.Policies}
		if jp.Policies == nil {
			jp.Policies = []string{}
		}
		if p.Pos.IsValid() {
			pos := jsonPosOf(p.Pos)
			jp.Source = &pos
		}
		out = append(out, jp)
	}
	return out
}

func notesJSON(ns []inherit.Note) []jsonNote {
	out := []jsonNote{}
	for _, n := range ns {
		out = append(out, jsonNote{Kind: n.Kind.String(), Policy: n.Policy, Target: n.Target, Path: inherit.PathString(n.Path), Message: n.Message})
	}
	return out
}

func previewJSON(r *PreviewReport) *doc.Node {
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
	// The groups and the per-account list are most of a large preview; they
	// are built as trees directly (keys in sorted order), not encoded to
	// JSON and parsed back, and the effective policies are the engine's own
	// shared trees.
	groupOf := map[*effective.Account]int{}
	groups := doc.NewArray(doc.Pos{})
	for i, g := range r.Plan.Preview.Groups() {
		ids := doc.NewArray(doc.Pos{})
		for _, a := range g.Accounts {
			ids.Items = append(ids.Items, str(a.Account.ID))
			groupOf[a] = i
		}
		groups.Items = append(groups.Items, fields(
			"accounts", ids,
			"after", orEmpty(g.AfterDoc),
			"before", orEmpty(g.BeforeDoc),
			"notes", doc.MustFromStruct(notesJSON(g.Notes)),
			"problems", doc.MustFromStruct(ProblemsJSON(g.Problems)),
		))
	}
	accounts := doc.NewArray(doc.Pos{})
	for _, a := range r.Plan.Preview.Accounts {
		group := &doc.Node{Kind: doc.Null}
		if i, ok := groupOf[a]; ok {
			group = &doc.Node{Kind: doc.Number, Text: strconv.Itoa(i)}
		}
		accounts.Items = append(accounts.Items, fields(
			"changed", doc.NewBool(a.Changed, doc.Pos{}),
			"group", group,
			"id", str(a.Account.ID),
			"name", str(a.Account.Name),
			"path", str(a.Path),
			"valid", doc.NewBool(len(a.Problems) == 0, doc.Pos{}),
		))
	}
	out.Set("groups", groups)
	out.Set("accounts", accounts)
	return out
}

func str(s string) *doc.Node { return doc.NewString(s, doc.Pos{}) }

// fields builds an object from alternating keys and values, given in
// sorted key order.
func fields(kv ...any) *doc.Node {
	o := doc.NewObject(doc.Pos{})
	o.Fields = make([]doc.Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Fields = append(o.Fields, doc.Field{Key: kv[i].(string), Value: kv[i+1].(*doc.Node)})
	}
	return o
}

func orEmpty(n *doc.Node) *doc.Node {
	if n == nil {
		return doc.NewObject(doc.Pos{})
	}
	return n
}

func previewMarkdown(w io.Writer, r *PreviewReport) error {
	var b strings.Builder
	total, changed, invalid := counts(r)
	diags := r.previewDiags()
	icon := "✓"
	if invalid > 0 || diags.HasErrors() {
		icon = "✗"
	}
	fmt.Fprintf(&b, "### %s orgbackup preview: %d of %s change, %d would be invalid\n\n", icon, changed, plural(total, "account", "accounts"), invalid)
	fmt.Fprintf(&b, "Definitions in %s against the organization snapshot %s.\n\n", Code(r.Dir), Code(r.Snapshot))
	for _, d := range diags {
		fmt.Fprintf(&b, "- **%s** %s: %s", d.Severity, Code(d.Pos.String()), EscapeMarkdown(d.Message))
		if d.Hint != "" {
			fmt.Fprintf(&b, " — %s", EscapeMarkdown(d.Hint))
		}
		b.WriteByte('\n')
	}
	if len(diags) > 0 {
		b.WriteByte('\n')
	}
	if pre := r.prerequisites(); len(pre) > 0 {
		b.WriteString("Organization settings the preview assumes (`orgbackup plan` shows them as changes):\n\n")
		for _, c := range pre {
			fmt.Fprintf(&b, "- %s\n", markdownChange(c))
		}
		b.WriteByte('\n')
	}
	for _, g := range r.Plan.Effective {
		b.WriteString(markdownGroup(g).markdown())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
