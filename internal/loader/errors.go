package loader

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

// cueErr is one flattened CUE error.
type cueErr struct {
	path   []string
	format string
	args   []any
	pos    token.Pos
	inputs []token.Pos
}

func (e cueErr) msg() string { return fmt.Sprintf(e.format, e.args...) }
func (e cueErr) key() string { return strings.Join(e.path, "\x00") }
func (e cueErr) hidden() bool {
	return len(e.path) > 0 && strings.HasPrefix(e.path[len(e.path)-1], "_")
}
func (e cueErr) typeMismatch() bool {
	return strings.Contains(e.format, "mismatched types") || strings.Contains(e.msg(), "(mismatched types")
}

// fromCUE turns CUE's evaluation errors into diagnostics a policy author can
// act on. CUE reports what the evaluator saw: every branch of a failed
// disjunction, follow-on failures of checks that depend on a broken value,
// and positions mostly inside the schema. This keeps the error that explains
// the problem, points it at the user's file, and replaces the message with
// the schema's `//error:` text for the constraint that failed.
func (l *load) fromCUE(err error, user, unified cue.Value) diag.List {
	var errs []cueErr
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		ce := cueErr{path: e.Path(), format: format, args: args, pos: e.Position(), inputs: e.InputPositions()}
		if strings.Contains(format, "errors in empty disjunction") {
			continue // a header; its branches are reported on their own
		}
		k := ce.key() + "\x00" + ce.msg()
		if seen[k] {
			continue
		}
		seen[k] = true
		errs = append(errs, ce)
	}

	// Group by path, keeping first-seen order.
	groups := map[string][]cueErr{}
	var order []string
	for _, e := range errs {
		k := e.key()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}

	var out diag.List
	for _, k := range order {
		g := groups[k]
		first := g[0]
		if first.hidden() && l.shadowed(first, errs) {
			continue
		}
		// A plain value failed both the plain branch and the operator-object
		// branch of a leaf: the branch whose kind matches says what is
		// wrong, so drop the "mismatched types" noise of the other.
		var specific []cueErr
		for _, e := range g {
			if !e.typeMismatch() {
				specific = append(specific, e)
			}
		}
		if len(specific) == 0 {
			// A list or object whose elements failed also fails the
			// other branches as a whole; the element errors say more.
			if hasDeeper(first.path, errs) {
				continue
			}
			out = append(out, l.typeDiag(g, user))
			continue
		}
		out = append(out, l.specificDiag(specific, user, unified))
	}
	if len(out) == 0 {
		// Never swallow an error: fall back to CUE's own words.
		out = append(out, diag.Errorf("schema", doc.Pos{}, "%v", err))
	}
	return out
}

// shadowed reports whether a hidden consistency check failed only because
// something it counts is itself invalid: the check's parent struct holds
// another, more specific error.
func (l *load) shadowed(h cueErr, all []cueErr) bool {
	parent := h.path[:len(h.path)-1]
	for _, e := range all {
		if e.hidden() || len(e.path) <= len(parent) {
			continue
		}
		if slices.Equal(e.path[:len(parent)], parent) {
			return true
		}
	}
	return false
}

func hasDeeper(path []string, all []cueErr) bool {
	for _, e := range all {
		if len(e.path) > len(path) && slices.Equal(e.path[:len(path)], path) {
			return true
		}
	}
	return false
}

func (l *load) typeDiag(g []cueErr, user cue.Value) diag.Diagnostic {
	first := g[0]
	got := ""
	var want []string
	for _, e := range g {
		m := e.msg()
		i := strings.Index(m, "(mismatched types ")
		if i < 0 {
			continue
		}
		parts := strings.SplitN(strings.TrimSuffix(m[i+len("(mismatched types "):], ")"), " and ", 2)
		if len(parts) == 2 {
			got = parts[0]
			if parts[1] != "struct" || len(g) == 1 {
				want = append(want, kindWord(parts[1]))
			}
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	field := fieldName(first.path)
	d := diag.Errorf("type", l.userPos(first, user), "%s must be %s, not %s", field, strings.Join(want, " or "), kindWord(got)).
		WithPath(cuePath(first.path))
	if v := valueAt(user, first.path); v != "" {
		d = d.WithValue(v)
	}
	if c := l.comment(g); c != "" {
		d = d.WithHint("%s", c)
	} else if slices.Contains(want, "a list") {
		d = d.WithHint("write a list, e.g. %s: [%s]", field, exampleOf(valueAt(user, first.path)))
	}
	return d
}

func (l *load) specificDiag(g []cueErr, user, unified cue.Value) diag.Diagnostic {
	first := g[0]
	field := fieldName(first.path)
	pos := l.userPos(first, user)
	hint := l.comment(g)
	path := cuePath(first.path)
	var d diag.Diagnostic
	switch {
	case first.format == "field not allowed" || strings.HasSuffix(first.msg(), "field not allowed"):
		d = diag.Errorf("unknown-key", pos, "unknown key %q%s", lastElem(first.path), where(first.path[:len(first.path)-1]))
		if h := allowedHint(unified, user, first.path); h != "" {
			hint = h
		}
	case strings.Contains(first.format, "required but not present"):
		d = diag.Errorf("missing-key", pos, "missing required key %q%s", lastElem(first.path), where(first.path[:len(first.path)-1]))
	case first.hidden():
		msg := hint
		if msg == "" {
			msg = strings.TrimPrefix(lastElem(first.path), "_")
			msg = "constraint failed: " + strings.ReplaceAll(msg, "_", " ")
		}
		d = diag.Errorf("constraint", pos, "%s%s", msg, where(first.path[:len(first.path)-1]))
		hint = ""
	case strings.HasPrefix(first.format, "incomplete value") || strings.Contains(first.msg(), "incomplete value"):
		d = diag.Errorf("incomplete", pos, "%s has no concrete value", field).
			WithHint("give %s a value such as a string, number or list; types and constraints alone are not enough", field)
	case strings.Contains(first.format, "out of bound") || strings.HasPrefix(first.format, "conflicting values") || strings.Contains(first.format, "invalid value"):
		d = diag.Errorf("invalid-value", pos, "invalid %s", field)
		if v := valueAt(user, first.path); v != "" {
			d = d.WithValue(v)
		}
		if hint == "" {
			hint = allowedValues(g)
		}
	default:
		d = diag.Errorf("schema", pos, "%s: %s", field, first.msg())
	}
	d = d.WithPath(path)
	if hint != "" {
		d.Hint = hint
	}
	if len(g) > 0 && d.Value == "" {
		if v := valueAt(user, first.path); v != "" && d.Code != "missing-key" && d.Code != "constraint" {
			d = d.WithValue(v)
		}
	}
	// Keep one schema position for maintainers who want to see the rule.
	for _, p := range append([]token.Pos{first.pos}, first.inputs...) {
		if isSchema(p) {
			d = d.WithRelated(posOf(p), "schema constraint")
			break
		}
	}
	return d
}

// userPos picks the position in the user's files closest to the problem.
func (l *load) userPos(e cueErr, user cue.Value) doc.Pos {
	for _, p := range append([]token.Pos{e.pos}, e.inputs...) {
		if p.IsValid() && !isSchema(p) {
			return posOf(p)
		}
	}
	// The error lies in the schema alone (a missing key, a failed count):
	// point at the nearest enclosing value the user wrote.
	for n := len(e.path); n >= 0; n-- {
		v := user.LookupPath(selectors(e.path[:n]))
		if v.Exists() {
			if p := v.Pos(); p.IsValid() && !isSchema(p) {
				return posOf(p)
			}
		}
	}
	return doc.Pos{}
}

// comment finds the `//error:` text for the first schema position of the
// errors that has one.
func (l *load) comment(g []cueErr) string {
	for _, e := range g {
		for _, p := range append([]token.Pos{e.pos}, e.inputs...) {
			if !isSchema(p) {
				continue
			}
			if c := l.comments[p.Filename()][p.Line()]; c != "" {
				return c
			}
		}
	}
	return ""
}

func isSchema(p token.Pos) bool {
	return p.IsValid() && strings.HasPrefix(p.Filename(), SchemaDir+"/")
}

// allowedHint lists the keys the schema allows where an unknown key was
// found, leading with the closest one: most unknown keys are typos.
func allowedHint(unified, user cue.Value, path []string) string {
	bad := lastElem(path)
	if len(path) == 1 {
		return fmt.Sprintf("the top level holds policies and baselines; for shared values use a hidden field (_%s) or a definition (#%s)", bad, bad)
	}
	var allowed []string
	parent := unified.LookupPath(selectors(path[:len(path)-1]))
	if parent.Exists() {
		it, err := parent.Fields(cue.Optional(true))
		if err == nil {
			for it.Next() {
				s := it.Selector()
				if s.IsString() {
					allowed = append(allowed, s.Unquoted())
				}
			}
		}
	}
	// The operator key is allowed everywhere and would only add noise.
	allowed = slices.DeleteFunc(allowed, func(s string) bool { return s == bad || strings.HasPrefix(s, "@@") })
	slices.Sort(allowed)
	allowed = slices.Compact(allowed)
	if len(allowed) == 0 {
		return ""
	}
	h := ""
	if best := suggest.Closest(bad, allowed); best != "" {
		h = fmt.Sprintf("did you mean %q? ", best)
	}
	return h + "allowed keys here: " + strings.Join(allowed, ", ")
}

func allowedValues(g []cueErr) string {
	var vals []string
	for _, e := range g {
		if strings.HasPrefix(e.format, "conflicting values") && len(e.args) == 2 {
			vals = append(vals, fmt.Sprint(e.args[0]))
		}
	}
	if len(vals) < 2 {
		return ""
	}
	return "allowed values: " + strings.Join(vals, ", ")
}

func kindWord(k string) string {
	switch k {
	case "list":
		return "a list"
	case "struct":
		return "an object"
	case "string":
		return "a string"
	case "int":
		return "a whole number"
	case "float", "number":
		return "a number"
	case "bool":
		return "true or false"
	case "null":
		return "null"
	}
	return k
}

func exampleOf(v string) string {
	if v == "" {
		return "..."
	}
	return v
}

// fieldName names the last element of a path for a message: "regions[1]"
// for a list element, the key otherwise.
func fieldName(path []string) string {
	if len(path) == 0 {
		return "value"
	}
	last := path[len(path)-1]
	if _, err := strconv.Atoi(last); err == nil && len(path) > 1 {
		return fmt.Sprintf("%s[%s]", path[len(path)-2], last)
	}
	return last
}

func lastElem(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return unquote(path[len(path)-1])
}

// where describes the enclosing object of a path for messages, e.g.
// ` in rule "hourly" of plan "daily"`.
func where(path []string) string {
	var parts []string
	for i := 0; i+1 < len(path); i++ {
		kind := ""
		switch path[i] {
		case "policies":
			kind = "policy"
		case "baselines":
			kind = "baseline"
		case "plans":
			kind = "plan"
		case "rules":
			kind = "rule"
		case "copy_actions":
			kind = "copy action"
		default:
			if i > 0 && (path[i-1] == "selections") {
				kind = "selection"
				i++
				if i+1 < len(path) {
					parts = append(parts, fmt.Sprintf("%s %q", kind, unquote(path[i])))
				}
				continue
			}
			continue
		}
		i++
		parts = append(parts, fmt.Sprintf("%s %q", kind, unquote(path[i])))
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Reverse(parts)
	return " in " + strings.Join(parts, " of ")
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// cuePath renders a path the way CUE prints it.
func cuePath(path []string) string { return strings.Join(path, ".") }

func selectors(path []string) cue.Path {
	sels := make([]cue.Selector, 0, len(path))
	for _, p := range path {
		if n, err := strconv.Atoi(p); err == nil {
			sels = append(sels, cue.Index(n))
			continue
		}
		if strings.HasPrefix(p, "#") {
			sels = append(sels, cue.Def(p))
			continue
		}
		sels = append(sels, cue.Str(unquote(p)))
	}
	return cue.MakePath(sels...)
}

// valueAt renders the user's value at path as JSON, or "".
func valueAt(user cue.Value, path []string) string {
	v := user.LookupPath(selectors(path))
	if !v.Exists() || !v.IsConcrete() {
		return ""
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return ""
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
