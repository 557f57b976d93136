package loader

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

// cueErr is one flattened CUE error.
type cueErr struct {
	path   []string // as CUE prints it: labels that are not identifiers are quoted
	format string
	args   []any
	pos    token.Pos
	inputs []token.Pos
}

func newCueErr(e cueerrors.Error) cueErr {
	format, args := e.Msg()
	return cueErr{path: e.Path(), format: format, args: args, pos: e.Position(), inputs: e.InputPositions()}
}

func (e cueErr) msg() string { return fmt.Sprintf(e.format, e.args...) }
func (e cueErr) key() string { return strings.Join(e.path, "\x00") }
func (e cueErr) hidden() bool {
	return len(e.path) > 0 && strings.HasPrefix(e.path[len(e.path)-1], "_")
}
func (e cueErr) typeMismatch() bool {
	return strings.Contains(e.format, "mismatched types") || strings.Contains(e.msg(), "(mismatched types")
}

// checkFailed reports whether a hidden check itself evaluated to false, as
// opposed to failing because something it reads is broken.
func (e cueErr) checkFailed() bool {
	m := e.msg()
	return e.hidden() && (m == "conflicting values false and true" || m == "conflicting values true and false")
}

// internal reports whether the error lies inside a hidden field of the
// schema, which no author writes. User labels that start with _ are quoted
// in CUE's paths.
func (e cueErr) internal() bool {
	return slices.ContainsFunc(e.path, func(s string) bool { return strings.HasPrefix(s, "_") })
}

// positions lists the error's position and its inputs.
func (e cueErr) positions() []token.Pos { return append([]token.Pos{e.pos}, e.inputs...) }

// problem is a diagnostic on its way out, with the configuration path it is
// about, so that later passes can match it and work around it.
type problem struct {
	d    diag.Diagnostic
	path []string // unquoted labels; list indexes as numbers
	// meant is the key an unknown key was probably meant to be.
	meant string
}

// explain turns CUE's evaluation errors into diagnostics a policy author can
// act on. CUE reports what the evaluator saw: every branch of a failed
// disjunction, follow-on failures of checks that depend on a broken value,
// and positions mostly inside the schema; and it does not report a key the
// schema does not allow in a struct that has another error. explain keeps
// the error that explains each problem, points it at the user's file,
// words it with the schema's `//error:` text, adds the unknown keys CUE left
// out, and re-evaluates the checks CUE could not judge.
func (l *load) explain(raw []cueerrors.Error, user, unified cue.Value) diag.List {
	var errs []cueErr
	seen := map[string]bool{}
	for _, e := range raw {
		ce := newCueErr(e)
		if strings.Contains(ce.format, "errors in empty disjunction") {
			continue // a header; its branches are reported on their own
		}
		// @@operators_allowed_for_child_policies is one of three list
		// shapes; its elements fail in one branch or another, and the
		// list as a whole is what is wrong.
		if i := slices.IndexFunc(ce.path, func(s string) bool { return unquote(s) == childOperators }); i >= 0 {
			ce.path = ce.path[:i+1]
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

	var probs []problem
	var checks []cueErr
	for _, k := range order {
		g := groups[k]
		first := g[0]
		if first.hidden() {
			if first.checkFailed() {
				checks = append(checks, first)
			}
			continue
		}
		if first.internal() {
			// A helper of the schema (_count.rules) could not be
			// computed from a broken value, which is reported itself.
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
			probs = append(probs, l.typeProblem(g, errs, user))
			continue
		}
		probs = append(probs, l.specificProblem(specific, errs, user, unified))
	}

	// Keys CUE did not get to, or reported from one branch of a leaf.
	for _, p := range l.checkKeys(user) {
		if i := slices.IndexFunc(probs, func(q problem) bool { return slices.Equal(q.path, p.path) }); i >= 0 {
			probs[i] = p
			continue
		}
		probs = append(probs, p)
	}

	probs = dropFollowOns(probs)

	// A failed check is trusted when nothing else failed in the struct
	// that declares it: it was judged on valid values. The others, and the
	// checks CUE skipped because what they count holds an error, are
	// judged again on a repaired copy.
	var trusted []cueErr
	for _, c := range checks {
		if !disturbed(c, probs, checks) {
			trusted = append(trusted, c)
		}
	}
	var settled [][]string
	for _, c := range trusted {
		settled = append(settled, l.checkTarget(labels(c.path)))
	}
	if rechecked, missing, ok := l.recheck(user, probs, settled); ok {
		for _, c := range rechecked {
			if !slices.ContainsFunc(trusted, func(t cueErr) bool { return t.key() == c.key() }) {
				trusted = append(trusted, c)
			}
		}
		for _, m := range missing {
			p := l.specificProblem([]cueErr{m}, errs, user, unified)
			if !slices.ContainsFunc(probs, func(q problem) bool { return slices.Equal(q.path, p.path) }) {
				probs = append(probs, p)
			}
		}
	}
	for _, c := range trusted {
		probs = append(probs, l.checkProblem(c, user))
	}
	probs = dropFollowOns(probs)

	var out diag.List
	for _, p := range probs {
		out = append(out, p.d)
	}
	if len(out) == 0 {
		// Never swallow an error: fall back to CUE's own words.
		for _, e := range errs {
			out = append(out, diag.Errorf("schema", l.userPos(e, user), "%s: %s", cuePath(e.path), e.msg()).
				WithHint("this error has no better explanation yet; please report it with the input that caused it"))
		}
		if len(out) == 0 {
			out = append(out, diag.Errorf("schema", doc.Pos{}, "the definitions do not satisfy the schema").
				WithHint("please report this with the input that caused it"))
		}
	}
	return out
}

// disturbed reports whether a failed check may have failed because of
// another problem: one lies in the struct that declares the check, other
// than a sibling check.
func disturbed(c cueErr, probs []problem, checks []cueErr) bool {
	parent := labels(c.path[:len(c.path)-1])
	under := func(path []string) bool {
		return len(path) > len(parent) && slices.Equal(path[:len(parent)], parent)
	}
	for _, p := range probs {
		if under(p.path) {
			return true
		}
	}
	for _, d := range checks {
		if p := labels(d.path); under(p) && len(p) > len(parent)+1 {
			return true
		}
	}
	return false
}

// checkTarget returns the value a check is about (//error-at), or the
// struct that declares it.
func (l *load) checkTarget(path []string) []string {
	parent := parentOf(path)
	if at := l.notes.checks[lastElem(path)].at; at != "" {
		return append(slices.Clone(parent), strings.Split(at, ".")...)
	}
	return slices.Clone(parent)
}

// dropFollowOns removes what follows from another problem: anything below
// a key that is not allowed (CUE reports every field of it again); a
// missing key that an unknown key next to it was meant to be (target for
// targets); and, when a value below it is reported, an evaluation error in
// the schema's own logic (if !partial with a partial that is not a bool) or
// a leaf left undecided between its plain and its operator form.
func dropFollowOns(probs []problem) []problem {
	below := func(p, q []string) bool { return len(p) > len(q) && slices.Equal(p[:len(q)], q) }
	return slices.DeleteFunc(slices.Clone(probs), func(p problem) bool {
		for _, q := range probs {
			if (q.d.Code == "unknown-key" || q.d.Code == "invalid-key") && below(p.path, q.path) {
				return true
			}
			if p.d.Code == "missing-key" && q.meant != "" && q.meant == lastElem(p.path) && slices.Equal(parentOf(q.path), parentOf(p.path)) {
				return true
			}
			if (p.d.Code == "schema" || p.d.Code == "incomplete") && q.d.Code != p.d.Code && below(q.path, p.path) {
				return true
			}
		}
		return false
	})
}

func hasDeeper(path []string, all []cueErr) bool {
	for _, e := range all {
		if len(e.path) > len(path) && slices.Equal(e.path[:len(path)], path) {
			return true
		}
	}
	return false
}

func (l *load) typeProblem(g, all []cueErr, user cue.Value) problem {
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
	if len(want) == 0 {
		want = []string{"something else"}
	}
	path := labels(first.path)
	field := fieldName(path)
	d := diag.Errorf("type", l.userPos(first, user), "%s must be %s, not %s%s", field, strings.Join(want, " or "), kindWord(got), where(parentOf(path))).
		WithPath(cuePath(first.path))
	v := valueAt(user, first.path)
	if v != "" {
		d = d.WithValue(v)
	}
	if len(path) == 0 {
		d.Message = fmt.Sprintf("the top level must be an object of policies and baselines, not %s", kindWord(got))
		d.Hint = "declare fields, e.g. policies: \"daily\": {...}; remove the value written on its own"
		return problem{d: d, path: path}
	}
	fix := typeFix(leafName(path), want, got, v)
	if _, err := strconv.Atoi(path[len(path)-1]); err == nil {
		fix = typeFix(fieldName(path), want, got, "")
	}
	note := l.comment(g, all)
	switch {
	case note == "":
		d.Hint = fix
	case fix == "" || strings.Contains(note, "e.g."):
		// The note shows the form already.
		d.Hint = note
	default:
		d.Hint = fix + "; " + note
	}
	if d.Hint == "" {
		d.Hint = fmt.Sprintf("write %s for %s", strings.Join(want, " or "), fieldName(path))
	}
	return problem{d: d, path: path}
}

// typeFix says how to write a value of the wanted kind, from the value the
// author wrote (v, as JSON) where it helps.
func typeFix(name string, want []string, got, v string) string {
	switch {
	case slices.Contains(want, "a list"):
		return fmt.Sprintf("write a list, e.g. %s: [%s]", name, exampleOf(v))
	case slices.Contains(want, "an object"):
		return fmt.Sprintf("write an object, e.g. %s: {...}", name)
	case slices.Contains(want, "true or false"):
		return fmt.Sprintf("write true or false without quotes, e.g. %s: true", name)
	case slices.Contains(want, "a string") && got == "list":
		return "write one string, not a list"
	case slices.Contains(want, "a string"):
		if v != "" && (got == "int" || got == "float" || got == "number" || got == "bool") {
			return fmt.Sprintf("write the value in double quotes, e.g. %s: %q", name, v)
		}
		return "write the value in double quotes"
	case slices.Contains(want, "a whole number"):
		if n, err := strconv.Unquote(v); err == nil && n != "" && strings.Trim(n, "0123456789") == "" {
			return fmt.Sprintf("write the number without quotes, e.g. %s: %s", name, n)
		}
		return "write a whole number without quotes or decimals"
	}
	return ""
}

func (l *load) specificProblem(g, all []cueErr, user, unified cue.Value) problem {
	first := g[0]
	path := labels(first.path)
	field := fieldName(path)
	pos := l.userPos(first, user)
	hint := l.comment(g, all)
	var d diag.Diagnostic
	switch {
	case first.format == "field not allowed" || strings.HasSuffix(first.msg(), "field not allowed"):
		return l.keyProblem(path, pos, unified)
	case strings.Contains(first.format, "required but not present"):
		if p, ok := l.decls.pos(parentOf(path)); ok {
			pos = p
		}
		d = diag.Errorf("missing-key", pos, "missing required key %q%s", lastElem(path), where(parentOf(path)))
		if hint == "" {
			hint = fmt.Sprintf("add %s", lastElem(path))
		}
	case strings.Contains(first.msg(), "list.UniqueItems"):
		if p, ok := l.duplicate(path, user); ok {
			return p
		}
		d = diag.Errorf("duplicate", pos, "%s lists an entry more than once%s", field, where(parentOf(path)))
		hint = "remove the repeated entry"
	case strings.Contains(first.msg(), "cycle"):
		d = diag.Errorf("cycle", pos, "%s refers to itself%s", field, where(parentOf(path)))
		hint = "a value cannot be defined in terms of itself; write it out, or refer to another field"
	case strings.HasPrefix(first.format, "incomplete value") || strings.Contains(first.msg(), "incomplete value"):
		d = diag.Errorf("incomplete", pos, "%s has no concrete value%s", field, where(parentOf(path)))
		hint = fmt.Sprintf("give %s one concrete value; a type (string), a constraint (>=60) or a choice (a | b) alone is not enough", field)
	case strings.Contains(first.format, "out of bound") || strings.HasPrefix(first.format, "conflicting values") ||
		strings.Contains(first.format, "invalid value") || strings.Contains(first.msg(), "incompatible list lengths"):
		if lastElem(path) == childOperators {
			if p, ok := l.decls.pos(path); ok {
				pos = p
			}
		}
		d = diag.Errorf("invalid-value", pos, "invalid %s%s", field, where(parentOf(path)))
		if n, bound, ok := runeBound(first.msg(), user.LookupPath(selectors(path))); ok {
			d.Message = fmt.Sprintf("%s is %d characters long, %s%s", field, n, bound, where(parentOf(path)))
		}
		if hint == "" {
			hint = allowedValues(g)
		}
	default:
		d = diag.Errorf("schema", pos, "%s: %s%s", field, first.msg(), where(parentOf(path)))
	}
	d = d.WithPath(cuePath(first.path))
	if hint == "" {
		hint = "see the schema constraint for what is allowed here"
	}
	d.Hint = hint
	if d.Code != "missing-key" {
		if v := valueAt(user, first.path); v != "" {
			d = d.WithValue(v)
		}
	}
	// Keep one schema position for maintainers who want to see the rule.
	for _, p := range first.positions() {
		if isSchema(p) {
			d = d.WithRelated(posOf(p), "schema constraint")
			break
		}
	}
	return problem{d: d, path: path}
}

// runeBound explains a failed strings.MaxRunes or strings.MinRunes: how
// long the value is and what the bound is.
func runeBound(msg string, v cue.Value) (int, string, bool) {
	s, err := v.String()
	if err != nil {
		return 0, "", false
	}
	for _, b := range []struct{ fn, word string }{{"strings.MaxRunes(", "at most"}, {"strings.MinRunes(", "at least"}} {
		i := strings.Index(msg, b.fn)
		if i < 0 {
			continue
		}
		rest := msg[i+len(b.fn):]
		j := strings.IndexByte(rest, ')')
		if j < 0 {
			continue
		}
		return utf8.RuneCountInString(s), fmt.Sprintf("%s %s allowed", b.word, rest[:j]), true
	}
	return 0, "", false
}

// keyProblem reports a key that the schema does not allow: a name that
// breaks the pattern of a map (rules: "my rule"), or an unknown key.
func (l *load) keyProblem(path []string, pos doc.Pos, unified cue.Value) problem {
	if p, ok := l.decls.pos(path); ok {
		pos = p
	}
	key := lastElem(path)
	parent := parentOf(path)
	sh := l.shape(parent)
	var d diag.Diagnostic
	if sh.kind == mapShape {
		kp := l.notes.keys[lastElem(parent)]
		d = diag.Errorf("invalid-key", pos, "invalid %s %q%s", keyWord(lastElem(parent), kp.def), key, where(parent))
		hint := kp.note.msg
		if hint == "" {
			hint = "rename the key"
		}
		d = d.WithHint("%s", hint)
	} else if sh.spec != nil && (sh.spec.Kind == backup.Leaf || sh.spec.Kind == backup.List) {
		// The object form of a setting holds inheritance operators.
		setting := lastElem(parent)
		example, ops := "60", `{"@@assign": ...}`
		if sh.spec.Kind == backup.List {
			example, ops = "[...]", `{"@@assign": [...]}, {"@@append": [...]} or {"@@remove": [...]}`
		}
		d = diag.Errorf("unknown-key", pos, "unknown key %q in %s%s", key, setting, where(parent))
		h := fmt.Sprintf("%s takes a value (%s: %s) or the AWS operator form %s", setting, setting, example, ops)
		if best := suggest.Closest(key, sh.keys); best != "" && strings.HasPrefix(key, "@@") {
			h = fmt.Sprintf("did you mean %q? ", best) + h
		}
		d = d.WithHint("%s", h)
	} else {
		d = diag.Errorf("unknown-key", pos, "unknown key %q%s", key, where(parent))
		h, best := l.allowedHint(parent, key, sh, unified)
		if h == "" {
			h = fmt.Sprintf("remove %q or move it where it belongs", key)
		}
		d = d.WithHint("%s", h)
		return problem{d: d.WithPath(cuePath(quoteLabels(path))), path: path, meant: best}
	}
	return problem{d: d.WithPath(cuePath(quoteLabels(path))), path: path}
}

// duplicate reports the second occurrence of a repeated list entry.
func (l *load) duplicate(path []string, user cue.Value) (problem, bool) {
	list := user.LookupPath(selectors(path))
	it, err := list.List()
	if err != nil {
		return problem{}, false
	}
	seen := map[string]bool{}
	for i := 0; it.Next(); i++ {
		b, err := it.Value().MarshalJSON()
		if err != nil {
			continue
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			continue
		}
		ip := append(slices.Clone(path), strconv.Itoa(i))
		pos, ok := l.decls.pos(ip)
		if !ok {
			pos = posOf(it.Value().Pos())
		}
		d := diag.Errorf("duplicate", pos, "%s lists %s more than once%s", fieldName(path), b, where(parentOf(path))).
			WithPath(cuePath(quoteLabels(path))).WithValue(string(b)).
			WithHint("remove the repeated %s", b)
		return problem{d: d, path: ip}, true
	}
	return problem{}, false
}

// checkProblem reports a failed hidden check, with the schema's words, at
// the value it is about (//error-at), and with the count it found.
func (l *load) checkProblem(c cueErr, user cue.Value) problem {
	path := labels(c.path)
	name := lastElem(path)
	parent := parentOf(path)
	nt, ok := l.notes.checks[name]
	if !ok {
		nt = note{msg: "constraint failed: " + strings.ReplaceAll(strings.TrimPrefix(name, "_"), "_", " ")}
	}
	target := l.checkTarget(path)
	pos, ok := l.decls.pos(target)
	if !ok {
		pos = l.userPos(c, user)
	}
	msg := nt.msg
	value := ""
	subject := describe(parent)
	if n, ok := l.count(user, target); ok && subject != "" {
		if n == 0 {
			msg += fmt.Sprintf("; %s has none", subject)
		} else {
			msg += fmt.Sprintf("; %s has %d", subject, n)
		}
	} else {
		msg += where(parent)
	}
	if v := valueAt(user, quoteLabels(target)); v != "" && !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") {
		value = v
	}
	hint := nt.hint
	if hint == "" {
		hint = "see the schema constraint for what is allowed here"
	}
	d := diag.Errorf("constraint", pos, "%s", msg).WithPath(cuePath(quoteLabels(target))).WithHint("%s", hint).WithValue(value)
	for _, p := range c.positions() {
		if isSchema(p) {
			d = d.WithRelated(posOf(p), "schema constraint")
			break
		}
	}
	return problem{d: d, path: target}
}

// count returns how many entries a list or map holds, for the message of a
// failed count check; an object of maps (selections, conditions) counts the
// entries of its maps. ok is false for a single value.
func (l *load) count(user cue.Value, path []string) (int, bool) {
	v := user.LookupPath(selectors(path))
	switch v.Kind() {
	case cue.ListKind:
		n, err := v.Len().Int64()
		return int(n), err == nil
	case cue.StructKind:
		sh := l.shape(path)
		if sh.spec != nil && sh.spec.Kind == backup.Object {
			n := 0
			for k, c := range fields(v) {
				if s := sh.spec.Fields[k]; s != nil && s.Kind == backup.Map {
					n += entries(c)
				}
			}
			return n, true
		}
		return entries(v), true
	}
	return 0, false
}

// entries counts the keys of a map, leaving out inheritance operators.
func entries(v cue.Value) int {
	n := 0
	for k := range fields(v) {
		if !strings.HasPrefix(k, "@@") {
			n++
		}
	}
	return n
}

// userPos picks the position in the user's files closest to the problem.
func (l *load) userPos(e cueErr, user cue.Value) doc.Pos {
	for _, p := range e.positions() {
		if p.IsValid() && !isSchema(p) {
			return posOf(p)
		}
	}
	// The error lies in the schema alone (a missing key, a failed count):
	// point at the nearest enclosing value the user wrote.
	path := labels(e.path)
	for n := len(path); n >= 0; n-- {
		if p, ok := l.decls.pos(path[:n]); ok {
			return p
		}
		v := user.LookupPath(selectors(path[:n]))
		if v.Exists() {
			if p := v.Pos(); p.IsValid() && !isSchema(p) {
				return posOf(p)
			}
		}
	}
	return doc.Pos{}
}

// comment finds the `//error:` text for the first schema position of the
// errors that has one. A value in the operator form fails inside the leaf
// definition; when that has no text, the text of the setting applies, which
// the errors about the setting itself carry.
func (l *load) comment(g, all []cueErr) string {
	path := g[0].path
	setting := settingName(labels(path))
	if c := l.commentOf(g, setting); c != "" {
		return c
	}
	if i := slices.IndexFunc(path, isValueOperator); i >= 0 {
		var errs []cueErr
		for _, e := range all {
			if slices.Equal(e.path, path[:i]) {
				errs = append(errs, e)
			}
		}
		if c := l.commentOf(errs, setting); c != "" {
			return c
		}
	}
	return l.notes.settings[setting].msg
}

// commentOf returns the first note among the schema positions of the
// errors that is about the setting: declared with its name, or a
// definition its value must satisfy. The positions also run through the
// structs around the setting (plans, rules), whose notes are about those.
func (l *load) commentOf(g []cueErr, setting string) string {
	for _, e := range g {
		for _, p := range e.positions() {
			if !isSchema(p) {
				continue
			}
			nt := l.notes.byLine[p.Filename()][p.Line()]
			if nt.msg != "" && (nt.label == setting || strings.HasPrefix(nt.label, "#")) {
				return nt.msg
			}
		}
	}
	return ""
}

// settingName is the name of the setting a path is about: regions for
// regions.1 and regions."@@append".0.
func settingName(path []string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(path[i]); err == nil || isValueOperator(path[i]) {
			continue
		}
		return path[i]
	}
	return ""
}

func isSchema(p token.Pos) bool {
	return p.IsValid() && strings.HasPrefix(p.Filename(), SchemaDir+"/")
}

// isValueOperator reports whether a path element is a value-setting
// inheritance operator: below it lies the value of a setting in the
// operator form.
func isValueOperator(s string) bool {
	s = unquote(s)
	return s == "@@assign" || s == "@@append" || s == "@@remove"
}

// allowedHint lists the keys the schema allows where an unknown key was
// found, leading with the closest one: most unknown keys are typos.
func (l *load) allowedHint(parent []string, bad string, sh shape, unified cue.Value) (hint, best string) {
	allowed := sh.keys
	if sh.kind == unknownShape {
		v := unified.LookupPath(selectors(parent))
		if v.Exists() {
			if it, err := v.Fields(cue.Optional(true)); err == nil {
				for it.Next() {
					if s := it.Selector(); s.IsString() {
						allowed = append(allowed, s.Unquoted())
					}
				}
			}
		}
	}
	allowed = slices.DeleteFunc(slices.Clone(allowed), func(s string) bool { return s == bad || s == childOperators })
	slices.Sort(allowed)
	allowed = slices.Compact(allowed)
	best = closestKey(bad, allowed)
	h := ""
	if best != "" {
		h = fmt.Sprintf("did you mean %q? ", best)
	}
	if len(parent) == 0 {
		return h + fmt.Sprintf("the top level holds policies and baselines; for shared values use a hidden field (_%s) or a definition (#%s)", bad, bad), best
	}
	if len(allowed) == 0 {
		return "", ""
	}
	q := make([]string, len(allowed))
	for i, a := range allowed {
		q[i] = a
		if strings.HasPrefix(a, "@@") {
			q[i] = strconv.Quote(a)
		}
	}
	return h + "allowed keys here: " + strings.Join(q, ", "), best
}

// closestKey suggests the allowed key an unknown one was meant to be: a
// typo (suggest.Closest), or a key that leaves out or shortens words of
// the real one, such as delete_after for delete_after_days, or resources
// for resource_types (the Backup API's name, a common mistake in policies).
func closestKey(bad string, allowed []string) string {
	if best := suggest.Closest(bad, allowed); best != "" {
		return best
	}
	words := strings.Split(strings.ToLower(bad), "_")
	best, extra := "", 0
	for _, a := range allowed {
		aw := strings.Split(strings.ToLower(a), "_")
		i := 0
		for _, w := range aw {
			if i < len(words) && (w == words[i] || w+"s" == words[i] || w == words[i]+"s") {
				i++
			}
		}
		if i == len(words) && (best == "" || len(aw)-len(words) < extra) {
			best, extra = a, len(aw)-len(words)
		}
	}
	return best
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
	case "float":
		return "a decimal number"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	case "null":
		return "null"
	case "bytes":
		return "bytes"
	}
	return k
}

// keyWord names what the keys of a map are, for "invalid rule name".
func keyWord(label, def string) string {
	switch label {
	case "copy_actions":
		return "copy action key"
	case "recovery_point_tags", "backup_plan_tags":
		return "tag id"
	case "string_equals", "string_not_equals", "string_like", "string_not_like":
		return "condition id"
	}
	var b strings.Builder
	for i, r := range strings.TrimPrefix(def, "#") {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "key"
	}
	return b.String()
}

func exampleOf(v string) string {
	if v == "" {
		return "..."
	}
	return v
}

// labels unquotes the labels of a path as CUE prints it.
func labels(path []string) []string {
	out := make([]string, len(path))
	for i, p := range path {
		out[i] = unquote(p)
	}
	return out
}

// quoteLabels quotes the labels that are not identifiers, the way CUE
// prints paths.
func quoteLabels(path []string) []string {
	out := make([]string, len(path))
	for i, p := range path {
		out[i] = p
		if _, err := strconv.Atoi(p); err == nil || isIdentifier(p) {
			continue
		}
		out[i] = strconv.Quote(p)
	}
	return out
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return !strings.HasPrefix(s, "_") && !strings.HasPrefix(s, "#")
}

func parentOf(path []string) []string {
	if len(path) == 0 {
		return nil
	}
	return path[:len(path)-1]
}

// leafName names the setting a path is about, looking through the operator
// form: regions for regions."@@append".
func leafName(path []string) string {
	if i := slices.IndexFunc(path, isValueOperator); i > 0 {
		path = path[:i]
	}
	if len(path) == 0 {
		return "value"
	}
	return path[len(path)-1]
}

// fieldName names the last element of a path for a message: "regions[1]"
// for a list element, the key otherwise; a value in the operator form is
// named by its setting.
func fieldName(path []string) string {
	if i := slices.IndexFunc(path, isValueOperator); i > 0 {
		path = append(slices.Clone(path[:i]), path[i+1:]...)
	}
	if len(path) == 0 {
		return "value"
	}
	last := path[len(path)-1]
	if _, err := strconv.Atoi(last); err == nil && len(path) > 1 {
		return fmt.Sprintf("%s[%s]", quoteLabels(path[len(path)-2 : len(path)-1])[0], last)
	}
	return quoteLabels(path[len(path)-1:])[0]
}

func lastElem(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return unquote(path[len(path)-1])
}

// where describes the enclosing object of a path for messages, e.g.
// ` in rule "hourly" of plan "daily" of policy "p"`.
func where(path []string) string {
	if s := describe(path); s != "" {
		return " in " + s
	}
	return ""
}

// describe names the innermost policy, baseline, plan, rule, copy action or
// selection a path lies in, and those around it: `rule "hourly" of plan
// "daily" of policy "p"`.
func describe(path []string) string {
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
			if i > 0 && path[i-1] == "selections" && (path[i] == "tags" || path[i] == "resources") {
				kind = "selection"
				break
			}
			continue
		}
		i++
		parts = append(parts, fmt.Sprintf("%s %q", kind, unquote(path[i])))
	}
	slices.Reverse(parts)
	return strings.Join(parts, " of ")
}

func unquote(s string) string {
	if strings.HasPrefix(s, `"`) {
		if u, err := unquoteLabel(s); err == nil {
			return u
		}
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
		if strings.HasPrefix(p, "_") {
			sels = append(sels, cue.Hid(p, "_"))
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

// userErrors explains errors in the user's definitions on their own, before
// the schema is involved: two declarations of a field that disagree, a
// reference to a name defined nowhere.
func (l *load) userErrors(err error, user cue.Value) diag.List {
	var out diag.List
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		ce := newCueErr(e)
		if strings.Contains(ce.format, "errors in empty disjunction") {
			continue
		}
		k := ce.key() + "\x00" + ce.msg()
		if seen[k] {
			continue
		}
		seen[k] = true
		path := labels(ce.path)
		var at []doc.Pos
		for _, p := range ce.positions() {
			if p.IsValid() && !isSchema(p) && !slices.Contains(at, posOf(p)) {
				at = append(at, posOf(p))
			}
		}
		slices.SortFunc(at, func(a, b doc.Pos) int {
			if a.File != b.File {
				return strings.Compare(a.File, b.File)
			}
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		pos := doc.Pos{}
		if len(at) > 0 {
			pos = at[0]
		}
		var d diag.Diagnostic
		switch {
		case strings.HasPrefix(ce.format, "conflicting values") && len(ce.args) >= 2:
			what := fmt.Sprintf("with two different values, %s and %s", ce.msgArg(0), ce.msgArg(1))
			if strings.Contains(ce.format, "mismatched types") && len(ce.args) >= 4 {
				what = fmt.Sprintf("as %s in one place and as %s in another", kindWord(ce.msgArg(2)), kindWord(ce.msgArg(3)))
			}
			d = diag.Errorf("conflict", pos, "%s is declared %s%s", fieldName(path), what, where(parentOf(path))).
				WithHint("CUE merges all files of the directory into one value, so a field declared in several places must have the same value everywhere; keep one declaration")
		case strings.Contains(ce.format, "reference") && strings.Contains(ce.format, "not found"):
			name := ce.msgArg(0)
			d = diag.Errorf("reference", pos, "undefined name %s%s", name, where(path)).
				WithHint("define %s in a file of the directory (as a hidden field _x or a definition #X for shared values), fix its spelling, or write a string in double quotes", name)
		case strings.Contains(ce.msg(), "explicit error"):
			what := "this value"
			if len(path) > 0 {
				what = fieldName(path)
			}
			d = diag.Errorf("cue", pos, "%s is an explicit error (_|_)%s", what, where(parentOf(path))).
				WithHint("replace _|_ with a value, or remove the field")
		case strings.Contains(ce.format, "structural cycle") || strings.Contains(ce.msg(), "cycle"):
			d = diag.Errorf("cycle", pos, "%s refers to itself%s", fieldName(path), where(parentOf(path))).
				WithHint("a value cannot be defined in terms of itself; break the loop of references")
		default:
			d = diag.Errorf("cue", pos, "%s%s", ce.msg(), where(path)).
				WithHint("fix the definition at this position; `cue eval` on the directory shows the same error")
		}
		d = d.WithPath(cuePath(ce.path))
		for _, p := range at[min(1, len(at)):] {
			d = d.WithRelated(p, "also declared here")
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		out = append(out, diag.Errorf("cue", doc.Pos{}, "%v", err).WithHint("fix the definitions; `cue eval` on the directory shows the same error"))
	}
	return out
}

// msgArg renders one argument of the error's message as CUE prints it.
func (e cueErr) msgArg(i int) string {
	if i >= len(e.args) {
		return ""
	}
	return fmt.Sprint(e.args[i])
}
