// Package render turns orgbackup's results into the views people and tools
// read: text for terminals (coloured only on a TTY), versioned JSON for
// scripts, GitHub workflow commands that put annotations on a pull request,
// and Markdown for job summaries and PR comments. Renderers only format;
// they never compute.
package render

import (
	"fmt"
	"slices"
	"strings"
)

// Format is an output format.
type Format string

// The output formats.
const (
	Text     Format = "text"
	JSON     Format = "json"
	GitHub   Format = "github"
	Markdown Format = "markdown"
)

// FormatVersion versions every JSON document orgbackup prints. Increment it
// for any change a consumer would have to adapt to; adding fields is not one.
const FormatVersion = "1"

// Formats lists the formats for --help.
func Formats(fs ...Format) string {
	var s []string
	for _, f := range fs {
		s = append(s, string(f))
	}
	return strings.Join(s, "|")
}

// ParseFormat checks a --output value against the formats a command offers.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	if slices.Contains(allowed, Format(s)) {
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown output format %q (want %s)", s, Formats(allowed...))
}

// Style colours text on a terminal and leaves it plain elsewhere.
type Style struct{ Color bool }

func (s Style) wrap(code, text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Bold, Red, Yellow, Green, Cyan and Dim style text.
func (s Style) Bold(t string) string   { return s.wrap("1", t) }
func (s Style) Red(t string) string    { return s.wrap("31", t) }
func (s Style) Yellow(t string) string { return s.wrap("33", t) }
func (s Style) Green(t string) string  { return s.wrap("32", t) }
func (s Style) Cyan(t string) string   { return s.wrap("36", t) }
func (s Style) Dim(t string) string    { return s.wrap("2", t) }

// plural formats a count with a noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// thousands formats n with comma separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
