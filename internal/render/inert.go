package render

import (
	"strings"
	"unicode"
)

// Inert makes untrusted text (names of OUs, accounts, policies, tag values,
// AWS error messages) safe to print on one line of a terminal: control
// characters, which include the escape that starts ANSI sequences and line
// breaks, and invisible formatting characters such as right-to-left
// overrides, become U+FFFD.
func Inert(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

func unsafeRune(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
