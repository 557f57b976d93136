// Package loader reads a policies/ directory, checks it against the CUE
// schema and decodes it into a policy.Repo. It is the only package that
// touches CUE values: everything after it works on plain Go values and
// doc.Node trees that remember their source positions.
package loader

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/schema"
)

// SchemaDir is how schema positions are printed: the schema ships inside the
// binary, and in this repository it lives in schema/.
const SchemaDir = "schema"

// Load reads, validates and decodes the policy definitions in dir. The Repo
// is nil when the definitions have errors that prevent decoding; the
// diagnostics then say why. Load never panics on any input.
func Load(dir string) (repo *policy.Repo, diags diag.List) {
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "."
	}
	defer func() {
		// CUE is a large library; a panic in it must not turn a bad input
		// file into a stack trace. Report it as an error instead.
		if r := recover(); r != nil {
			repo = nil
			diags = append(diags, diag.Errorf("internal", doc.Pos{File: display(cwd, dir)},
				"internal error while evaluating the definitions: %v", r).
				WithHint("please report this with the input that caused it"))
		}
	}()
	srcs, snapshots, diags := discover(dir, cwd)
	if len(srcs) == 0 && !diags.HasErrors() {
		diags = append(diags, diag.Errorf("input", doc.Pos{File: display(cwd, dir)}, "no policy definitions (*.cue or *.json) found").
			WithHint("add a file such as policies/backup.cue; see the README for an example"))
	}
	if diags.HasErrors() {
		return nil, diags
	}
	l := newLoad()
	files, ds := l.parse(srcs)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags
	}
	v, u, ds := l.evaluate(dir, files)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags
	}
	repo, ds = decode(v, u)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags
	}
	repo.Dir = dir
	repo.Snapshots = snapshots
	for _, s := range srcs {
		repo.Files = append(repo.Files, s.name)
	}
	return repo, diags
}

// load is the state of one Load call. CUE values from different contexts
// cannot be combined, so the schema is built into each call's context.
type load struct {
	ctx      *cue.Context
	schema   cue.Value
	comments map[string]map[int]string // schema file → line → //error: text
	pkg      string
}

func newLoad() *load {
	l := &load{ctx: cuecontext.New(), comments: map[string]map[int]string{}}
	inst := build.NewContext().NewInstance(SchemaDir, nil)
	entries, err := fs.ReadDir(schema.FS, ".")
	if err != nil {
		panic("internal error: reading embedded schema: " + err.Error())
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		data, err := fs.ReadFile(schema.FS, e.Name())
		if err != nil {
			panic("internal error: reading embedded schema: " + err.Error())
		}
		name := path.Join(SchemaDir, e.Name())
		f, err := parser.ParseFile(name, data, parser.ParseComments)
		if err != nil {
			panic("internal error: embedded schema does not parse: " + err.Error())
		}
		l.comments[name] = errorComments(f)
		if err := inst.AddSyntax(f); err != nil {
			panic("internal error: embedded schema: " + err.Error())
		}
	}
	l.schema = l.ctx.BuildInstance(inst)
	if err := l.schema.Err(); err != nil {
		panic("internal error: embedded schema does not compile: " + err.Error())
	}
	return l
}

// errorComments indexes the `//error:` comments of a schema file by the line
// of the declaration they precede: when a constraint declared on that line
// fails, the comment is the message a policy author sees instead of CUE's.
func errorComments(f *ast.File) map[int]string {
	m := map[int]string{}
	ast.Walk(f, func(n ast.Node) bool {
		for _, cg := range ast.Comments(n) {
			if !cg.Doc {
				continue
			}
			var text []string
			for _, c := range cg.List {
				if t, ok := strings.CutPrefix(c.Text, "//error:"); ok {
					text = append(text, strings.TrimSpace(t))
				}
			}
			if len(text) > 0 {
				m[n.Pos().Line()] = strings.Join(text, " ")
			}
		}
		return true
	}, nil)
	return m
}

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
		f, err := parser.ParseFile(s.name, s.data, parser.ParseComments)
		if err != nil {
			diags = append(diags, fromCUE(err, nil, "syntax")...)
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
			d := diag.Errorf("syntax", doc.Pos{File: s.name}, "%s", err.Error())
			if se, ok := err.(*doc.SyntaxError); ok {
				d = diag.Errorf("syntax", se.Pos, "%s", se.Msg)
			}
			diags = append(diags, d.WithHint("a .json file in the policy directory must be one Organizations backup policy document: {\"plans\": {...}}"))
			continue
		}
		if n.Kind != doc.Object || len(n.Fields) != 1 || n.Fields[0].Key != "plans" {
			diags = append(diags, diag.Errorf("json-policy", n.Pos, "a policy JSON file must hold one backup policy document with the single top-level key \"plans\"").
				WithHint("move other content out of %s; to attach the policy, add `policies: %q: targets: [...]` in a .cue file", s.name, name))
			continue
		}
		expr, err := cuejson.Extract(s.name, s.data)
		if err != nil {
			diags = append(diags, fromCUE(err, nil, "syntax")...)
			continue
		}
		f := &ast.File{Filename: s.name, Decls: []ast.Decl{
			&ast.Package{Name: ast.NewIdent(l.pkg)},
			&ast.Field{Label: ast.NewIdent("policies"), Value: ast.NewStruct(ast.NewString(name), expr)},
		}}
		files = append(files, f)
	}
	return files, diags
}

// evaluate builds the user's package on its own, so that every position in
// it is a position in the user's files, then unifies it with #Config.
func (l *load) evaluate(dir string, files []*ast.File) (unified, user cue.Value, _ diag.List) {
	inst := build.NewContext().NewInstance(dir, nil)
	var diags diag.List
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			diags = append(diags, fromCUE(err, nil, "package")...)
		}
	}
	if diags.HasErrors() {
		return cue.Value{}, cue.Value{}, diags
	}
	user = l.ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		return cue.Value{}, cue.Value{}, l.fromCUE(err, user, user)
	}
	cfg := l.schema.LookupPath(cue.MakePath(cue.Def("#Config")))
	v := user.Unify(cfg)
	if err := v.Validate(cue.Concrete(true), cue.Hidden(true)); err != nil {
		return cue.Value{}, cue.Value{}, l.fromCUE(err, user, v)
	}
	return v, user, nil
}

func posOf(p token.Pos) doc.Pos {
	if !p.IsValid() {
		return doc.Pos{}
	}
	return doc.Pos{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

// fromCUE converts CUE errors without schema knowledge (syntax errors).
func fromCUE(err error, _ *load, code string) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		out = append(out, diag.Errorf(code, posOf(e.Position()), "%s", fmt.Sprintf(format, args...)))
	}
	if len(out) == 0 {
		out = append(out, diag.Errorf(code, doc.Pos{}, "%v", err))
	}
	return out
}
