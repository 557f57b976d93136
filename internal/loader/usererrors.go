package loader

import (
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// userErrors explains errors in the user's definitions on their own, before
// the schema is involved: two declarations of a field that disagree, a
// reference to a name defined nowhere.
func (l *load) userErrors(err error, user cue.Value) diag.List {
	var out diag.List
	for _, ce := range flatten(cueerrors.Errors(err), nil) {
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
		case (ce.m.kind == conflict || ce.m.kind == typeMismatch) && ce.m.a != "":
			what := fmt.Sprintf("with two different values, %s and %s", ce.m.a, ce.m.b)
			if ce.m.kind == typeMismatch && ce.m.got != "" {
				what = fmt.Sprintf("as %s in one place and as %s in another", kindWord(ce.m.got), kindWord(ce.m.want))
			}
			d = diag.Errorf("conflict", pos, "%s is declared %s%s", fieldName(path), what, where(parentOf(path))).
				WithHint("CUE merges all files of the directory into one value, so a field declared in several places must have the same value everywhere; keep one declaration")
		case ce.m.kind == undefinedRef:
			name := ce.m.name
			d = diag.Errorf("reference", pos, "undefined name %s%s", name, where(path)).
				WithHint("define %s in a file of the directory (as a hidden field _x or a definition #X for shared values), fix its spelling, or write a string in double quotes", name)
		case ce.m.kind == explicitError:
			what := "this value"
			if len(path) > 0 {
				what = fieldName(path)
			}
			d = diag.Errorf("cue", pos, "%s is an explicit error (_|_)%s", what, where(parentOf(path))).
				WithHint("replace _|_ with a value, or remove the field")
		case ce.m.kind == cycle:
			d = diag.Errorf("cycle", pos, "%s refers to itself%s", fieldName(path), where(parentOf(path))).
				WithHint("a value cannot be defined in terms of itself; break the loop of references")
		default:
			d = diag.Errorf("cue", pos, "%s%s", ce.msg, where(path)).
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
