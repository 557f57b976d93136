package loader

import (
	"strings"

	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"
)

// maxCUEDepth bounds how deeply a CUE file may nest, before it is parsed.
// CUE's parser bounds the nesting of expressions (10,000), but not a chain
// of labels: `a: a: a: ... 1` 300,000 labels long, under a megabyte,
// overflowed the stack resolving its scopes, which kills the process with
// Go's fatal error however it is recovered. A backup policy nests about
// fifteen levels; doc.MaxDepth bounds JSON documents alike.
const maxCUEDepth = 1000

// cueTooDeep finds where src first nests deeper than maxCUEDepth: open
// brackets, braces and parentheses, plus the labels of a chain (`a: b: c:`
// is three deep), each counted from CUE's own scanner so that strings and
// comments count for nothing. The count is an upper bound of the real
// nesting (`a: {b: 1}` counts three), which is harmless this far above
// what a policy needs. Errors of syntax are left to the parser.
func cueTooDeep(name string, src []byte) (offset int, deep bool) {
	var s scanner.Scanner
	s.Init(token.NewFile(name, -1, len(src)), src, nil, 0)
	type level struct {
		labels int  // of the chain being written at this level
		interp bool // the parentheses of a string interpolation
	}
	stack := []level{{}}
	depth := 0 // open levels plus the labels of every level's chain
	interpNext := false
	for {
		pos, tok, lit := s.Scan()
		switch tok {
		case token.EOF:
			return 0, false
		case token.INTERPOLATION:
			interpNext = strings.HasSuffix(lit, "(")
			continue
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, level{interp: tok == token.LPAREN && interpNext})
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) == 1 {
				break // unbalanced: the parser says so
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			depth -= 1 + top.labels
			if top.interp && tok == token.RPAREN {
				// The scanner resumes the string; the next piece may
				// open another interpolation.
				interpNext = strings.HasSuffix(s.ResumeInterpolation(), "(")
				continue
			}
		case token.COLON:
			stack[len(stack)-1].labels++
			depth++
		case token.COMMA:
			// The end of a field (a newline is a comma to the scanner).
			depth -= stack[len(stack)-1].labels
			stack[len(stack)-1].labels = 0
		}
		interpNext = false
		if depth > maxCUEDepth {
			return pos.Offset(), true
		}
	}
}
