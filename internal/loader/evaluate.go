package loader

import (
	"runtime"
	"sync"

	"cuelang.org/go/cue"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

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
// The Repo then holds the definitions as written (see salvage).
func (l *load) evaluate(user cue.Value, another func() (*load, cue.Value, bool)) (*policy.Repo, diag.List) {
	if items, ok := l.items(user); ok {
		if repo, ok := l.checkItems(items, another); ok {
			return repo, nil
		}
	}
	cfg := l.schema.LookupPath(cue.MakePath(cue.Def("#Config")))
	v := user.Unify(cfg)
	if err := v.Validate(validateOptions...); err != nil {
		diags := l.explain(validateAll(v, user), user, v)
		return salvage(user), diags
	}
	return decode(v, user)
}

// salvage decodes the user's definitions as written, without the schema,
// for definitions that do not satisfy it: the semantic checks and the
// size of each document judge what can be judged, in the same run as the
// schema's errors, instead of after they are fixed. What the schema
// rejected is kept as written, for the checks to see the same value (the
// report merges what both say about one value, see check.NewReport); a
// value that is not concrete is decoded as null. It only ever feeds the
// checks: a Repo with errors is never built or applied. Should decoding
// what the schema rejected fail, the schema's errors are still reported,
// without the checks (a nil Repo).
func salvage(user cue.Value) (repo *policy.Repo) {
	defer func() {
		if recover() != nil {
			repo = nil
		}
	}()
	repo, _ = decode(user, user)
	for _, p := range repo.Policies {
		if p.Plans == nil || p.Plans.Kind != doc.Object {
			// Missing or not an object, which the schema reports; the
			// checks read plans as an object.
			p.Plans = doc.NewObject(p.Pos)
		}
	}
	return repo
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
	policyDef := l.itemSchema.LookupPath(cue.MakePath(cue.Def("#Policy")))
	baselineDef := l.itemSchema.LookupPath(cue.MakePath(cue.Def("#Baseline")))
	repo := &policy.Repo{}
	for i := w; i < len(items); i += n {
		it := items[i]
		if it.kind == "organization" || it.kind == "new_regions" {
			// #Config with only this key set: its other keys are optional.
			u := l.ctx.CompileString("{}").FillPath(cue.MakePath(cue.Str(it.kind)), it.u)
			v := u.Unify(l.itemSchema.LookupPath(cue.MakePath(cue.Def("#Config"))))
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
