package render

// OneLine makes untrusted text (names of OUs, accounts and policies, AWS
// error messages) inert on one line of text output, as the text views do:
// line breaks become ⏎, other control characters and bidirectional
// overrides \uXXXX. For commands that print a line or two outside a view.
func OneLine(s string) string { return oneLine(s) }
