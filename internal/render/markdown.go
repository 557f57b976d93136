package render

import (
	"fmt"
	"strings"
)

// Names of accounts, OUs and policies, tag values and file paths are
// untrusted: anyone who can name something in AWS or open a pull request
// controls them. In Markdown they could forge links, images, mentions or
// headings, or break out of a table or a code block. These helpers keep
// such text inert (gitops-safety.md §4.3).

// Code renders s as an inline code span whose fence is longer than any run
// of backticks inside it, so s cannot close it early.
func Code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	s = visibleControls(s)
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestBacktickRun(s)+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// Fence returns a code-block fence longer than any backtick run in s.
func Fence(s string) string {
	return strings.Repeat("`", max(3, longestBacktickRun(s)+1))
}

func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// EscapeMarkdown makes s plain text in Markdown: metacharacters are
// backslash-escaped, HTML is escaped, and @mentions are broken with a
// zero-width joiner so they notify nobody.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '~', '>':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("@\u200d")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			if isControl(r) {
				fmt.Fprintf(&b, "\\\\u%04x", r)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cell keeps text on one table row.
func cell(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// CellCode is Code for a table cell: GitHub splits cells at '|' even inside
// code spans unless it is escaped, and drops the backslash when rendering.
func CellCode(s string) string {
	return strings.ReplaceAll(Code(s), "|", `\|`)
}
