// Package loader reads a policies/ directory, checks it against the CUE
// schema and decodes it into a policy.Repo. It is the only package that
// touches CUE values: everything after it works on plain Go values and
// doc.Node trees that remember their source positions.
package loader

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"

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
	"github.com/orgbackup/orgbackup/internal/suggest"
	"github.com/orgbackup/orgbackup/schema"
)

// SchemaDir is how schema positions are printed: the schema ships inside the
// binary, and in this repository it lives in schema/.
const SchemaDir = "schema"

// Load reads, validates and decodes the policy definitions in dir. The Repo
// is nil when the definitions have errors that prevent decoding; the
// diagnostics then say why. Load never panics on any input, and gives up
// on definitions that take longer than evalTimeout to evaluate.
func Load(dir string) (repo *policy.Repo, diags diag.List) {
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "."
	}
	at := doc.Pos{File: display(cwd, dir)}
	defer func() {
		if r := recover(); r != nil {
			repo, diags = nil, append(diags, internalError(at, r))
		}
	}()
	srcs, snapshots, diags := discover(dir, cwd)
	if len(srcs) == 0 && !diags.HasErrors() {
		diags = append(diags, diag.Errorf("input", at, "no policy definitions (*.cue or *.json) found").
			WithHint("add a file such as policies/backup.cue; see the README for an example"))
	}
	if diags.HasErrors() {
		return nil, diags
	}

	// CUE evaluates whatever the files compute: a comprehension over
	// list.Range(0, 1e9, 1) in a few bytes runs for hours. Evaluation runs
	// on its own so that Load can give up on it; the abandoned goroutine
	// runs on until the process exits, which for the CLI is right after.
	type result struct {
		repo  *policy.Repo
		diags diag.List
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			// CUE is a large library; a panic in it must not turn a bad
			// input file into a stack trace.
			if r := recover(); r != nil {
				done <- result{nil, diag.List{internalError(at, r)}}
			}
		}()
		repo, ds := evaluateAll(dir, srcs)
		done <- result{repo, ds}
	}()
	timer := time.NewTimer(evalTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		diags = append(diags, r.diags...)
		if r.repo == nil || diags.HasErrors() {
			return nil, diags
		}
		repo = r.repo
	case <-timer.C:
		return nil, append(diags, diag.Errorf("too-slow", at, "evaluating the definitions did not finish within %v", evalTimeout).
			WithHint("look for a comprehension over a huge range (list.Range) or a value built by repetition; policy definitions evaluate in seconds"))
	}
	repo.Dir = dir
	repo.Snapshots = snapshots
	for _, s := range srcs {
		repo.Files = append(repo.Files, s.name)
	}
	return repo, diags
}

// evalTimeout bounds the evaluation of one directory. A thousand policies,
// the Organizations quota, evaluate in a few seconds.
var evalTimeout = 2 * time.Minute

// evaluateAll parses, evaluates and decodes the sources. The Repo is nil if
// there are errors.
func evaluateAll(dir string, srcs []source) (*policy.Repo, diag.List) {
	l := newLoad()
	files, diags := l.parse(srcs)
	if diags.HasErrors() {
		return nil, diags
	}
	user, ds := l.build(dir, files)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags
	}
	size := 0
	for _, s := range srcs {
		size += len(s.data)
	}
	another := worker(dir, srcs)
	if size > workerBytes {
		another = nil
	}
	repo, ds := l.evaluate(user, another)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return nil, diags
	}
	diags = append(diags, l.duplicates(repo)...)
	if diags.HasErrors() {
		return nil, diags
	}
	return repo, diags
}

// worker returns a function that evaluates the sources again for another
// worker of checkItems, in a context of its own: CUE values cannot cross
// contexts, and a context is not safe for concurrent use. What parse and
// build report, the first evaluation reported already.
func worker(dir string, srcs []source) func() (*load, cue.Value, bool) {
	return func() (*load, cue.Value, bool) {
		wl := newLoad()
		wl.worker = true
		files, ds := wl.parse(srcs)
		if ds.HasErrors() {
			return nil, cue.Value{}, false
		}
		u, ds := wl.build(dir, files)
		return wl, u, !ds.HasErrors()
	}
}

func internalError(at doc.Pos, r any) diag.Diagnostic {
	return diag.Errorf("internal", at, "internal error while evaluating the definitions: %v", r).
		WithHint("please report this with the input that caused it")
}

// load is the state of one Load call. CUE values from different contexts
// cannot be combined, so the schema is built into each call's context.
type load struct {
	ctx    *cue.Context
	schema cue.Value
	notes  *notes
	pkg    string
	decls  decls               // where the user's files declare each path
	keysOf map[string][]string // definition → its fields, cached
	keyOK  map[string]bool     // definition and map key → valid, cached
	worker bool                // a second evaluation, for checkItems
}

func newLoad() *load {
	l := &load{ctx: cuecontext.New(), notes: newNotes(), decls: decls{}, keysOf: map[string][]string{}, keyOK: map[string]bool{}}
	inst := build.NewContext().NewInstance(SchemaDir, nil)
	var files []*ast.File
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
		l.notes.add(f)
		files = append(files, f)
		if err := inst.AddSyntax(f); err != nil {
			panic("internal error: embedded schema: " + err.Error())
		}
	}
	l.notes.indexKeys(files)
	l.schema = l.ctx.BuildInstance(inst)
	if err := l.schema.Err(); err != nil {
		panic("internal error: embedded schema does not compile: " + err.Error())
	}
	return l
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
		if len(bytes.TrimSpace(s.data)) == 0 {
			diags = append(diags, diag.Errorf("package", doc.Pos{File: s.name, Line: 1, Col: 1}, "file is empty").
				WithHint("start it with `package %s` and add definitions, or delete it", cmp.Or(l.pkg, "orgbackup")))
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
		if off, deep := tooDeep(s.data); deep {
			diags = append(diags, diag.Errorf("syntax", offsetPos(s.name, s.data, off), "the JSON document nests more than %d levels deep", maxJSONDepth).
				WithHint("a backup policy document nests about ten levels; look for brackets that are opened and never closed, or move a file that is not a policy document out of the directory"))
			continue
		}
		n, err := doc.Parse(s.name, s.data)
		if err != nil {
			d := diag.Errorf("syntax", doc.Pos{File: s.name, Line: 1, Col: 1}, "%s", err.Error())
			if se, ok := err.(*doc.SyntaxError); ok {
				d = diag.Errorf("syntax", se.Pos, "%s", se.Msg)
			}
			diags = append(diags, d.WithHint("%s", jsonHint(d.Message)))
			continue
		}
		if d, ok := jsonShape(n, s.name, name); !ok {
			diags = append(diags, d)
			continue
		}
		expr, err := cuejson.Extract(s.name, s.data)
		if err != nil {
			diags = append(diags, fromCUE(err, nil, "syntax")...)
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

// maxJSONDepth bounds the nesting of a JSON policy document. Parsing and
// converting a document of a million nested brackets, a few MiB, takes
// minutes; a backup policy nests about ten levels.
const maxJSONDepth = 1000

// tooDeep finds where a JSON text first nests deeper than maxJSONDepth.
func tooDeep(data []byte) (int, bool) {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > maxJSONDepth {
				return i, true
			}
		case ']', '}':
			depth--
		}
	}
	return 0, false
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

// build evaluates the user's package on its own, without the schema, so
// that every position in it is a position in the user's files.
func (l *load) build(dir string, files []*ast.File) (user cue.Value, _ diag.List) {
	inst := build.NewContext().NewInstance(dir, nil)
	var diags diag.List
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			diags = append(diags, fromCUE(err, nil, "package")...)
		}
	}
	if diags.HasErrors() {
		return cue.Value{}, diags
	}
	if !l.worker {
		// Only diagnostics need declaration sites, and only the first
		// evaluation reports them.
		l.decls = indexDecls(files)
	}
	user = l.ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		return cue.Value{}, l.userErrors(err, user)
	}
	return user, nil
}

// evaluate checks the user's value against the schema and decodes it.
//
// It unifies one policy with #Policy (one baseline with #Baseline) at a
// time, validates and decodes it, and drops the unified value before the
// next: CUE's evaluated values are large (a few MiB per policy), and
// unifying the whole configuration with #Config at once held all of them
// until the end, 1.3 GB for 500 policies. Item by item, memory stays flat
// as the repository grows, and each value is evaluated once. Large
// repositories are split between workers (see checkItems); another
// returns a load and the user's value for one, or false; nil means one
// worker.
//
// Diagnostics are worded from the whole configuration (explain works on
// paths from its root, and a few checks look across items), so when
// anything is wrong, the configuration is checked again as a whole and
// explained from there, exactly as before items were checked one by one.
func (l *load) evaluate(user cue.Value, another func() (*load, cue.Value, bool)) (*policy.Repo, diag.List) {
	if items, ok := l.items(user); ok {
		if repo, ok := l.checkItems(items, another); ok {
			return repo, nil
		}
	}
	cfg := l.schema.LookupPath(cue.MakePath(cue.Def("#Config")))
	v := user.Unify(cfg)
	if err := v.Validate(validateOptions...); err != nil {
		return nil, l.explain(validateAll(v, user), user, v)
	}
	return decode(v, user)
}

// itemsPerWorker is how many items make a second evaluation of the user's
// package worth it: each worker parses and evaluates the sources on its own
// (about 1 ms per policy), then checks its share of the items (about 10 ms
// each).
const itemsPerWorker = 40

// maxWorkers bounds the workers: each holds the user's package and a copy
// of the schema, and CUE's evaluation of one item allocates a few MiB.
const maxWorkers = 4

// workerBytes is the most source that is split between workers. A worker
// holds the user's evaluated package, about 30 times the size of its
// sources (56 MiB for the 1.8 MiB of 500 generated policies), and the
// process keeps to a soft memory limit of 240 MiB (internal/cli/gc.go).
// The collector's work grows with the live heap times how often the heap
// reaches the limit, so a second copy of a large package cost more CPU
// than the second core gave back: at 500 policies, one worker took 9.1 s
// of CPU and two 11.4 s, and on a busy machine two were slower. Up to
// about 280 policies, two copies leave the collector room.
const workerBytes = 1 << 20

// checkItems validates and decodes every item, spreading them over up to
// GOMAXPROCS workers. ok is false if any item does not validate, or a
// worker could not start.
func (l *load) checkItems(items []item, another func() (*load, cue.Value, bool)) (*policy.Repo, bool) {
	n := min(runtime.GOMAXPROCS(0), maxWorkers, max(1, len(items)/itemsPerWorker))
	if another == nil {
		n = 1
	}
	parts := make([]*policy.Repo, n)
	var wg sync.WaitGroup
	for w := 1; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A panic here is reported when the whole configuration is
				// evaluated again, in the caller's goroutine, which turns
				// it into a diagnostic.
				if recover() != nil {
					parts[w] = nil
				}
			}()
			wl, u, ok := another()
			if !ok {
				return
			}
			its, ok := wl.items(u)
			if !ok || len(its) != len(items) {
				return
			}
			parts[w], _ = wl.checkShare(its, w, n)
		}()
	}
	var ok bool
	parts[0], ok = l.checkShare(items, 0, n)
	wg.Wait()
	repo := &policy.Repo{}
	for _, p := range parts {
		if !ok || p == nil {
			return nil, false
		}
		repo.Policies = append(repo.Policies, p.Policies...)
		repo.Baselines = append(repo.Baselines, p.Baselines...)
		if p.Organization != nil {
			repo.Organization = p.Organization
		}
		if p.NewRegions != nil {
			repo.NewRegions = p.NewRegions
		}
	}
	sortRepo(repo)
	return repo, true
}

// checkShare validates and decodes the items i with i%n == w. It stops at
// the first item that does not validate.
func (l *load) checkShare(items []item, w, n int) (*policy.Repo, bool) {
	policyDef := l.schema.LookupPath(cue.MakePath(cue.Def("#Policy")))
	baselineDef := l.schema.LookupPath(cue.MakePath(cue.Def("#Baseline")))
	repo := &policy.Repo{}
	for i := w; i < len(items); i += n {
		it := items[i]
		if it.kind == "organization" || it.kind == "new_regions" {
			// #Config with only this key set: its other keys are optional.
			u := l.ctx.CompileString("{}").FillPath(cue.MakePath(cue.Str(it.kind)), it.u)
			v := u.Unify(l.schema.LookupPath(cue.MakePath(cue.Def("#Config"))))
			if v.Validate(validateOptions...) != nil {
				return nil, false
			}
			sub := v.LookupPath(cue.MakePath(cue.Str(it.kind)))
			if it.kind == "organization" {
				// Positions from the user's own value: filling it into a
				// fresh struct keeps its value but not where it was written.
				repo.Organization = organization(sub, it.u)
			} else {
				repo.NewRegions = targets(sub)
			}
			continue
		}
		def := policyDef
		if it.kind == "baselines" {
			def = baselineDef
		}
		v := it.u.Unify(def)
		if v.Validate(validateOptions...) != nil {
			return nil, false
		}
		if it.kind == "policies" {
			repo.Policies = append(repo.Policies, decodePolicy(it.name, v, it.u))
		} else {
			repo.Baselines = append(repo.Baselines, decodeBaseline(it.name, v, it.u))
		}
	}
	return repo, true
}

// item is one policy or baseline of the user's configuration, or one of
// its top-level settings.
type item struct {
	kind, name string // kind is "policies", "baselines", "organization" or "new_regions"
	u          cue.Value
}

// items lists the policies and baselines of the user's value, in the order
// CUE gives them. ok is false when the configuration is not shaped as
// #Config expects at the top (an unknown top-level key, policies that are
// not an object, a name the schema does not allow, a hidden field that
// does not validate): evaluate then checks it as a whole, which explains
// such problems.
func (l *load) items(user cue.Value) (items []item, ok bool) {
	if user.Kind() != cue.StructKind {
		return nil, false
	}
	it, err := user.Fields(cue.Hidden(true))
	if err != nil {
		return nil, false
	}
	for it.Next() {
		sel, v := it.Selector(), it.Value()
		switch sel.LabelType() {
		case cue.StringLabel:
		case cue.HiddenLabel:
			// Hidden fields are the author's shared values; validating
			// #Config validates them too.
			if v.Validate(validateOptions...) != nil {
				return nil, false
			}
			continue
		default:
			continue
		}
		kind := sel.Unquoted()
		if kind == "organization" || kind == "new_regions" {
			// Settings of the whole configuration, checked as one item
			// against the part of #Config that holds them.
			items = append(items, item{kind: kind, u: v})
			continue
		}
		if kind != "policies" && kind != "baselines" || v.Kind() != cue.StructKind {
			return nil, false
		}
		def := map[string]string{"policies": "#PolicyName", "baselines": "#BaselineName"}[kind]
		fs, err := v.Fields()
		if err != nil {
			return nil, false
		}
		for fs.Next() {
			name := fs.Selector().Unquoted()
			if !fs.Selector().IsString() || !l.validKey(def, name) {
				return nil, false
			}
			items = append(items, item{kind: kind, name: name, u: fs.Value()})
		}
	}
	return items, true
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
		msg := fmt.Sprintf(format, args...)
		out = append(out, diag.Errorf(code, posOf(e.Position()), "%s", msg).WithHint("%s", syntaxHint(msg)))
	}
	if len(out) == 0 {
		out = append(out, diag.Errorf(code, doc.Pos{}, "%v", err).WithHint("%s", syntaxHint(err.Error())))
	}
	return out
}

// syntaxErrors reports the parser's errors. When the file ends inside a
// bracket, the parser can only say where the file ended; the bracket that
// was never closed is what to look at.
func syntaxErrors(err error, s source) diag.List {
	var out diag.List
	for i, d := range fromCUE(err, nil, "syntax") {
		if !strings.Contains(d.Message, "found 'EOF'") {
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
func syntaxHint(msg string) string {
	switch {
	case strings.Contains(msg, "found 'EOF'") || strings.Contains(msg, "found EOF"):
		return "the file ends inside an unclosed {, [ or (: add the closing bracket where the block ends"
	case strings.Contains(msg, "not terminated"):
		return `close the string with a double quote on the same line; for text over several lines use """ ... """`
	case strings.Contains(msg, "missing ','"):
		return "separate fields and list elements with a comma or a new line; look for a stray token or a bracket that closes too early here"
	case strings.Contains(msg, "maximum nesting depth"):
		return "brackets nest far deeper than any policy needs; look for brackets that are opened and never closed"
	case strings.Contains(msg, "illegal character") || strings.Contains(msg, "illegal"):
		return "remove the character; keys and values are identifiers, numbers or double-quoted strings"
	case strings.Contains(msg, "expected"):
		return "fix the syntax at this position: CUE expected something else here; `cue fmt` on the file reports the same error"
	}
	return "fix the syntax at this position; `cue fmt` on the file reports the same error"
}
