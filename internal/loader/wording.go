package loader

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/orgbackup/orgbackup/internal/suggest"
)

// numbers prints numbers as people read them, 10,000: the lengths and
// counts in messages are whatever an author wrote.
var numbers = message.NewPrinter(language.English)

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

// runeBound explains a failed strings.MaxRunes or strings.MinRunes: how
// long the value is and what the bound is.
func runeBound(validator string, v cue.Value) (int, string, bool) {
	s, err := v.String()
	if err != nil {
		return 0, "", false
	}
	for _, b := range []struct{ fn, word string }{{"strings.MaxRunes(", "at most"}, {"strings.MinRunes(", "at least"}} {
		i := strings.Index(validator, b.fn)
		if i < 0 {
			continue
		}
		rest := validator[i+len(b.fn):]
		j := strings.IndexByte(rest, ')')
		if j < 0 {
			continue
		}
		return utf8.RuneCountInString(s), fmt.Sprintf("%s %s allowed", b.word, rest[:j]), true
	}
	return 0, "", false
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
		if e.m.kind == conflict && e.m.a != "" {
			vals = append(vals, e.m.a)
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
