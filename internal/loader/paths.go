package loader

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

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

func lastElem(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return unquote(path[len(path)-1])
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
