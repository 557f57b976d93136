package render

import (
	"fmt"
	"strings"
)

// ApplyLogEntry is the part of one apply-log line (JSON, one object per
// mutating call) that the outcome comment shows. The field names are the
// apply log's format; the log has more fields, which are ignored here.
type ApplyLogEntry struct {
	Action    string `json:"action"` // the plan's action: create, attach, …
	Operation string `json:"operation"`
	Policy    string `json:"policy"`
	PolicyID  string `json:"policy_id"`
	Target    string `json:"target"`
	Setting   string `json:"setting"`
	RequestID string `json:"request_id"`
	Result    string `json:"result"` // done, already-done, failed, skipped
	Error     string `json:"error"`
	Note      string `json:"note"`
}

// Outcome is what an apply run on a merged pull request came to, for the
// comment on that pull request and the job summary.
type Outcome struct {
	// Applied is true when apply succeeded, false when it failed or
	// refused (a stale plan, destructive changes, plan errors).
	Applied bool
	// Report is the reviewed plan that apply was given.
	Report *PlanReport
	// Commit is the commit applied (GITHUB_SHA), "" if unknown.
	Commit string
	// Log is the apply log; nil when apply wrote none (it refused before
	// any call, or could not start).
	Log []ApplyLogEntry
	// Output is the end of what apply printed (its refusal, the stale
	// plan's difference, the error), shown as a code block.
	Output string
}

// OutcomeDocument is the outcome comment: whether the merge was applied,
// the calls apply made, what it printed, and the plan it was given, each a
// section that can be cut.
func OutcomeDocument(o *Outcome) *Document {
	p := o.Report.Plan
	var b strings.Builder
	if o.Applied {
		fmt.Fprintf(&b, "### ✓ Applied: %s\n\n", p.Summary.Line())
	} else {
		fmt.Fprintf(&b, "### ✗ Apply failed: %s\n\n", p.Summary.Line())
	}
	counts := map[string]int{}
	for _, e := range o.Log {
		counts[e.Result]++
	}
	what := "orgbackup apply"
	if o.Commit != "" {
		what += " of commit " + Code(shortSHA(o.Commit))
	}
	what += " (definitions in " + Code(o.Report.Dir)
	if p.Organization != "" {
		what += ", organization " + Code(p.Organization)
	}
	what += ")"
	switch {
	case o.Applied:
		fmt.Fprintf(&b, "%s carried out the reviewed plan: %s.", what, callCounts(counts))
	case len(o.Log) == 0:
		fmt.Fprintf(&b, "%s changed nothing: it stopped before its first call (its output is below).", what)
	default:
		fmt.Fprintf(&b, "%s stopped: %s. Running the workflow again resumes from where it stopped.", what, callCounts(counts))
	}
	d := &Document{Head: b.String(), Noun: "calls"}
	if o.Output != "" {
		d.Sections = append(d.Sections, Section{Summary: "Output of orgbackup apply", Open: !o.Applied, Body: CodeBlock("text", o.Output)})
	}
	if len(o.Log) > 0 {
		sec := Section{Summary: plural(len(o.Log), "call", "calls") + " in the apply log", Open: !o.Applied}
		for _, e := range o.Log {
			sec.Children = append(sec.Children, Section{Body: logLine(e), Tight: true, Items: 1})
		}
		d.Sections = append(d.Sections, sec)
	}
	reviewed := PlanDocument(o.Report)
	d.Sections = append(d.Sections, Section{Summary: "The plan that was reviewed", Body: reviewed.Head, Children: reviewed.Sections})
	return d
}

var resultMark = map[string]string{"done": "✅", "already-done": "☑️", "failed": "❌", "skipped": "⏭️"}

func logLine(e ApplyLogEntry) string {
	mark := resultMark[e.Result]
	if mark == "" {
		mark = "•"
	}
	line := fmt.Sprintf("- %s %s", mark, EscapeMarkdown(e.Result))
	if e.Operation != "" {
		line += " " + Code(e.Operation)
	}
	var what []string
	if e.Action != "" {
		what = append(what, Code(e.Action))
	}
	if e.Policy != "" {
		p := "policy " + Code(e.Policy)
		if e.PolicyID != "" {
			p += " (" + Code(e.PolicyID) + ")"
		}
		what = append(what, p)
	}
	if e.Setting != "" {
		what = append(what, "setting "+Code(e.Setting))
	}
	if e.Target != "" {
		what = append(what, "target "+Code(e.Target))
	}
	if len(what) > 0 {
		line += ": " + strings.Join(what, ", ")
	}
	if e.RequestID != "" {
		line += " (request " + Code(e.RequestID) + ")"
	}
	if e.Note != "" {
		line += "; " + EscapeMarkdown(e.Note)
	}
	if e.Error != "" {
		line += " — " + EscapeMarkdown(e.Error)
	}
	return line
}

// callCounts says how many calls had each result, in a fixed order.
func callCounts(counts map[string]int) string {
	var parts []string
	for _, r := range []string{"done", "already-done", "failed", "skipped"} {
		if n := counts[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(r, "-", " ")))
		}
	}
	if len(parts) == 0 {
		return "no calls were needed"
	}
	return plural(counts["done"]+counts["already-done"]+counts["failed"]+counts["skipped"], "call", "calls") + " (" + strings.Join(parts, ", ") + ")"
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
