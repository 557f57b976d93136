// Package diag defines the diagnostics every check in orgbackup reports: a
// severity, a stable code, where the problem is, what is wrong, the offending
// value and how to fix it. Rendering lives in package render.
package diag

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// CodeTooSlow is the code of the error the loader reports when evaluating
// the definitions runs out of time. Summaries say the definitions did not
// finish rather than that they could not be read: nothing in them is
// wrong that anyone knows of.
const CodeTooSlow = "too-slow"

// Severity says whether a diagnostic makes the input invalid.
type Severity int

// Severities, in increasing order of gravity.
const (
	Notice Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Notice:
		return "notice"
	case Warning:
		return "warning"
	}
	return "error"
}

// MarshalText encodes the severity by name for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Related is a secondary position that explains a diagnostic, such as the
// schema constraint that failed or the other policy in a conflict.
type Related struct {
	Pos   doc.Pos
	Label string
}

// Diagnostic is one problem found in the input.
type Diagnostic struct {
	Severity Severity
	// Code is a stable, machine-readable name for the kind of problem, e.g.
	// "schema", "vault-not-provided", "policy-too-large".
	Code string
	// Pos is where a person should look first. It is always a position in
	// the user's files when one is known.
	Pos doc.Pos
	// Path is the location in the configuration, e.g.
	// policies."test-bk-policy".plans."test-bk-plan".regions.
	Path string
	// Message says what is wrong, in lower case, without a trailing period.
	Message string
	// Value is the offending value as written, if there is one.
	Value string
	// Hint says how to fix it.
	Hint    string
	Related []Related
}

// Errorf returns an error diagnostic.
func Errorf(code string, pos doc.Pos, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Code: code, Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// Warningf returns a warning diagnostic.
func Warningf(code string, pos doc.Pos, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, Code: code, Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// WithHint returns d with a hint.
func (d Diagnostic) WithHint(format string, args ...any) Diagnostic {
	d.Hint = fmt.Sprintf(format, args...)
	return d
}

// WithValue returns d with the offending value.
func (d Diagnostic) WithValue(v string) Diagnostic {
	d.Value = v
	return d
}

// WithPath returns d with a configuration path.
func (d Diagnostic) WithPath(p string) Diagnostic {
	d.Path = p
	return d
}

// WithRelated returns d with another position that explains it.
func (d Diagnostic) WithRelated(pos doc.Pos, label string) Diagnostic {
	d.Related = append(slices.Clip(d.Related), Related{Pos: pos, Label: label})
	return d
}

// List is a set of diagnostics.
type List []Diagnostic

// Count returns the number of diagnostics of severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool { return l.Count(Error) > 0 }

// Sort orders diagnostics by file, line, column, then severity (errors
// first), code and message, so output is deterministic and reads top to
// bottom like the files.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			-cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Dedup removes diagnostics identical in position, code and message; checks
// that walk shared nodes may report the same problem twice.
func (l List) Dedup() List {
	seen := map[string]bool{}
	out := l[:0]
	for _, d := range l {
		k := fmt.Sprintf("%s\x00%s\x00%s\x00%s", d.Pos, d.Code, d.Path, d.Message)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
