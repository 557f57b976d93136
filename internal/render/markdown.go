package render

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Names of accounts, OUs and policies, tag values, descriptions and file
// paths are untrusted: anyone who can name something in AWS or open a pull
// request controls them. In Markdown they could forge links, images,
// mentions, headings or HTML, or break out of a table, a code block or a
// <details> section. These helpers keep such text inert
// (gitops-safety.md §4.3); FuzzInert checks them against a CommonMark/GFM
// parser.
//
// Which helper, where:
//   - Code: inline code span, the first choice for names (GitHub links
//     nothing inside code).
//   - CodeBlock: a fenced block (diffs, JSON documents).
//   - EscapeMarkdown: prose in Markdown (messages, descriptions).
//   - EscapeHTML, HTMLCode: text inside raw HTML such as <summary>, where
//     Markdown escapes are not processed; also inert in Markdown.
//   - CellCode: a code span inside a table cell.

// Zero-width characters that split what GitHub would otherwise turn into a
// live reference, without changing what a reader sees. Mentions and issue
// references are linked by GitHub after Markdown rendering, on the text
// itself, so escaping the Markdown is not enough for them.
const (
	zwj  = "\u200d" // after '@' and '#': no @mention, e-mail autolink or #123 reference
	zwsp = "\u200b" // inside "://" and "www.": no bare-URL autolink
)

// Code renders s as an inline code span whose fence is longer than any run
// of backticks inside it, so s cannot close it early.
func Code(s string) string {
	s = oneLineText(s)
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestBacktickRun(s)+1)
	// CommonMark strips one space from each end of a code span that starts
	// and ends with one (unless it is all spaces): pad so that what is
	// stripped is the padding, and so a leading or trailing backtick does
	// not merge with the fence.
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// CodeBlock renders content as a fenced code block whose fence is longer
// than any backtick run in it, so no line of content can close it. info is
// the language tag (diff, json); anything but letters, digits, '-' and '+'
// is dropped from it.
func CodeBlock(info, content string) string {
	content = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(content)
	content = mapControls(content, "\n\t")
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	info = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '+' {
			return r
		}
		return -1
	}, info)
	fence := Fence(content)
	return fence + info + "\n" + content + fence + "\n"
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

// markdownPunct are the ASCII punctuation characters that can start or end
// Markdown syntax (emphasis, links, images, headings, lists, block quotes,
// tables, strikethrough, math, autolinks). CommonMark renders any ASCII
// punctuation escaped with a backslash as itself.
const markdownPunct = "\\`*_{}[]()#+-.!|~>$:"

// EscapeMarkdown makes s plain text in Markdown: metacharacters are
// backslash-escaped, HTML is escaped, line breaks become spaces, and
// mentions, references and bare URLs are broken with zero-width characters
// so they notify and link nobody.
func EscapeMarkdown(s string) string {
	return escapeText(s, func(b *strings.Builder, r rune) {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '&':
			b.WriteString("&amp;")
		case r < utf8.RuneSelf && strings.ContainsRune(markdownPunct, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	})
}

// EscapeHTML makes s plain text inside raw HTML, such as a <summary>, where
// Markdown escapes are not processed and would show. Every ASCII
// punctuation character becomes a numeric character reference, which is
// literal text both in HTML and in Markdown, so the result is inert in
// either context; mentions, references and bare URLs are broken as in
// EscapeMarkdown.
func EscapeHTML(s string) string {
	return escapeText(s, func(b *strings.Builder, r rune) {
		if r < utf8.RuneSelf && r > ' ' && !isAlnum(byte(r)) {
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		} else {
			b.WriteRune(r)
		}
	})
}

// HTMLCode renders s as <code> inside raw HTML (a <summary>).
func HTMLCode(s string) string { return "<code>" + EscapeHTML(s) + "</code>" }

// escapeText writes s on one line, each rune through write, with the
// zero-width breaks GitHub's linkers need. A leading space is written as a
// character reference: four of them would start an indented code block.
func escapeText(s string, write func(*strings.Builder, rune)) string {
	s = oneLineText(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case i == 0 && r == ' ':
			b.WriteString("&#32;")
			continue
		case r == '.' && len(s[:i]) >= 3 && strings.EqualFold(s[i-3:i], "www"):
			b.WriteString(zwsp)
		}
		write(&b, r)
		rest := s[i+utf8.RuneLen(r):]
		switch {
		case r == '@', r == '#' && rest != "" && rest[0] >= '0' && rest[0] <= '9':
			b.WriteString(zwj)
		case r == ':' && strings.HasPrefix(rest, "//"):
			b.WriteString(zwsp)
		}
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// oneLineText turns line breaks and tabs into spaces and control
// characters into U+FFFD: a name must not start a new Markdown block, and
// terminal escapes or direction overrides must not reach a reader.
func oneLineText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
	return mapControls(s, "")
}

// mapControls replaces C0 and C1 control characters (except those in keep),
// invalid UTF-8, and the Unicode bidirectional overrides, which can make a
// name read as something else, with U+FFFD.
func mapControls(s, keep string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(keep, r):
			return r
		case isControl(r):
			return utf8.RuneError
		}
		return r
	}, s)
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
