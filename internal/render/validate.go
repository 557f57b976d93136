package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// MaxAnnotations is how many annotations of one type GitHub shows for a
// step; it silently drops the rest, so orgbackup prints at most this many
// and then a notice with the totals.
const MaxAnnotations = 10

// WriteValidation renders v in format f.
func WriteValidation(w io.Writer, f Format, v *check.Report, st Style) error {
	switch f {
	case JSON:
		_, err := w.Write(validationJSON(v).Indent())
		return err
	case GitHub:
		return validationGitHub(w, v)
	case Markdown:
		return validationMarkdown(w, v)
	}
	return validationText(w, v, st)
}

func validationText(w io.Writer, v *check.Report, st Style) error {
	var b strings.Builder
	for _, d := range v.Diags {
		WriteDiagnostic(&b, d, st)
		b.WriteByte('\n')
	}
	if v.Coverage != nil {
		WriteCoverage(&b, v.Coverage, st)
		b.WriteByte('\n')
	}
	errs, warns := v.Diags.Count(diag.Error), v.Diags.Count(diag.Warning)
	what := counted(v, Inert(v.Dir))
	switch {
	case errs > 0:
		fmt.Fprintf(&b, "%s %s, %s (%s)\n", st.Red("✗ invalid:"), plural(errs, "error", "errors"), plural(warns, "warning", "warnings"), what)
	case warns > 0:
		fmt.Fprintf(&b, "%s with %s (%s)\n", st.Yellow("✓ valid"), plural(warns, "warning", "warnings"), what)
	default:
		fmt.Fprintf(&b, "%s (%s)\n", st.Green("✓ valid"), what)
	}
	if errs == 0 {
		width := 0
		for _, s := range v.Sizes {
			width = max(width, utf8.RuneCountInString(Inert(s.Policy)))
		}
		for _, s := range v.Sizes {
			name := Inert(s.Policy)
			pad := strings.Repeat(" ", width-utf8.RuneCountInString(name))
			fmt.Fprintf(&b, "  %s%s  %s of %s characters (%s left)\n", name, pad, thousands(s.Characters), thousands(s.Limit), thousands(s.Margin))
		}
	}
	_, err := io.WriteString(w, guardLines(b.String()))
	return err
}

// WriteDiagnostic renders one diagnostic as text: the position first, so
// terminals and editors can jump to it, then what is wrong, then the value,
// the path and the fix on indented lines.
func WriteDiagnostic(b *strings.Builder, d diag.Diagnostic, st Style) {
	sev := d.Severity.String()
	switch d.Severity {
	case diag.Error:
		sev = st.Red(sev)
	case diag.Warning:
		sev = st.Yellow(sev)
	default:
		sev = st.Cyan(sev)
	}
	// The position starts the line, so a file name someone chose could
	// start a workflow command; it is guarded before it is coloured, as
	// a runner would not see a command behind the colour's escape but a
	// reader of the uncoloured log would.
	pos := guardLines(Inert(d.Pos.String()))
	fmt.Fprintf(b, "%s: %s: %s %s\n", st.Bold(pos), sev, Inert(d.Message), st.Dim("["+Inert(d.Code)+"]"))
	if d.Value != "" {
		fmt.Fprintf(b, "    value: %s\n", Inert(d.Value))
	}
	if d.Path != "" {
		fmt.Fprintf(b, "    path:  %s\n", Inert(d.Path))
	}
	if d.Hint != "" {
		fmt.Fprintf(b, "    hint:  %s\n", Inert(d.Hint))
	}
	for _, r := range d.Related {
		if r.Label == "schema constraint" {
			continue
		}
		fmt.Fprintf(b, "    see:   %s (%s)\n", Inert(r.Pos.String()), Inert(r.Label))
	}
}

// TextDiagnostics renders diagnostics as text, one after another, each
// followed by a blank line, for commands that report problems on stderr.
func TextDiagnostics(ds diag.List, st Style) string {
	var b strings.Builder
	for _, d := range ds {
		WriteDiagnostic(&b, d, st)
		b.WriteByte('\n')
	}
	return guardLines(b.String())
}

type jsonPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

type jsonRelated struct {
	jsonPos
	Label string `json:"label"`
}

type jsonDiag struct {
	Severity diag.Severity `json:"severity"`
	Code     string        `json:"code"`
	jsonPos
	Path    string        `json:"path"`
	Message string        `json:"message"`
	Value   string        `json:"value"`
	Hint    string        `json:"hint"`
	Related []jsonRelated `json:"related"`
}

func toJSONDiags(ds diag.List) []jsonDiag {
	out := []jsonDiag{}
	for _, d := range ds {
		jd := jsonDiag{Severity: d.Severity, Code: d.Code, jsonPos: jsonPosOf(d.Pos), Path: d.Path, Message: d.Message, Value: d.Value, Hint: d.Hint, Related: []jsonRelated{}}
		for _, r := range d.Related {
			jd.Related = append(jd.Related, jsonRelated{jsonPos: jsonPosOf(r.Pos), Label: r.Label})
		}
		out = append(out, jd)
	}
	return out
}

func jsonPosOf(p doc.Pos) jsonPos { return jsonPos{File: p.File, Line: p.Line, Column: p.Col} }

func validationJSON(v *check.Report) *doc.Node {
	sizes := v.Sizes
	if sizes == nil {
		sizes = []check.Size{}
	}
	out := doc.MustFromStruct(struct {
		FormatVersion string     `json:"format_version"`
		Valid         bool       `json:"valid"`
		Directory     string     `json:"directory"`
		Summary       any        `json:"summary"`
		Policies      any        `json:"policies"`
		Diagnostics   []jsonDiag `json:"diagnostics"`
	}{
		FormatVersion: FormatVersion,
		Valid:         v.Valid(),
		Directory:     v.Dir,
		Summary: map[string]any{
			"errors":   v.Diags.Count(diag.Error),
			"warnings": v.Diags.Count(diag.Warning),
			"notices":  v.Diags.Count(diag.Notice),
			// null when the definitions could not be read: 0 would say
			// the directory defines none.
			"policies":  readCount(v, v.Policies),
			"baselines": readCount(v, v.Baselines),
		},
		Policies:    sizes,
		Diagnostics: toJSONDiags(v.Diags),
	})
	if v.Coverage != nil {
		out.Set("baselines", CoverageJSON(v.Coverage))
	}
	return out
}

// counted says how many policies and baselines the definitions in dir
// hold, or that they could not be read (a file does not parse): then
// nobody knows, and "0 policies" would be wrong.
func counted(v *check.Report, dir string) string {
	switch {
	case v.Unfinished:
		return "the definitions in " + dir + " did not finish evaluating"
	case v.Unread:
		return "the definitions in " + dir + " could not be read"
	}
	return fmt.Sprintf("%s, %s in %s", plural(v.Policies, "policy", "policies"), plural(v.Baselines, "baseline", "baselines"), dir)
}

func readCount(v *check.Report, n int) any {
	if v.Unread {
		return nil
	}
	return n
}

// validationGitHub prints workflow commands. GitHub shows annotations
// inline on the pull request's diff for files the PR touches.
func validationGitHub(w io.Writer, v *check.Report) error {
	var b strings.Builder
	shown := map[diag.Severity]int{}
	for _, d := range v.Diags {
		if shown[d.Severity] >= MaxAnnotations {
			continue
		}
		shown[d.Severity]++
		b.WriteString(Annotation(d))
		b.WriteByte('\n')
	}
	errs, warns := v.Diags.Count(diag.Error), v.Diags.Count(diag.Warning)
	if errs > MaxAnnotations || warns > MaxAnnotations {
		fmt.Fprintf(&b, "::notice title=orgbackup::%s\n", escapeData(fmt.Sprintf(
			"%d errors and %d warnings in total; GitHub shows at most %d of each here. Run `orgbackup validate` locally, or see the job summary, for the full list.",
			errs, warns, MaxAnnotations)))
	}
	if errs == 0 {
		fmt.Fprintf(&b, "::notice title=orgbackup::%s\n", escapeData(fmt.Sprintf("%s valid: %s, %s, %d warnings",
			Inert(v.Dir), plural(v.Policies, "policy", "policies"), plural(v.Baselines, "baseline", "baselines"), warns)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Annotation renders d as a GitHub workflow command.
func Annotation(d diag.Diagnostic) string {
	cmd := "error"
	switch d.Severity {
	case diag.Warning:
		cmd = "warning"
	case diag.Notice:
		cmd = "notice"
	}
	var props []string
	if d.Pos.File != "" {
		props = append(props, "file="+escapeProperty(Inert(d.Pos.File)))
	}
	if d.Pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
		if d.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
		}
	}
	props = append(props, "title="+escapeProperty("orgbackup "+Inert(d.Code)))
	// Each part is one inert line; the line breaks between them are the
	// annotation's own, escaped as %0A like every other.
	msg := Inert(d.Message)
	if d.Value != "" {
		msg += "\nvalue: " + Inert(d.Value)
	}
	if d.Hint != "" {
		msg += "\nhint: " + Inert(d.Hint)
	}
	return "::" + cmd + " " + strings.Join(props, ",") + "::" + escapeData(msg)
}

// escapeData and escapeProperty escape workflow command text as the
// actions toolkit does (command.ts): otherwise a value containing a newline
// or "::" could end the annotation early or inject a command.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func validationMarkdown(w io.Writer, v *check.Report) error {
	var b strings.Builder
	errs, warns := v.Diags.Count(diag.Error), v.Diags.Count(diag.Warning)
	if errs > 0 {
		fmt.Fprintf(&b, "### ✗ orgbackup validate: %s, %s\n\n", plural(errs, "error", "errors"), plural(warns, "warning", "warnings"))
	} else {
		fmt.Fprintf(&b, "### ✓ orgbackup validate: valid, %s\n\n", plural(warns, "warning", "warnings"))
	}
	what := counted(v, Code(v.Dir))
	fmt.Fprintf(&b, "%s%s.\n\n", strings.ToUpper(what[:1]), what[1:])
	if len(v.Diags) > 0 {
		b.WriteString("| | Where | Problem | Fix |\n|---|---|---|---|\n")
		for _, d := range v.Diags {
			icon := "❌"
			if d.Severity == diag.Warning {
				icon = "⚠️"
			} else if d.Severity == diag.Notice {
				icon = "ℹ️"
			}
			msg := EscapeMarkdown(d.Message)
			if d.Value != "" {
				msg += " " + CellCode(d.Value)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", icon, CellCode(d.Pos.String()), cell(msg), cell(EscapeMarkdown(d.Hint)))
		}
		b.WriteByte('\n')
	}
	if v.Coverage != nil {
		CoverageMarkdown(&b, v.Coverage)
	}
	if errs == 0 && len(v.Sizes) > 0 {
		b.WriteString("| Policy | Size | Left |\n|---|---:|---:|\n")
		for _, s := range v.Sizes {
			fmt.Fprintf(&b, "| %s | %s / %s | %s |\n", CellCode(s.Policy), thousands(s.Characters), thousands(s.Limit), thousands(s.Margin))
		}
	}
	_, err := io.WriteString(w, guardLines(b.String()))
	return err
}
