package loader

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

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
	errs := flatten(raw, func(ce *cueErr) {
		// @@operators_allowed_for_child_policies is one of three list
		// shapes; its elements fail in one branch or another, and the
		// list as a whole is what is wrong.
		if i := slices.IndexFunc(ce.path, func(s string) bool { return unquote(s) == childOperators }); i >= 0 {
			ce.path = ce.path[:i+1]
		}
	})

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
			if e.m.kind != typeMismatch {
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
			out = append(out, diag.Errorf("schema", l.userPos(e, user), "%s: %s", cuePath(e.path), e.msg).
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
		if e.m.kind != typeMismatch || e.m.got == "" {
			continue
		}
		got = e.m.got
		if e.m.want != "struct" || len(g) == 1 {
			want = append(want, kindWord(e.m.want))
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

func (l *load) specificProblem(g, all []cueErr, user, unified cue.Value) problem {
	first := g[0]
	path := labels(first.path)
	field := fieldName(path)
	pos := l.userPos(first, user)
	hint := l.comment(g, all)
	var d diag.Diagnostic
	switch {
	case first.m.kind == notAllowed:
		return l.keyProblem(path, pos, unified)
	case first.m.kind == required:
		if p, ok := l.decls.pos(parentOf(path)); ok {
			pos = p
		}
		d = diag.Errorf("missing-key", pos, "missing required key %q%s", lastElem(path), where(parentOf(path)))
		if hint == "" {
			hint = fmt.Sprintf("add %s", lastElem(path))
		}
	case first.m.kind == unsatisfied && strings.HasPrefix(first.m.validator, "list.UniqueItems"):
		if p, ok := l.duplicate(path, user); ok {
			return p
		}
		d = diag.Errorf("duplicate", pos, "%s lists an entry more than once%s", field, where(parentOf(path)))
		hint = "remove the repeated entry"
	case first.m.kind == cycle:
		d = diag.Errorf("cycle", pos, "%s refers to itself%s", field, where(parentOf(path)))
		hint = "a value cannot be defined in terms of itself; write it out, or refer to another field"
	case first.m.kind == incomplete:
		d = diag.Errorf("incomplete", pos, "%s has no concrete value%s", field, where(parentOf(path)))
		hint = fmt.Sprintf("give %s one concrete value; a type (string), a constraint (>=60) or a choice (a | b) alone is not enough", field)
	case slices.Contains([]msgKind{outOfBound, conflict, unsatisfied, invalidValue, listLength}, first.m.kind):
		if lastElem(path) == childOperators {
			if p, ok := l.decls.pos(path); ok {
				pos = p
			}
		}
		d = diag.Errorf("invalid-value", pos, "invalid %s%s", field, where(parentOf(path)))
		if n, bound, ok := runeBound(first.m.validator, user.LookupPath(selectors(path))); ok {
			d.Message = fmt.Sprintf("%s is %s characters long, %s%s", field, numbers.Sprint(n), bound, where(parentOf(path)))
		}
		if hint == "" {
			hint = allowedValues(g)
		}
	default:
		d = diag.Errorf("schema", pos, "%s: %s%s", field, first.msg, where(parentOf(path)))
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
			msg += fmt.Sprintf("; %s has %s", subject, numbers.Sprint(n))
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
