// Package loader reads a policies/ directory, checks it against the CUE
// schema and decodes it into a policy.Repo. It is the only package that
// touches CUE values: everything after it works on plain Go values and
// doc.Node trees that remember their source positions.
package loader

import (
	"os"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Load reads, validates and decodes the policy definitions in dir. When the
// diagnostics hold errors, the Repo holds the definitions as far as they
// could be read, for the semantic checks to report what else is wrong in
// the same run (see salvage), and must not be built or applied; it is nil
// when nothing could be read (a file does not parse). Load never panics
// on any input, and gives up on definitions that take longer than
// evalTimeout to evaluate.
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
		if r.repo == nil {
			return nil, diags
		}
		repo = r.repo
	case <-timer.C:
		return nil, append(diags, diag.Errorf(diag.CodeTooSlow, at, "evaluating the definitions did not finish within %v", evalTimeout).
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
// the sources do not parse, or do not form a package on their own; with
// other errors it holds what salvage could read.
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
	if repo != nil {
		diags = append(diags, l.duplicates(repo)...)
	}
	return repo, diags
}

// worker returns a function that evaluates the sources again for another
// worker of checkItems, in a context of its own: a context is not safe
// for concurrent use. What parse and build report, the first evaluation
// reported already.
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

// load is the state of one evaluation of the user's package: its own CUE
// context (a context is not safe for concurrent use, and grows with what
// is evaluated in it), and the schema every load shares.
type load struct {
	ctx        *cue.Context
	schema     cue.Value // the compiled schema, shared: see compiledSchema
	itemSchema cue.Value // the same with its leaves inlined: see leafExpansions
	notes      *notes
	pkg        string
	decls      decls               // where the user's files declare each path
	keysOf     map[string][]string // definition → its fields, cached
	keyOK      map[string]bool     // definition and map key → valid, cached
	worker     bool                // a second evaluation, for checkItems
}

func newLoad() *load {
	s := compiledSchema()
	return &load{ctx: cuecontext.New(), schema: s.v, itemSchema: s.items, notes: s.notes, decls: decls{}, keysOf: map[string][]string{}, keyOK: map[string]bool{}}
}

// build evaluates the user's package on its own, without the schema, so
// that every position in it is a position in the user's files.
func (l *load) build(dir string, files []*ast.File) (user cue.Value, _ diag.List) {
	inst := build.NewContext().NewInstance(dir, nil)
	var diags diag.List
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			diags = append(diags, syntaxDiags(err, "package")...)
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

func posOf(p token.Pos) doc.Pos {
	if !p.IsValid() {
		return doc.Pos{}
	}
	return doc.Pos{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}
