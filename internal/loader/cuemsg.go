package loader

import (
	"fmt"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// What CUE's error messages say. CUE reports an error as a format and its
// arguments ("conflicting values %s and %s", "1", "2"); the loader words
// its own messages from what kind of error each is. Everything that
// depends on CUE's wording is in classify, so a CUE upgrade that rewords a
// message breaks that one function, and TestClassify, which has CUE
// produce each message, says which.

// msgKind is what a CUE error says, in the loader's terms.
type msgKind int

const (
	otherMsg          msgKind = iota
	disjunctionHeader         // "2 errors in empty disjunction:": its branches follow as errors of their own
	typeMismatch              // conflicting values "x" and int (mismatched types string and int)
	conflict                  // conflicting values 1 and 2
	outOfBound                // invalid value 30 (out of bound >=60)
	unsatisfied               // invalid value [...] (does not satisfy list.UniqueItems)
	invalidValue              // another "invalid value ..."
	listLength                // incompatible list lengths (1 and 2)
	notAllowed                // field not allowed
	required                  // field is required but not present
	incomplete                // incomplete value string
	cycle                     // cycle with field: a.b; structural cycle
	undefinedRef              // reference "Root" not found
	explicitError             // explicit error (_|_ literal) in source

	// The parser's and the scanner's.
	syntaxEOF          // expected '}', found 'EOF'
	syntaxUnterminated // string literal not terminated
	syntaxComma        // missing ',' in struct literal
	syntaxTooDeep      // expression exceeds maximum nesting depth of 10000
	syntaxIllegal      // illegal character U+0040 '@'
	syntaxExpected     // expected operand, found ':'
)

// cueMsg is a classified CUE message and what the loader reads from it.
type cueMsg struct {
	kind msgKind
	// a and b are the values of a conflict or a type mismatch, as CUE
	// prints them.
	a, b string
	// got and want are the kinds of a type mismatch, as CUE names them
	// (int, string, list, struct, ...): the value's and the schema's.
	got, want string
	// validator is the function an unsatisfied value fails, e.g.
	// "list.UniqueItems" or "strings.MaxRunes(512)".
	validator string
	// name is the name of an undefined reference.
	name string
}

// classify says what a CUE error message is. It reads the format, which
// holds CUE's words and none of the user's, and falls back to the text
// for a message CUE wrapped in another.
func classify(format string, args []any) cueMsg {
	arg := func(i int) string {
		if i < len(args) {
			return fmt.Sprint(args[i])
		}
		return ""
	}
	text := fmt.Sprintf(format, args...)
	m := cueMsg{kind: kindOf(format)}
	if m.kind == otherMsg {
		m.kind = kindOf(text)
		args = nil // the arguments belong to the wrapper
	}
	switch m.kind {
	case typeMismatch:
		if len(args) == 4 {
			m.a, m.b, m.got, m.want = arg(0), arg(1), arg(2), arg(3)
		} else if i := strings.LastIndex(text, "(mismatched types "); i >= 0 {
			got, want, _ := strings.Cut(strings.TrimSuffix(text[i+len("(mismatched types "):], ")"), " and ")
			m.got, m.want = got, want
		}
	case conflict:
		if len(args) == 2 {
			m.a, m.b = arg(0), arg(1)
		}
	case unsatisfied:
		if len(args) == 2 {
			m.a, m.validator = arg(0), arg(1)
		} else if i := strings.LastIndex(text, "(does not satisfy "); i >= 0 {
			m.validator = strings.TrimSuffix(text[i+len("(does not satisfy "):], ")")
		}
	case undefinedRef:
		m.name = arg(0)
	case syntaxEOF, syntaxExpected:
		// "expected %s, found '%s'": the token found is the second
		// argument; at the end of the file it is EOF.
		if len(args) >= 2 && arg(1) == "EOF" || strings.Contains(text, "found 'EOF'") || strings.Contains(text, "found EOF") {
			m.kind = syntaxEOF
		} else {
			m.kind = syntaxExpected
		}
	}
	return m
}

// kindOf matches CUE's words in a format, or in a message's text.
func kindOf(s string) msgKind {
	for _, w := range cueWords {
		if strings.HasPrefix(s, w.prefix) && strings.Contains(s, w.words) {
			return w.kind
		}
	}
	return otherMsg
}

// cueWords are the words of each kind of message: it starts with prefix
// and holds words. They are tried in order, as a message of one kind can
// hold the words of another.
var cueWords = []struct {
	kind          msgKind
	prefix, words string
}{
	{disjunctionHeader, "", "errors in empty disjunction"},
	{typeMismatch, "conflicting values", "(mismatched types"},
	{conflict, "conflicting values", ""},
	{outOfBound, "", "(out of bound"},
	{unsatisfied, "", "(does not satisfy"},
	{invalidValue, "", "invalid value"},
	{listLength, "", "incompatible list lengths"},
	{notAllowed, "", "field not allowed"},
	{required, "", "required but not present"},
	{incomplete, "", "incomplete value"},
	{explicitError, "", "explicit error"},
	// "cycle with field: a.b", "structural cycle", "cycle across
	// unresolved disjunction ...", "cycle error".
	{cycle, "", "cycle"},
	{undefinedRef, "reference", "not found"},
	{syntaxTooDeep, "", "maximum nesting depth"},
	{syntaxUnterminated, "", "not terminated"},
	{syntaxComma, "", "missing ','"},
	{syntaxIllegal, "illegal", ""},
	{syntaxExpected, "expected ", ""},
}

// cueErr is one flattened CUE error.
type cueErr struct {
	path   []string // as CUE prints it: labels that are not identifiers are quoted
	msg    string
	m      cueMsg
	pos    token.Pos
	inputs []token.Pos
}

func newCueErr(e cueerrors.Error) cueErr {
	format, args := e.Msg()
	return cueErr{path: e.Path(), msg: fmt.Sprintf(format, args...), m: classify(format, args), pos: e.Position(), inputs: e.InputPositions()}
}

func (e cueErr) key() string { return strings.Join(e.path, "\x00") }
func (e cueErr) hidden() bool {
	return len(e.path) > 0 && strings.HasPrefix(e.path[len(e.path)-1], "_")
}

// checkFailed reports whether a hidden check itself evaluated to false, as
// opposed to failing because something it reads is broken.
func (e cueErr) checkFailed() bool {
	return e.hidden() && e.m.kind == conflict && (e.m.a == "false" && e.m.b == "true" || e.m.a == "true" && e.m.b == "false")
}

// internal reports whether the error lies inside a hidden field of the
// schema, which no author writes. User labels that start with _ are quoted
// in CUE's paths.
func (e cueErr) internal() bool {
	return slices.ContainsFunc(e.path, func(s string) bool { return strings.HasPrefix(s, "_") })
}

// positions lists the error's position and its inputs.
func (e cueErr) positions() []token.Pos { return append([]token.Pos{e.pos}, e.inputs...) }

// flatten flattens CUE's errors, leaving out the headers of failed
// disjunctions (their branches are errors of their own) and repeats of
// one message at one path, after norm (if not nil) has adjusted each.
func flatten(errs []cueerrors.Error, norm func(*cueErr)) []cueErr {
	var out []cueErr
	seen := map[string]bool{}
	for _, e := range errs {
		ce := newCueErr(e)
		if ce.m.kind == disjunctionHeader {
			continue
		}
		if norm != nil {
			norm(&ce)
		}
		k := ce.key() + "\x00" + ce.msg
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, ce)
	}
	return out
}
