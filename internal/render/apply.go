package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// WriteApplyStep writes the human line of one apply log entry, for change
// c.
func WriteApplyStep(w io.Writer, c plan.Change, e apply.Entry, st Style) {
	var mark string
	switch e.Result {
	case apply.Done:
		mark = st.Green("done        ")
	case apply.AlreadyDone:
		mark = st.Dim("already done")
	case apply.Failed:
		mark = st.Red("failed      ")
	default:
		mark = st.Yellow("skipped     ")
	}
	line := fmt.Sprintf("apply: %s %s", mark, Inert(changeText(c)))
	var detail []string
	if e.Operation != "" {
		detail = append(detail, e.Operation)
	}
	if e.RequestID != "" {
		detail = append(detail, "request "+Inert(e.RequestID))
	}
	if len(detail) > 0 {
		line += st.Dim(" [" + strings.Join(detail, ", ") + "]")
	}
	if e.Note != "" {
		line += ": " + Inert(e.Note)
	}
	if e.Error != "" && e.Result != apply.AlreadyDone {
		line += ": " + Inert(e.Error)
	}
	fmt.Fprintln(w, line)
}

// WriteStale explains why a saved plan was refused.
func WriteStale(w io.Writer, e *apply.StaleError, st Style) {
	fmt.Fprintf(w, "%s %s\n", st.Red("Error:"), Inert(e.Error()))
	if e.InputsChanged {
		fmt.Fprintln(w, "  The definitions, targets, prerequisites or options differ from those the plan was made from.")
	}
	writeChanges(w, "  The organization now needs these changes, which the plan does not list:", "+", e.New, st.Green)
	writeChanges(w, "  The plan lists these changes, which are no longer needed (done already, or made unnecessary by someone else):", "-", e.Gone, st.Red)
}

// WriteDestroyRefusal lists the destructive changes apply refused.
func WriteDestroyRefusal(w io.Writer, e *apply.DestroyError, st Style) {
	fmt.Fprintf(w, "%s %s\n", st.Red("Error:"), e.Error())
	writeChanges(w, "  Destructive changes:", "-", e.Changes, st.Red)
}

func writeChanges(w io.Writer, title, sign string, cs []plan.Change, colour func(string) string) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	for _, c := range cs {
		fmt.Fprintf(w, "    %s %s\n", colour(sign), Inert(changeText(c)))
	}
}

// WriteApplySummary writes the last line of an apply.
func WriteApplySummary(w io.Writer, r *apply.Report, logFile string, st Style) {
	if r.Resume.Planned > 0 && r.Resume.Done == r.Resume.Planned {
		fmt.Fprintf(w, "%s all %s of the plan were already in place; nothing to do.\n", st.Green("Apply complete:"), plural(r.Resume.Planned, "change", "changes"))
		return
	}
	if r.Applied == 0 {
		fmt.Fprintf(w, "%s no changes; the organization matches the repository.\n", st.Green("Apply complete:"))
		return
	}
	calls := []string{plural(r.Calls[apply.Done], "call", "calls") + " changed something"}
	if n := r.Calls[apply.AlreadyDone]; n > 0 {
		calls = append(calls, fmt.Sprintf("%d found it already done", n))
	}
	fmt.Fprintf(w, "%s %s applied (%s).", st.Green("Apply complete:"), plural(r.Applied, "change", "changes"), strings.Join(calls, ", "))
	if logFile != "" {
		fmt.Fprintf(w, " Log: %s", Inert(logFile))
	}
	fmt.Fprintln(w)
}

// WriteResume says that a saved plan is being resumed.
func WriteResume(w io.Writer, r apply.Resume) {
	if r.Done > 0 && r.Done < r.Planned {
		fmt.Fprintf(w, "apply: resuming: %d of %d changes already done\n", r.Done, r.Planned)
	}
}
