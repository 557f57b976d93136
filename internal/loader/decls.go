package loader

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// decls records where the user's files first declare each configuration
// path: the label of a field, or the start of a list element. A struct that
// several declarations build (policies: p: {...} in one place, policies: p:
// plans: ... in another) has no single position in the evaluated value; CUE
// picks one of them. Diagnostics about the struct as a whole (a missing
// key, a count over its entries) point at its first declaration instead,
// in file order, which is where a reader expects it.
type decls map[string][]token.Pos

func declKey(path []string) string { return strings.Join(path, "\x00") }

func indexDecls(files []*ast.File) decls {
	d := decls{}
	for _, f := range files {
		d.walkDecls(nil, f.Decls)
	}
	return d
}

// record keeps every declaration of path, first the first one.
func (d decls) record(path []string, p token.Pos) {
	if p.IsValid() {
		k := declKey(path)
		d[k] = append(d[k], p)
	}
}

// files returns the first declaration of path in each file that declares
// it, in file order.
func (d decls) files(path []string) []token.Pos {
	var out []token.Pos
	seen := map[string]bool{}
	for _, p := range d[declKey(path)] {
		if !seen[p.Filename()] {
			seen[p.Filename()] = true
			out = append(out, p)
		}
	}
	return out
}

func (d decls) walkDecls(prefix []string, list []ast.Decl) {
	for _, x := range list {
		switch x := x.(type) {
		case *ast.Field:
			name, ok := labelName(x.Label)
			if !ok || strings.HasPrefix(name, "#") && isIdent(x.Label) {
				continue
			}
			p := append(prefix[:len(prefix):len(prefix)], name)
			d.record(p, x.Label.Pos())
			d.walkExpr(p, x.Value)
		case *ast.EmbedDecl:
			d.walkExpr(prefix, x.Expr)
		}
	}
}

func (d decls) walkExpr(prefix []string, x ast.Expr) {
	switch x := x.(type) {
	case *ast.StructLit:
		d.walkDecls(prefix, x.Elts)
	case *ast.ListLit:
		for i, e := range x.Elts {
			p := append(prefix[:len(prefix):len(prefix)], strconv.Itoa(i))
			d.record(p, e.Pos())
			d.walkExpr(p, e)
		}
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			d.walkExpr(prefix, x.X)
			d.walkExpr(prefix, x.Y)
		}
	case *ast.ParenExpr:
		d.walkExpr(prefix, x.X)
	}
}

// pos returns the first declaration of path.
func (d decls) pos(path []string) (doc.Pos, bool) {
	ps := d[declKey(path)]
	if len(ps) == 0 {
		return doc.Pos{}, false
	}
	return posOf(ps[0]), true
}

func isIdent(l ast.Label) bool {
	_, ok := l.(*ast.Ident)
	return ok
}

// unquoteLabel returns the string a quoted CUE label names.
func unquoteLabel(s string) (string, error) {
	return literal.Unquote(s)
}
