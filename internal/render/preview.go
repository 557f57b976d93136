package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

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
		return writePreviewJSON(w, r)
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
	if r.Plan.Coverage != nil {
		WriteCoverage(&b, r.Plan.Coverage, st)
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

// writePreviewJSON writes the JSON report: the canonical indented encoding
// (keys sorted) of one document, streamed as it is produced rather than
// built as a tree and encoded at the end. At 100,000 accounts the report is
// about 92 MB; the tree and the buffer it was encoded into took several
// times that. Each group's effective policies are written from the parts
// the engine keeps (inherit.Doc.AppendNested), which only reads them, and
// are never held whole. The accounts and the groups are rendered in chunks
// on every core (see writeChunks) and written in order.
func writePreviewJSON(w io.Writer, r *PreviewReport) error {
	out := bufio.NewWriterSize(w, 256<<10)
	total, changed, invalid := counts(r)
	diags := r.previewDiags()
	pv := r.Plan.Preview
	groups := pv.Groups()

	out.WriteString("{\n  \"accounts\": ")
	if len(pv.Accounts) == 0 {
		out.WriteString("[]")
	} else {
		out.WriteByte('[')
		writeChunks(out, len(pv.Accounts), 2048, func(b []byte, i int) []byte {
			a := pv.Accounts[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    {\n      \"changed\": "...)
			b = strconv.AppendBool(b, a.Changed)
			b = append(b, ",\n      \"group\": "...)
			if g := pv.GroupOf(a); g >= 0 {
				b = strconv.AppendInt(b, int64(g), 10)
			} else {
				b = append(b, "null"...)
			}
			b = append(b, ",\n      \"id\": "...)
			b = doc.AppendString(b, a.Account.ID)
			b = append(b, ",\n      \"name\": "...)
			b = doc.AppendString(b, a.Account.Name)
			b = append(b, ",\n      \"path\": "...)
			b = doc.AppendString(b, a.Path)
			b = append(b, ",\n      \"valid\": "...)
			b = strconv.AppendBool(b, len(a.Problems) == 0)
			return append(b, "\n    }"...)
		})
		out.WriteString("\n  ]")
	}
	if r.Plan.Coverage != nil {
		// How each account gets its role and vaults (keys stay sorted:
		// "baselines" comes after "accounts").
		out.WriteString(",\n  \"baselines\": ")
		writeCoverage(out, r.Plan.Coverage, "  ")
	}
	out.WriteString(",\n  \"diagnostics\": ")
	out.Write(appendNested(nil, doc.MustFromStruct(toJSONDiags(diags)).Indent(), "  "))
	out.WriteString(",\n  \"directory\": ")
	out.Write(doc.AppendString(nil, r.Dir))
	out.WriteString(",\n  \"format_version\": ")
	out.Write(doc.AppendString(nil, FormatVersion))
	out.WriteString(",\n  \"groups\": ")
	if len(groups) == 0 {
		out.WriteString("[]")
	} else {
		// Each group's accounts in id order: the plan has gathered them,
		// group for group, in one pass over the accounts (read group by
		// group, every id was a cache miss on its account's entity).
		lists := make([][]plan.Account, len(groups))
		if eff := r.Plan.Effective; len(eff) == len(groups) {
			for i := range groups {
				lists[i] = eff[i].Accounts
			}
		} else {
			for _, a := range pv.Accounts {
				if g := pv.GroupOf(a); g >= 0 {
					lists[g] = append(lists[g], plan.Account{ID: a.Account.ID})
				}
			}
		}
		out.WriteByte('[')
		writeChunks(out, len(groups), 16, func(b []byte, i int) []byte {
			g := groups[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    {\n      \"accounts\": ["...)
			for j := range lists[i] {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, "\n        "...)
				b = doc.AppendString(b, lists[i][j].ID)
			}
			b = append(b, "\n      ],\n      \"after\": "...)
			b = appendDoc(b, g.After)
			b = append(b, ",\n      \"before\": "...)
			b = appendDoc(b, g.Before)
			// Most groups have neither notes nor problems, and encoding
			// an empty list through doc (marshal, parse, indent) for each
			// of 5,000 groups took 25 ms and 11 MB.
			b = append(b, ",\n      \"notes\": "...)
			if len(g.Notes) == 0 {
				b = append(b, "[]"...)
			} else {
				b = appendNested(b, doc.MustFromStruct(notesJSON(g.Notes)).Indent(), "      ")
			}
			b = append(b, ",\n      \"problems\": "...)
			if len(g.Problems) == 0 {
				b = append(b, "[]"...)
			} else {
				b = appendNested(b, doc.MustFromStruct(ProblemsJSON(g.Problems)).Indent(), "      ")
			}
			return append(b, "\n    }"...)
		})
		out.WriteString("\n  ]")
	}
	out.WriteString(",\n  \"snapshot\": ")
	out.Write(doc.AppendString(nil, r.Snapshot))
	out.WriteString(",\n  \"summary\": ")
	summary := map[string]int{"accounts": total, "changed": changed, "invalid": invalid, "unchanged": total - changed, "errors": diags.Count(diag.Error)}
	out.Write(appendNested(nil, doc.MustFromStruct(summary).Indent(), "  "))
	out.WriteString("\n}\n")
	return out.Flush()
}

// writeChunks writes the encodings of items 0 to n-1 to out, in order.
// render appends item i's encoding to b. Chunks of size items are rendered
// on up to GOMAXPROCS goroutines, while the ones before them are written;
// at most two chunks per goroutine are held at a time, so memory stays
// bounded however large the report. render must be safe for concurrent
// use. Errors are out's, which reports them at Flush.
func writeChunks(out io.Writer, n, size int, render func(b []byte, i int) []byte) {
	chunks := (n + size - 1) / size
	done := make([]chan []byte, chunks)
	for c := range done {
		done[c] = make(chan []byte, 1)
	}
	slots := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	// Written buffers are used again: the report is tens of MB, its
	// buffers a few.
	free := make(chan []byte, cap(slots))
	// A new buffer starts at the size of the largest chunk so far, and at
	// least at minChunkBuffer, not empty: grown by doubling, each of the
	// report's first buffers left as much garbage as it held (9 MB at
	// 100,000 accounts, the first buffers being made before any chunk was
	// done).
	var largest atomic.Int64
	go func() {
		for c := range chunks {
			slots <- struct{}{}
			go func() {
				var b []byte
				select {
				case b = <-free:
				default:
					b = make([]byte, 0, max(minChunkBuffer, largest.Load()+largest.Load()/4))
				}
				b = b[:0]
				for i := c * size; i < min(n, (c+1)*size); i++ {
					b = render(b, i)
				}
				if l := int64(len(b)); l > largest.Load() {
					largest.Store(l) // a race between two stores loses only a hint
				}
				done[c] <- b
			}()
		}
	}()
	for c := range chunks {
		b := <-done[c]
		out.Write(b)
		select {
		case free <- b:
		default:
		}
		<-slots
	}
}

// minChunkBuffer is the least room writeChunks gives a new buffer: about
// what a chunk of the JSON report's accounts or groups takes.
const minChunkBuffer = 512 << 10

// appendNested appends b, a value's canonical indented encoding as Indent
// returns it, to dst as a value nested in a document at a line indented
// by prefix: every line after the first gets the prefix too.
func appendNested(dst, b []byte, prefix string) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i+1]...)
		dst = append(dst, prefix...)
		b = b[i+1:]
	}
}

// appendDoc appends a group's effective policy, {} for none, nested in
// the report at a group's field (three levels in). The Doc writes itself
// from the parts the engine keeps, on every core at once: the report
// never holds a document whole.
func appendDoc(b []byte, d *inherit.Doc) []byte {
	if d == nil {
		return append(b, "{}"...)
	}
	return d.AppendNested(b, 3)
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
	CoverageMarkdown(&b, r.Plan.Coverage)
	_, err := io.WriteString(w, b.String())
	return err
}
