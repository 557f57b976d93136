package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/doctor"
)

// WriteDoctor renders a doctor report in format f (text or JSON).
func WriteDoctor(w io.Writer, f Format, r *doctor.Report, st Style) error {
	if f == JSON {
		n := doc.MustFromStruct(struct {
			FormatVersion string `json:"format_version"`
			Healthy       bool   `json:"healthy"`
			Gaps          int    `json:"gaps"`
			*doctor.Report
		}{FormatVersion, r.Gaps() == 0, r.Gaps(), r})
		_, err := w.Write(n.Indent())
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s)\n\n", st.Bold("Doctor of account"), Inert(r.Account), Inert(r.Path))
	region := "\x00"
	for _, c := range r.Checks {
		if c.Region != region {
			region = c.Region
			title := "global"
			if region != "" {
				title = region
			}
			fmt.Fprintf(&b, "%s\n", st.Bold(title+":"))
		}
		mark := st.Green("✓")
		switch c.Status {
		case doctor.Gap:
			mark = st.Red("✗")
		case doctor.Unknown:
			mark = st.Yellow("?")
		}
		fmt.Fprintf(&b, "  %s %s\n", mark, Inert(c.What))
		if c.Status != doctor.OK && c.Detail != "" {
			fmt.Fprintf(&b, "      %s\n", Inert(c.Detail))
		}
		if c.Fix != "" && c.Status != doctor.OK {
			fmt.Fprintf(&b, "      fix: %s\n", Inert(c.Fix))
		}
	}
	b.WriteByte('\n')
	if n := r.Gaps(); n > 0 {
		fmt.Fprintf(&b, "%s %s: backups in this account fail or will fail until %s fixed\n", st.Red("✗"), plural(n, "gap", "gaps"), map[bool]string{true: "it is", false: "they are"}[n == 1])
	} else {
		fmt.Fprintf(&b, "%s the account has what its backup policy needs\n", st.Green("✓"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
