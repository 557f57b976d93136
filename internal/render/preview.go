package render

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/inherit"
)

// PreviewReport is what `orgbackup preview` shows.
type PreviewReport struct {
	Dir      string
	Snapshot string
	Preview  *effective.Preview
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

func accountLabel(a *effective.Account) string {
	name := a.Account.Name
	if name == "" {
		return fmt.Sprintf("%s (%s)", a.Account.ID, parentPath(a.Path))
	}
	return fmt.Sprintf("%s %s (%s)", a.Account.ID, name, parentPath(a.Path))
}

// parentPath drops the account's own segment from its path.
func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return p
}

func counts(r *PreviewReport) (total, changed, invalid int) {
	for _, a := range r.Preview.Accounts {
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
	fmt.Fprintf(&b, "%s %s against %s (%s)\n\n", st.Bold("Preview of"), Inert(r.Dir), Inert(r.Snapshot), plural(total, "account", "accounts"))
	for _, d := range r.Preview.Diags {
		WriteDiagnostic(&b, d, st)
		b.WriteByte('\n')
	}
	for _, g := range r.Preview.Groups() {
		mark := st.Yellow("~")
		if len(g.Problems) > 0 {
			mark = st.Red("✗")
		} else if g.Diff == nil {
			mark = " "
		}
		fmt.Fprintf(&b, "%s %s\n", mark, st.Bold(groupTitle(g)))
		for i, a := range g.Accounts {
			if i == maxListed {
				fmt.Fprintf(&b, "    … and %d more (orgbackup preview --output json lists all)\n", len(g.Accounts)-maxListed)
				break
			}
			fmt.Fprintf(&b, "    %s\n", Inert(accountLabel(a)))
		}
		for _, p := range g.Problems {
			WriteProblem(&b, p, st, "    ")
		}
		for _, n := range g.Notes {
			fmt.Fprintf(&b, "    %s %s\n", st.Cyan("note:"), Inert(n.String()))
		}
		if g.Diff != nil {
			for _, line := range strings.SplitAfter(string(g.Diff), "\n") {
				if line == "" {
					continue
				}
				switch {
				case strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++"):
					line = st.Green(strings.TrimSuffix(line, "\n")) + "\n"
				case strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---"):
					line = st.Red(strings.TrimSuffix(line, "\n")) + "\n"
				}
				b.WriteString("    " + line)
			}
		}
		b.WriteByte('\n')
	}
	summary := fmt.Sprintf("%d of %s change, %d would be invalid, %d unchanged", changed, plural(total, "account", "accounts"), invalid, total-changed)
	switch {
	case invalid > 0 || r.Preview.Diags.HasErrors():
		fmt.Fprintf(&b, "%s %s\n", st.Red("✗"), summary)
	default:
		fmt.Fprintf(&b, "%s %s\n", st.Green("✓"), summary)
	}
	_, err := io.WriteString(w, guardLines(b.String()))
	return err
}

func groupTitle(g *effective.Group) string {
	n := plural(len(g.Accounts), "account", "accounts")
	switch {
	case len(g.Problems) > 0 && g.Diff != nil:
		return n + ": effective policy changes and would be invalid"
	case len(g.Problems) > 0:
		return n + ": effective policy is invalid"
	}
	if bytes.Equal(bytes.TrimSpace(g.Before), []byte("{}")) {
		return n + ": gain a backup policy"
	}
	if bytes.Equal(bytes.TrimSpace(g.After), []byte("{}")) {
		return n + ": lose their backup policy"
	}
	return n + ": effective policy changes"
}

// WriteProblem renders an effective-policy problem as text: the code and
// path as Organizations reports them, the contributing policies, the fix.
func WriteProblem(b *strings.Builder, p effective.Problem, st Style, indent string) {
	fmt.Fprintf(b, "%s%s %s at %s: %s\n", indent, st.Red("✗"), Inert(p.Code), Inert(p.PathString()), Inert(p.Message))
	if len(p.Policies) > 0 {
		fmt.Fprintf(b, "%s    contributing policies: %s\n", indent, Inert(strings.Join(p.Policies, ", ")))
	}
	if p.Pos.IsValid() {
		fmt.Fprintf(b, "%s    source: %s\n", indent, Inert(p.Pos.String()))
	}
	if p.Hint != "" {
		fmt.Fprintf(b, "%s    hint: %s\n", indent, Inert(p.Hint))
	}
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
		Summary:       map[string]int{"accounts": total, "changed": changed, "invalid": invalid, "unchanged": total - changed, "errors": r.Preview.Diags.Count(diag.Error)},
		Diagnostics:   toJSONDiags(r.Preview.Diags),
	})
	// The groups and the per-account list are most of a large preview; they
	// are built as trees directly (keys in sorted order), not encoded to
	// JSON and parsed back, and the effective policies are the engine's own
	// shared trees.
	groupOf := map[*effective.Account]int{}
	groups := doc.NewArray(doc.Pos{})
	for i, g := range r.Preview.Groups() {
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
	for _, a := range r.Preview.Accounts {
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
	icon := "✓"
	if invalid > 0 || r.Preview.Diags.HasErrors() {
		icon = "✗"
	}
	fmt.Fprintf(&b, "### %s orgbackup preview: %d of %s change, %d would be invalid\n\n", icon, changed, plural(total, "account", "accounts"), invalid)
	fmt.Fprintf(&b, "Definitions in %s against the organization snapshot %s.\n\n", Code(r.Dir), Code(r.Snapshot))
	for _, d := range r.Preview.Diags {
		fmt.Fprintf(&b, "- **%s** %s: %s", d.Severity, Code(d.Pos.String()), EscapeMarkdown(d.Message))
		if d.Hint != "" {
			fmt.Fprintf(&b, " — %s", EscapeMarkdown(d.Hint))
		}
		b.WriteByte('\n')
	}
	if len(r.Preview.Diags) > 0 {
		b.WriteByte('\n')
	}
	for _, g := range r.Preview.Groups() {
		fmt.Fprintf(&b, "#### %s\n\n", EscapeMarkdown(groupTitle(g)))
		var names []string
		for i, a := range g.Accounts {
			if i == maxListed {
				names = append(names, fmt.Sprintf("and %d more", len(g.Accounts)-maxListed))
				break
			}
			names = append(names, Code(accountLabel(a)))
		}
		b.WriteString(strings.Join(names, ", ") + "\n\n")
		for _, p := range g.Problems {
			fmt.Fprintf(&b, "- ❌ %s at %s: %s", Code(p.Code), Code(p.PathString()), EscapeMarkdown(p.Message))
			if len(p.Policies) > 0 {
				var ps []string
				for _, x := range p.Policies {
					ps = append(ps, Code(x))
				}
				fmt.Fprintf(&b, " (contributing: %s)", strings.Join(ps, ", "))
			}
			if p.Hint != "" {
				fmt.Fprintf(&b, " — %s", EscapeMarkdown(p.Hint))
			}
			b.WriteByte('\n')
		}
		// What Organizations would ignore: a child policy's change that a
		// parent's child controls forbid does nothing, silently.
		for _, n := range g.Notes {
			fmt.Fprintf(&b, "- ℹ️ %s ignored at %s: %s", Code(n.Policy), Code(inherit.PathString(n.Path)), EscapeMarkdown(n.Message))
			if n.Pos.IsValid() {
				fmt.Fprintf(&b, " (%s)", Code(n.Pos.String()))
			}
			b.WriteByte('\n')
		}
		if g.Diff != nil {
			fence := Fence(string(g.Diff))
			fmt.Fprintf(&b, "\n<details><summary>Effective policy diff</summary>\n\n%sdiff\n%s%s\n\n</details>\n", fence, g.Diff, fence)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, guardLines(b.String()))
	return err
}
