// Package cuesyntax writes doc.Node trees as CUE syntax: for import, which
// turns AWS policy JSON into definitions people edit, and for the loader,
// which re-evaluates a repaired copy of a definition to find the errors
// CUE masked.
package cuesyntax

import (
	"regexp"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Expr returns n as a CUE expression. Object keys that are plain
// identifiers are written bare, others quoted. If replace is not nil and
// returns an expression for a node, that expression stands for it.
func Expr(n *doc.Node, replace func(*doc.Node) ast.Expr) ast.Expr {
	if replace != nil {
		if x := replace(n); x != nil {
			return x
		}
	}
	switch n.Kind {
	case doc.Object:
		s := &ast.StructLit{Lbrace: token.NoSpace.Pos(), Rbrace: token.Newline.Pos()}
		for _, f := range n.Fields {
			s.Elts = append(s.Elts, &ast.Field{Label: Label(f.Key), Value: Expr(f.Value, replace)})
		}
		return s
	case doc.Array:
		l := &ast.ListLit{}
		for _, it := range n.Items {
			l.Elts = append(l.Elts, Expr(it, replace))
		}
		return l
	case doc.String:
		return ast.NewString(n.Text)
	case doc.Number:
		kind := token.INT
		if strings.ContainsAny(n.Text, ".eE") {
			kind = token.FLOAT
		}
		return &ast.BasicLit{Kind: kind, Value: n.Text}
	case doc.Bool:
		return ast.NewBool(n.Text == "true")
	}
	return ast.NewNull()
}

var identRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)

// keywords are quoted although CUE accepts most of them as labels: a
// reader should not have to know that.
var keywords = map[string]bool{"package": true, "import": true, "for": true, "in": true, "if": true, "let": true,
	"true": true, "false": true, "null": true, "div": true, "mod": true, "quo": true, "rem": true, "func": true}

// Label writes a key bare when it is a plain identifier and quoted
// otherwise: unquoted, CUE would read "#x" as a definition, "_x" as a
// hidden field, and "a-b" as an expression.
func Label(k string) ast.Label {
	if identRe.MatchString(k) && !keywords[k] {
		return ast.NewIdent(k)
	}
	return ast.NewString(k)
}
