package loader

import (
	"fmt"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
)

// TestClassify has CUE (v0.17.1, the version go.mod pins) produce each
// message the loader tells apart, and checks what classify makes of it.
// When a CUE upgrade rewords a message, the case that produced it fails
// here, naming the new words, and classify is the one function to adapt.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		src   string
		parse bool   // the message is the parser's
		msg   string // as CUE v0.17.1 words it
		want  cueMsg
	}{
		{src: `a: (1 | 2) & 3`, msg: "2 errors in empty disjunction:", want: cueMsg{kind: disjunctionHeader}},
		{src: `a: (1 | 2) & 3`, msg: "conflicting values 1 and 3", want: cueMsg{kind: conflict, a: "1", b: "3"}},
		{src: `a: true & false`, msg: "conflicting values false and true", want: cueMsg{kind: conflict, a: "false", b: "true"}},
		{src: `a: int & "x"`, msg: `conflicting values int and "x" (mismatched types int and string)`,
			want: cueMsg{kind: typeMismatch, a: "int", b: `"x"`, got: "int", want: "string"}},
		{src: `a: [...int] & "x"`, msg: `conflicting values [...int] and "x" (mismatched types list and string)`,
			want: cueMsg{kind: typeMismatch, a: "[...int]", b: `"x"`, got: "list", want: "string"}},
		{src: `a: >=60 & 30`, msg: "invalid value 30 (out of bound >=60)", want: cueMsg{kind: outOfBound}},
		{src: "import \"list\"\na: [1, 1] & list.UniqueItems()", msg: "invalid value [1,1] (does not satisfy list.UniqueItems)",
			want: cueMsg{kind: unsatisfied, a: "[1,1]", validator: "list.UniqueItems"}},
		{src: "import \"strings\"\na: \"abc\" & strings.MaxRunes(2)", msg: `invalid value "abc" (does not satisfy strings.MaxRunes(2))`,
			want: cueMsg{kind: unsatisfied, a: `"abc"`, validator: "strings.MaxRunes(2)"}},
		{src: `a: [1] & [1, 2]`, msg: "incompatible list lengths (1 and 2)", want: cueMsg{kind: listLength}},
		{src: "#A: {b: int}\na: #A & {c: 1}", msg: "field not allowed", want: cueMsg{kind: notAllowed}},
		{src: `a!: int`, msg: "field is required but not present", want: cueMsg{kind: required}},
		{src: `a: string`, msg: "incomplete value string", want: cueMsg{kind: incomplete}},
		{src: `a: 1 | 2`, msg: "incomplete value 1 | 2", want: cueMsg{kind: incomplete}},
		{src: `a: a + 1`, msg: "cycle with field: a", want: cueMsg{kind: cycle}},
		{src: `a: b: a`, msg: "structural cycle", want: cueMsg{kind: cycle}},
		{src: `a: Root`, msg: `reference "Root" not found`, want: cueMsg{kind: undefinedRef, name: "Root"}},
		{src: `a: _|_`, msg: "explicit error (_|_ literal) in source", want: cueMsg{kind: explicitError}},
		// Messages the loader passes on in CUE's words.
		{src: `a: !"x"`, msg: `invalid operation !"x" (! string)`, want: cueMsg{kind: otherMsg}},
		{src: `a: "\(b)", b: {}`, msg: "invalid interpolation", want: cueMsg{kind: otherMsg}},
		{src: `a: [1][3]`, msg: "index out of range [3] with length 1", want: cueMsg{kind: otherMsg}},

		{parse: true, src: "a: {", msg: "expected '}', found 'EOF'", want: cueMsg{kind: syntaxEOF}},
		{parse: true, src: "a: :", msg: "expected operand, found ':'", want: cueMsg{kind: syntaxExpected}},
		{parse: true, src: `a: "x`, msg: "string literal not terminated", want: cueMsg{kind: syntaxUnterminated}},
		{parse: true, src: "a: 1 2", msg: "missing ',' in struct literal", want: cueMsg{kind: syntaxComma}},
		{parse: true, src: "a: [1 b: 1", msg: "missing ',' in list literal", want: cueMsg{kind: syntaxComma}},
		{parse: true, src: "a: \x00", msg: "illegal character NUL", want: cueMsg{kind: syntaxIllegal}},
		{parse: true, src: "a: " + strings.Repeat("[", 10001), msg: "expression exceeds maximum nesting depth of 10000", want: cueMsg{kind: syntaxTooDeep}},
	} {
		var err error
		if c.parse {
			_, err = parser.ParseFile("x.cue", c.src)
		} else {
			v := cuecontext.New().CompileString(c.src)
			if err = v.Err(); err == nil {
				err = v.Validate(cue.Concrete(true))
			}
		}
		var said []string
		found := false
		for _, e := range cueerrors.Errors(err) {
			format, args := e.Msg()
			msg := fmt.Sprintf(format, args...)
			said = append(said, msg)
			if msg != c.msg {
				continue
			}
			found = true
			if got := classify(format, args); got != c.want {
				t.Errorf("%q: classify(%q) = %+v, want %+v", c.src, msg, got, c.want)
			}
		}
		if !found {
			t.Errorf("%q: CUE no longer says %q; it says %q", c.src, c.msg, said)
		}
	}
}
