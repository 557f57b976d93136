package cron

import (
	"strings"
	"unicode/utf8"
)

// Error says which part of a schedule expression is wrong, where, and what is
// allowed instead. Parse and (*Schedule).CheckMinInterval return errors of
// this type.
type Error struct {
	// Offset is the 0-based rune offset into the expression of the offending
	// part, so a caller can point a column at it.
	Offset int
	// Field is "minutes", "hours", "day-of-month", "month", "day-of-week",
	// "year", "rate", or "" when the expression as a whole is wrong.
	Field string
	// Msg is a lower-case, specific description, prefixed with the field name
	// when there is one, e.g. `hours: 24 is out of range 0-23`.
	Msg string
	// Hint says how to fix the problem, with a corrected expression where one
	// can be derived, e.g. `use "cron(0 5 ? * * *)"`.
	Hint string
}

// Error returns Msg followed by Hint, so that a plain err.Error() still tells
// the reader how to fix the expression.
func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "; " + e.Hint
}

// parseError is the parser's working form of an Error. Offsets are bytes while
// parsing (slicing is by byte) and become runes only once, in Parse.
type parseError struct {
	off   int
	field string
	msg   string
	hint  string
	// fix, when set, replaces the offending cron field's text; suggest, when
	// set, is a whole corrected expression. Either is offered to the user
	// only after it has been parsed successfully, so a hint never recommends
	// something that is itself invalid.
	fix     string
	suggest string
}

func errorf(off int, field, msg, hint string) *parseError {
	return &parseError{off: off, field: field, msg: msg, hint: hint}
}

// toError finishes a parseError for the caller: the byte offset becomes a rune
// offset into expr, and a verified suggestion is appended to the hint.
func (p *parseError) toError(expr string) *Error {
	off := min(max(p.off, 0), len(expr))
	e := &Error{
		Offset: utf8.RuneCountInString(expr[:off]),
		Field:  p.field,
		Msg:    p.msg,
		Hint:   p.hint,
	}
	if p.suggest != "" {
		if valid(p.suggest) {
			use := `use "` + p.suggest + `"`
			if e.Hint == "" {
				e.Hint = use
			} else {
				e.Hint = strings.TrimSuffix(e.Hint, ".") + "; " + use
			}
		}
	}
	return e
}
