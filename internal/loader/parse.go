package loader

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"strings"

	cuejson "cuelang.org/go/encoding/json"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

// parse parses every source file. JSON files are raw Organizations policy
// documents; each becomes `policies: "<file name>": <document>`, so CUE
// files can attach it (`policies: "<file name>": targets: [...]`) and the
// schema checks it like any other policy.
func (l *load) parse(srcs []source) ([]*ast.File, diag.List) {
	var files []*ast.File
	var diags diag.List
	var pkgFrom string
	for _, s := range srcs {
		if s.json {
			continue
		}
		if len(bytes.TrimSpace(s.data)) == 0 {
			diags = append(diags, diag.Errorf("package", doc.Pos{File: s.name, Line: 1, Col: 1}, "file is empty").
				WithHint("start it with `package %s` and add definitions, or delete it", cmp.Or(l.pkg, "orgbackup")))
			continue
		}
		if off, deep := cueTooDeep(s.name, s.data); deep {
			diags = append(diags, diag.Errorf("syntax", offsetPos(s.name, s.data, off), "the definitions nest more than %d levels deep", maxCUEDepth).
				WithHint("a backup policy nests about fifteen levels; look for a chain of labels (a: a: a: ...) or brackets that are opened and never closed"))
			continue
		}
		f, err := parser.ParseFile(s.name, s.data, parser.ParseComments)
		if err != nil {
			diags = append(diags, syntaxErrors(err, s)...)
			continue
		}
		pkg := f.PackageName()
		if pkg == "" {
			diags = append(diags, diag.Errorf("package", doc.Pos{File: s.name, Line: 1, Col: 1}, "missing package clause").
				WithHint("start the file with `package orgbackup`"))
			continue
		}
		if l.pkg == "" {
			l.pkg, pkgFrom = pkg, s.name
		} else if pkg != l.pkg {
			diags = append(diags, diag.Errorf("package", posOf(f.Pos()), "package %s differs from package %s in %s", pkg, l.pkg, pkgFrom).
				WithHint("all definition files form one CUE package; use `package %s`", l.pkg))
			continue
		}
		files = append(files, f)
	}
	if l.pkg == "" {
		l.pkg = "orgbackup"
	}
	for _, s := range srcs {
		if !s.json {
			continue
		}
		name := strings.TrimSuffix(path.Base(s.name), ".json")
		n, err := doc.Parse(s.name, s.data)
		if err != nil {
			d := diag.Errorf("syntax", doc.Pos{File: s.name, Line: 1, Col: 1}, "%s", err.Error())
			hint := jsonHint(d.Message)
			if se, ok := err.(*doc.SyntaxError); ok {
				d = diag.Errorf("syntax", se.Pos, "%s", se.Msg)
				if se.Hint != "" {
					// A mistake doc.Parse knows (nesting too deep, a
					// byte-order mark).
					hint = se.Hint
				}
			}
			diags = append(diags, d.WithHint("%s", hint))
			continue
		}
		if d, ok := jsonShape(n, s.name, name); !ok {
			diags = append(diags, d)
			continue
		}
		expr, err := cuejson.Extract(s.name, s.data)
		if err != nil {
			diags = append(diags, syntaxDiags(err, "syntax")...)
			continue
		}
		fixLabelPositions(expr, s.data)
		f := &ast.File{Filename: s.name, Decls: []ast.Decl{
			&ast.Package{Name: ast.NewIdent(l.pkg)},
			&ast.Field{Label: ast.NewIdent("policies"), Value: ast.NewStruct(ast.NewString(name), expr)},
		}}
		files = append(files, f)
	}
	return files, diags
}

// jsonHint says how to fix the JSON mistakes people make most.
func jsonHint(msg string) string {
	switch {
	case strings.Contains(msg, "duplicate key"):
		return "merge the two into one key: a JSON object cannot repeat a key, and AWS rejects the document"
	case strings.Contains(msg, "looking for beginning of object key") || strings.Contains(msg, "looking for beginning of value"):
		return "JSON has no trailing commas and needs double-quoted keys: remove the comma before the closing } or ], or quote the key"
	case strings.Contains(msg, "unexpected end"):
		return "the document ends early: close every { and [ it opens"
	}
	return "a .json file in the policy directory must be one Organizations backup policy document: {\"plans\": {...}}"
}

// jsonShape checks that a JSON file is a backup policy document: an
// object whose one key is "plans".
func jsonShape(n *doc.Node, file, name string) (diag.Diagnostic, bool) {
	attach := fmt.Sprintf("to attach the policy, add `policies: %q: targets: [...]` in a .cue file", name)
	if n.Kind != doc.Object {
		kind := map[doc.Kind]string{doc.Array: "a list", doc.String: "a string", doc.Number: "a number", doc.Bool: "true or false", doc.Null: "null"}[n.Kind]
		return diag.Errorf("json-policy", n.Pos, "a policy JSON file must hold a backup policy document, an object, not %s", kind).
			WithHint("write the document as {\"plans\": {...}}; %s", attach), false
	}
	for _, f := range n.Fields {
		if f.Key == "plans" {
			continue
		}
		hint := "a backup policy document has the single top-level key \"plans\""
		switch {
		case strings.EqualFold(f.Key, "plans"):
			hint = "rename it to \"plans\" (lower case): " + hint
		case suggest.Closest(f.Key, []string{"plans"}) != "":
			hint = "did you mean \"plans\"? " + hint
		default:
			hint = "move it out of " + file + ": " + hint + "; " + attach
		}
		pos := f.KeyPos
		if !pos.IsValid() {
			pos = n.Pos
		}
		return diag.Errorf("json-policy", pos, "unknown top-level key %q in a policy document", f.Key).WithHint("%s", hint), false
	}
	if len(n.Fields) == 0 {
		return diag.Errorf("json-policy", n.Pos, "the policy document is empty").
			WithHint("add the backup plans: {\"plans\": {\"daily\": {...}}}"), false
	}
	return diag.Diagnostic{}, true
}

// fixLabelPositions moves the position of each key of an extracted JSON
// document from its first character to its opening quote, where the
// positions of string values and of keys in CUE files are.
func fixLabelPositions(expr ast.Expr, data []byte) {
	ast.Walk(expr, func(n ast.Node) bool {
		f, ok := n.(*ast.Field)
		if !ok {
			return true
		}
		quoted := func(p token.Pos) bool {
			off := p.Offset()
			return p.IsValid() && off > 0 && off <= len(data) && data[off-1] == '"'
		}
		switch l := f.Label.(type) {
		case *ast.BasicLit:
			if quoted(l.ValuePos) {
				l.ValuePos = l.ValuePos.Add(-1)
			}
		case *ast.Ident:
			if quoted(l.NamePos) {
				l.NamePos = l.NamePos.Add(-1)
			}
		}
		return true
	}, nil)
}
