package loader

import (
	"bytes"
	"fmt"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// syntax is one error of CUE's parser, or of adding a file to the
// package, with what it says.
type syntax struct {
	d diag.Diagnostic
	m cueMsg
}

// fromCUE converts CUE errors without schema knowledge (syntax errors).
func fromCUE(err error, code string) []syntax {
	var out []syntax
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		m := classify(format, args)
		out = append(out, syntax{diag.Errorf(code, posOf(e.Position()), "%s", fmt.Sprintf(format, args...)).WithHint("%s", syntaxHint(m.kind)), m})
	}
	if len(out) == 0 {
		out = append(out, syntax{d: diag.Errorf(code, doc.Pos{}, "%v", err).WithHint("%s", syntaxHint(otherMsg))})
	}
	return out
}

// syntaxDiags returns the diagnostics of fromCUE.
func syntaxDiags(err error, code string) diag.List {
	var out diag.List
	for _, s := range fromCUE(err, code) {
		out = append(out, s.d)
	}
	return out
}

// syntaxErrors reports the parser's errors. When the file ends inside a
// bracket, the parser can only say where the file ended; the bracket that
// was never closed is what to look at.
func syntaxErrors(err error, s source) diag.List {
	var out diag.List
	for i, e := range fromCUE(err, "syntax") {
		d := e.d
		if e.m.kind != syntaxEOF {
			out = append(out, d)
			continue
		}
		off, ok := unclosedBracket(s.data)
		switch {
		case ok:
			out = append(out, diag.Errorf("syntax", offsetPos(s.name, s.data, off), "'%c' is not closed before the end of the file", s.data[off]).
				WithHint("add the closing '%c' where the block ends", closing[s.data[off]]).
				WithRelated(d.Pos, "end of file"))
		case i == 0:
			out = append(out, d)
		}
		// Otherwise every bracket is closed: an earlier error (a stray
		// token) threw the parser off, and fixing it fixes this one.
	}
	return out
}

var closing = map[byte]byte{'{': '}', '[': ']', '(': ')'}

// unclosedBracket returns the offset of the innermost bracket that is
// still open at the end of a CUE source, skipping comments and strings.
func unclosedBracket(data []byte) (int, bool) {
	var stack []int
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '/':
			if i+1 < len(data) && data[i+1] == '/' {
				for i < len(data) && data[i] != '\n' {
					i++
				}
			}
		case '"', '\'':
			quote := []byte{c}
			if i+2 < len(data) && data[i+1] == c && data[i+2] == c {
				quote = []byte{c, c, c}
			}
			i += len(quote)
			for i < len(data) && !bytes.HasPrefix(data[i:], quote) {
				if data[i] == '\\' {
					i++
				} else if data[i] == '\n' && len(quote) == 1 {
					break
				}
				i++
			}
			i += len(quote) - 1
		case '{', '[', '(':
			stack = append(stack, i)
		case '}', ']', ')':
			if len(stack) > 0 && closing[data[stack[len(stack)-1]]] == c {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return 0, false
	}
	return stack[len(stack)-1], true
}

// syntaxHint says how to fix the parser errors people run into most.
func syntaxHint(k msgKind) string {
	switch k {
	case syntaxEOF:
		return "the file ends inside an unclosed {, [ or (: add the closing bracket where the block ends"
	case syntaxUnterminated:
		return `close the string with a double quote on the same line; for text over several lines use """ ... """`
	case syntaxComma:
		return "separate fields and list elements with a comma or a new line; look for a stray token or a bracket that closes too early here"
	case syntaxTooDeep:
		return "brackets nest far deeper than any policy needs; look for brackets that are opened and never closed"
	case syntaxIllegal:
		return "remove the character; keys and values are identifiers, numbers or double-quoted strings"
	case syntaxExpected:
		return "fix the syntax at this position: CUE expected something else here; `cue fmt` on the file reports the same error"
	}
	return "fix the syntax at this position; `cue fmt` on the file reports the same error"
}
