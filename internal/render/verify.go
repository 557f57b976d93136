package render

import (
	"fmt"
	"io"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/verify"
)

// WriteVerify renders a verify report in format f (text or JSON).
func WriteVerify(w io.Writer, f Format, r *verify.Report, st Style) error {
	if f == JSON {
		_, err := w.Write(verifyJSON(r).Indent())
		return err
	}
	verifyText(w, r, st)
	return nil
}

func verifyText(w io.Writer, r *verify.Report, st Style) {
	differing := 0
	for _, a := range r.Checked {
		if len(a.Differences) == 0 {
			continue
		}
		differing++
		fmt.Fprintf(w, "%s %s (%s): %s\n", st.Bold("Account"), a.ID, Inert(a.Path), plural(len(a.Differences), "difference", "differences"))
		for _, d := range a.Differences {
			path := d.Path
			if path == "" {
				path = "(the whole effective policy)"
			}
			fmt.Fprintf(w, "  %s\n", Inert(path))
			fmt.Fprintf(w, "    orgbackup: %s\n", Inert(d.Local))
			fmt.Fprintf(w, "    AWS:       %s\n", Inert(d.AWS))
		}
	}
	if len(r.Invalid) > 0 {
		fmt.Fprintf(w, "%s AWS reports an invalid effective backup policy for %s (they keep their last valid policy):", st.Red("Invalid:"), plural(len(r.Invalid), "account", "accounts"))
		for _, id := range r.Invalid {
			fmt.Fprintf(w, " %s", Inert(id))
		}
		fmt.Fprintln(w)
	}
	summary := fmt.Sprintf("%s checked, covering %d of %s.", plural(len(r.Checked), "account", "accounts"), r.States,
		plural(r.StatesTotal, "distinct effective policy", "distinct effective policies"))
	if r.Failed() {
		fmt.Fprintf(w, "%s %s %s differ from orgbackup's computation.\n", st.Red("Verify failed:"), summary, plural(differing, "account", "accounts"))
		return
	}
	fmt.Fprintf(w, "%s %s AWS agrees with orgbackup.\n", st.Green("Verified:"), summary)
}

func verifyJSON(r *verify.Report) *doc.Node {
	checked := doc.NewArray(doc.Pos{})
	for _, a := range r.Checked {
		diffs := doc.NewArray(doc.Pos{})
		for _, d := range a.Differences {
			diffs.Items = append(diffs.Items, fields("path", str(d.Path), "orgbackup", str(d.Local), "aws", str(d.AWS)))
		}
		checked.Items = append(checked.Items, fields("account", str(a.ID), "path", str(a.Path), "differences", diffs))
	}
	invalid := doc.NewArray(doc.Pos{})
	for _, id := range r.Invalid {
		invalid.Items = append(invalid.Items, str(id))
	}
	return fields(
		"format_version", str(FormatVersion),
		"ok", doc.NewBool(!r.Failed(), doc.Pos{}),
		"checked", checked,
		"invalid_accounts", invalid,
		"states_covered", num(r.States),
		"states_total", num(r.StatesTotal),
	)
}

func num(n int) *doc.Node { return &doc.Node{Kind: doc.Number, Text: fmt.Sprint(n)} }
