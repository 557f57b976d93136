package loader

import (
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/cuesyntax"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// childOperators is the key every node of a backup policy may carry.
const childOperators = inherit.ChildControl

// validateOptions are how the user's definitions are checked: every value
// concrete, the schema's hidden checks included.
var validateOptions = []cue.Option{cue.Concrete(true), cue.Hidden(true)}

// maxValidations bounds how many values validateAll re-validates, so that
// a huge input with an error near its root cannot make it quadratic.
const maxValidations = 20000

// validateAll collects the errors of the unified value v. Validate stops
// at the first failure inside a struct: a failed count check on a plan
// hides every missing key in its rules. So after a failure it validates
// each value below, following the structure of the user's own value u,
// and returns every error found. Only failing values are descended into.
func validateAll(v, u cue.Value) []cueerrors.Error {
	var out []cueerrors.Error
	budget := maxValidations
	var walk func(sels []cue.Selector, u cue.Value)
	walk = func(sels []cue.Selector, u cue.Value) {
		if budget <= 0 {
			return
		}
		budget--
		err := v.LookupPath(cue.MakePath(sels...)).Validate(validateOptions...)
		if err == nil {
			return
		}
		out = append(out, cueerrors.Errors(err)...)
		switch u.Kind() {
		case cue.StructKind:
			it, err := u.Fields()
			if err != nil {
				return
			}
			for it.Next() {
				walk(append(sels[:len(sels):len(sels)], it.Selector()), it.Value())
			}
		case cue.ListKind:
			it, err := u.List()
			if err != nil {
				return
			}
			for it.Next() {
				walk(append(sels[:len(sels):len(sels)], it.Selector()), it.Value())
			}
		}
	}
	walk(nil, u)
	return out
}

type shapeKind int

const (
	unknownShape shapeKind = iota // not described here: leave it to CUE
	objectShape                   // fixed keys
	mapShape                      // keys the author chooses, matching a pattern
	openShape                     // any keys (vault_access_policy)
)

// shape is what the schema allows in the object at a path.
type shape struct {
	kind shapeKind
	keys []string     // objectShape: the allowed keys
	node bool         // @@operators_allowed_for_child_policies is allowed
	spec *backup.Spec // inside a policy's plans
}

// shape describes the object at path: #Config, #Policy, #Baseline and
// #Organization from the schema, and below a policy's plans the structure
// package backup knows (backup.Plans), which mirrors the schema's #Plan.
func (l *load) shape(path []string) shape {
	switch {
	case len(path) == 0:
		return shape{kind: objectShape, keys: l.defKeys("#Config")}
	case len(path) == 1 && (path[0] == "policies" || path[0] == "baselines"):
		return shape{kind: mapShape}
	case len(path) == 2 && path[0] == "policies":
		return shape{kind: objectShape, keys: l.defKeys("#Policy")}
	case len(path) == 2 && path[0] == "baselines":
		return shape{kind: objectShape, keys: l.defKeys("#Baseline")}
	case len(path) == 1 && path[0] == "organization":
		return shape{kind: objectShape, keys: l.defKeys("#Organization")}
	case len(path) == 3 && path[0] == "baselines" && path[2] == "vault_access_policy":
		return shape{kind: openShape}
	case len(path) >= 3 && path[0] == "policies" && path[2] == "plans":
		s := lookupSpec(backup.Plans, path[3:])
		if s == nil {
			return shape{}
		}
		switch s.Kind {
		case backup.Object:
			keys := s.Keys()
			if s == backup.Plans.Elem {
				// The one author-form key of a plan that AWS's shape
				// lacks; the schema checks what is below it.
				keys = append(keys, policy.ChildChangesKey)
			}
			return shape{kind: objectShape, keys: keys, node: true, spec: s}
		case backup.Map:
			return shape{kind: mapShape, node: true, spec: s}
		case backup.Leaf:
			return shape{kind: objectShape, keys: []string{"@@assign"}, node: true, spec: s}
		case backup.List:
			return shape{kind: objectShape, keys: []string{"@@assign", "@@append", "@@remove"}, node: true, spec: s}
		}
	}
	return shape{}
}

// lookupSpec is Spec.Lookup with exact keys: the schema, unlike
// Organizations, does not match keys without regard to case.
func lookupSpec(s *backup.Spec, path []string) *backup.Spec {
	for _, p := range path {
		switch {
		case s == nil:
			return nil
		case s.Kind == backup.Object:
			s = s.Fields[p]
		case s.Kind == backup.Map && !strings.HasPrefix(p, "@@"):
			s = s.Elem
		default:
			return nil
		}
	}
	return s
}

// defKeys lists the fields a schema definition declares.
func (l *load) defKeys(def string) []string {
	if keys, ok := l.keysOf[def]; ok {
		return keys
	}
	var keys []string
	it, err := l.schema.LookupPath(cue.ParsePath(def)).Fields(cue.Optional(true))
	if err == nil {
		for it.Next() {
			if s := it.Selector(); s.IsString() {
				keys = append(keys, s.Unquoted())
			}
		}
	}
	l.keysOf[def] = keys
	return keys
}

// validKey reports whether key satisfies the definition a map's keys must
// satisfy (#RuleName, #VaultArn, ...).
func (l *load) validKey(def, key string) bool {
	k := def + "\x00" + key
	if ok, done := l.keyOK[k]; done {
		return ok
	}
	d := l.schema.LookupPath(cue.ParsePath(def))
	ok := d.Exists() && d.Unify(l.ctx.Encode(key)).Validate(cue.Concrete(true)) == nil
	l.keyOK[k] = ok
	return ok
}

// checkKeys reports every key of the user's definitions that the schema
// does not allow. CUE checks that a struct is closed only when its values
// are valid: an unknown key next to a bad value goes unreported, and the
// author would meet it only after fixing the value.
func (l *load) checkKeys(user cue.Value) []problem {
	var out []problem
	var walk func(path []string, u cue.Value)
	walk = func(path []string, u cue.Value) {
		if u.Kind() != cue.StructKind {
			return
		}
		sh := l.shape(path)
		if sh.kind == unknownShape || sh.kind == openShape {
			return
		}
		for k, c := range fields(u) {
			p := append(path[:len(path):len(path)], k)
			switch {
			case k == childOperators && sh.node:
				continue
			case sh.kind == objectShape && !slices.Contains(sh.keys, k),
				sh.kind == mapShape && !l.validMapKey(path, k):
				pos, ok := l.decls.pos(p)
				if !ok {
					pos = posOf(c.Pos())
				}
				out = append(out, l.keyProblem(p, pos, cue.Value{}))
				continue
			}
			walk(p, c)
		}
	}
	walk(nil, user)
	return out
}

func (l *load) validMapKey(path []string, key string) bool {
	kp, ok := l.notes.keys[lastElem(path)]
	if !ok {
		return true
	}
	return l.validKey(kp.def, key)
}

// recheck evaluates the schema again on a copy of the definitions in which
// every value reported as a problem is replaced by _ (any value), every
// missing key is added as _, every key not allowed is removed, and each
// value in settled is replaced by _ too. CUE cannot judge a check while
// what it counts holds an error: it then either fails it as a follow-on (a
// plan whose only rule has a bad window "needs at least one rule") or
// passes it (eleven rules, one of them bad, pass the limit of ten); and it
// reports no missing key in a struct with another error. The copy has no
// such errors, so the checks that fail on it fail for real, and its
// missing keys are missing. ok is false if the copy cannot be built.
func (l *load) recheck(user cue.Value, probs []problem, settled [][]string) (checks, missing []cueErr, ok bool) {
	root := toNode(user, user)
	// The values of failed checks already known to be real are left open
	// too: the failure makes their struct an error, which would hide the
	// checks around it again (a rule with six copy actions makes its
	// plan's rules uncountable).
	repaired := slices.Clone(settled)
	var deleted [][]string
	for _, path := range settled {
		repair(root, path, anyValue)
	}
	for _, p := range probs {
		path := p.path
		if i := slices.IndexFunc(path, isValueOperator); i > 0 {
			path = path[:i]
		}
		switch p.d.Code {
		case "constraint":
			continue
		case "unknown-key", "invalid-key":
			repair(root, path, nil)
			deleted = append(deleted, path)
		default:
			repair(root, path, anyValue)
		}
		repaired = append(repaired, path)
	}
	v := l.ctx.BuildExpr(toExpr(root))
	if v.Err() != nil {
		return nil, nil, false
	}
	u := v.Unify(l.schema.LookupPath(cue.MakePath(cue.Def("#Config"))))
	if u.Validate(validateOptions...) == nil {
		return nil, nil, true
	}
	under := func(path []string) bool {
		return slices.ContainsFunc(repaired, func(r []string) bool { return len(r) <= len(path) && slices.Equal(path[:len(r)], r) })
	}
	seen := map[string]bool{}
	for _, e := range validateAll(u, v) {
		ce := newCueErr(e)
		if seen[ce.key()] {
			continue
		}
		seen[ce.key()] = true
		if ce.m.kind == required {
			// Not inside a value left open: _ has none of its keys.
			if !under(labels(ce.path)) {
				missing = append(missing, ce)
			}
			continue
		}
		if !ce.checkFailed() {
			continue
		}
		// A check about a value left open judged _, not the user's value:
		// the value or a struct around it was replaced, or one of the maps
		// an object like selections counts across.
		// A check that counts a map from which an entry was removed
		// counted one too few.
		target := l.checkTarget(labels(ce.path))
		object := l.shape(target).kind == objectShape
		if slices.ContainsFunc(repaired, func(r []string) bool {
			return len(r) <= len(target) && slices.Equal(target[:len(r)], r) ||
				object && len(r) == len(target)+1 && slices.Equal(r[:len(target)], target)
		}) || slices.ContainsFunc(deleted, func(d []string) bool {
			m := parentOf(d)
			return slices.Equal(m, target) || object && len(m) == len(target)+1 && slices.Equal(m[:len(target)], target)
		}) {
			continue
		}
		checks = append(checks, ce)
	}
	return checks, missing, true
}

// anyValue marks a node that recheck's copy leaves open: _ in CUE.
var anyValue = &doc.Node{}

// repair replaces the node at path below root with v, or removes it if v
// is nil. A missing object key is added.
func repair(root *doc.Node, path []string, v *doc.Node) {
	if len(path) == 0 {
		return
	}
	n := root
	for _, p := range path[:len(path)-1] {
		n = child(n, p)
		if n == nil {
			return
		}
	}
	last := path[len(path)-1]
	switch n.Kind {
	case doc.Object:
		if v == nil {
			n.Delete(last)
		} else {
			n.Set(last, v)
		}
	case doc.Array:
		i, ok := index(last, len(n.Items))
		if !ok {
			return
		}
		if v == nil {
			v = anyValue
		}
		n.Items[i] = v
	}
}

func child(n *doc.Node, key string) *doc.Node {
	switch n.Kind {
	case doc.Object:
		return n.Get(key)
	case doc.Array:
		if i, ok := index(key, len(n.Items)); ok {
			return n.Items[i]
		}
	}
	return nil
}

func index(s string, n int) (int, bool) {
	i := 0
	for _, r := range s {
		if r < '0' || r > '9' || i > n {
			return 0, false
		}
		i = i*10 + int(r-'0')
	}
	return i, s != "" && i < n
}

// toExpr converts a node back to CUE syntax, for recheck. Replaced values,
// and nulls (not concrete in the user's value: CUE has reported them), are
// written as _.
func toExpr(n *doc.Node) ast.Expr {
	return cuesyntax.Expr(n, func(n *doc.Node) ast.Expr {
		if n == anyValue || n.Kind == doc.Null {
			return ast.NewIdent("_")
		}
		return nil
	})
}
