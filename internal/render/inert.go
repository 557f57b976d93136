package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that people and tools did not write in orgbackup — names of
// policies, OUs, accounts and files, tag values, descriptions — is
// untrusted: anyone who can name something in AWS or open a pull request
// controls it. On a terminal an escape sequence in it would recolour, move
// the cursor or retitle the window; in a CI log a line that starts with
// "::" is a workflow command (an annotation, ::add-mask::,
// ::stop-commands:: that silences every later annotation), and one that
// starts with "##[" is log markup. Every text view passes such text
// through Inert, and its finished output through guardLines, so the only
// commands and escapes that reach a terminal or a log are orgbackup's own.

// Inert returns s as one line of plain, visible text: line breaks become
// "⏎" so untrusted text cannot start a line of its own, and every other
// control character (C0, DEL, C1, the Unicode line and paragraph
// separators, and the bidirectional overrides and isolates that can make
// text read differently from what it is) is written as a Go escape such as
// \x1b or \u202e.
func Inert(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case s[i:i+size] == "\r" && strings.HasPrefix(s[i+size:], "\n"):
			b.WriteString("⏎")
			size++
		case r == '\n' || r == '\r':
			b.WriteString("⏎")
		case isControl(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// InertText is Inert for text of several lines that orgbackup composed
// around untrusted parts, such as an error with its hint: line breaks are
// kept, everything else is made inert, and no line can start a workflow
// command.
func InertText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Inert(l)
	}
	return guardLines(strings.Join(lines, "\n"))
}

// isPlain reports whether s holds nothing Inert would change, so the common
// case costs no allocation.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || isControl(r) {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// isControl reports whether r changes how a terminal or a reader sees the
// text around it rather than showing a character.
func isControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == '\u2028', r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069': // bidi embeddings, overrides, isolates
		return true
	case r == '\u200e', r == '\u200f', r == '\u061c': // bidi marks
		return true
	}
	return false
}

// guardLines escapes any line of finished text output that a CI runner
// would read as a command: after leading blanks, "::" starts a GitHub
// workflow command and "##[" Azure Pipelines' logging commands. orgbackup's
// own text output never starts a line that way, so such a line carries
// untrusted text (a file name in a position, say); a backslash in front
// keeps it visible and makes it inert.
func guardLines(s string) string {
	if !strings.Contains(s, "::") && !strings.Contains(s, "##[") {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		// Runners trim leading white space (.NET's TrimStart: any
		// Unicode space) before looking for a command.
		t := strings.TrimLeftFunc(l, unicode.IsSpace)
		if strings.HasPrefix(t, "::") || strings.HasPrefix(t, "##[") {
			lines[i] = l[:len(l)-len(t)] + `\` + t
		}
	}
	return strings.Join(lines, "")
}
