package loader

import (
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// duplicates reports a policy whose plans, or a baseline whose settings,
// are written in more than one file. CUE unifies them without complaint, so
// two files that happen to use one name (a copy-paste, a merge of two pull
// requests) would silently become one policy with both sets of plans. The
// one split that is meant to work is a JSON document holding the plans and
// a CUE file attaching it (targets, description, partial), so only the
// plans and the baselines are checked.
func (l *load) duplicates(repo *policy.Repo) diag.List {
	var out diag.List
	report := func(kind, name string, path []string, what string) {
		sites := l.decls.files(path)
		if len(sites) < 2 {
			return
		}
		var where []string
		for _, s := range sites {
			where = append(where, s.Filename())
		}
		d := diag.Errorf("duplicate-definition", posOf(sites[1]),
			"%s %q is defined in %d files (%s); CUE would silently merge them into one %s",
			kind, name, len(sites), strings.Join(where, ", "), what).
			WithHint("keep each %s in one file; if the name is used twice by mistake, rename one of them", kind).
			WithPath(cuePath(quoteLabels(path)))
		for _, s := range slices.Concat(sites[:1], sites[2:]) {
			d = d.WithRelated(posOf(s), "also defined here")
		}
		out = append(out, d)
	}
	for _, p := range repo.Policies {
		report("policy", p.Name, []string{"policies", p.Name, "plans"}, "policy with both sets of plans")
	}
	for _, b := range repo.Baselines {
		report("baseline", b.Name, []string{"baselines", b.Name}, "baseline")
	}
	return out
}
