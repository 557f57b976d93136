package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/diag"
)

// When the definitions do not satisfy the schema, the checks run on them
// as written (loader.Load's salvage), so that one run reports every
// problem: the schema's and those only the checks see (a vault no
// baseline provides, a document over the size limit). A value the schema
// rejected is then seen by the checks too; merge keeps one diagnostic for
// it, and drops what the checks find because of it.

// settled reports whether loading found no error outside the policies:
// the baselines and the repository's settings are what they say.
func settled(loaded diag.List) bool {
	for _, d := range loaded {
		if it := item(splitPath(d.Path)); d.Severity == diag.Error && (it == "" || strings.HasPrefix(it, "baselines\x00")) {
			return false
		}
	}
	return true
}

// merge combines the diagnostics of loading with those of the checks.
// Without errors from loading, the checks ran on definitions the schema
// accepted, and nothing is dropped. Otherwise, in a policy with errors:
//
//   - required and unknown keys are the schema's to report (the checks
//     repeat them, or report a key the schema found misspelt as missing);
//   - what the checks find at or below a value the schema rejected
//     follows from it, and is dropped, and so is an error about a setting
//     or a map that holds such a value;
//   - at a value both reject as out of AWS's bounds (an invalid value, a
//     failed constraint), the check's words are kept and the schema's
//     dropped: the checks word what AWS says, and they alone see a number
//     written as a string in the operator form, so a value gets the same
//     message in a .cue file and in a dropped-in .json document.
func merge(loaded, checked diag.List) diag.List {
	type rejected struct {
		path []string
		i    int
	}
	var rej []rejected
	broken := map[string]bool{}
	for i, d := range loaded {
		p := splitPath(d.Path)
		if d.Severity != diag.Error || len(p) == 0 {
			continue
		}
		broken[item(p)] = true
		rej = append(rej, rejected{p, i})
	}
	if len(rej) == 0 {
		return append(slices.Clone(loaded), checked...)
	}
	drop := map[int]bool{} // of loaded
	var out diag.List
	for _, c := range checked {
		cp := splitPath(c.Path)
		if !broken[item(cp)] {
			out = append(out, c)
			continue
		}
		if c.Code == "key-required" || c.Code == "unknown-key" || c.Code == "duplicate-key" {
			continue
		}
		keep := true
		for _, r := range rej {
			l := loaded[r.i]
			switch {
			case len(cp) > 2 && len(cp) < len(r.path) && under(r.path, cp) && c.Severity == diag.Error:
				// A check of a setting or a map the schema found
				// something wrong inside: lifecycle.delete_after_days
				// is not a number when it is {days: 7}.
				keep = false
			case !under(cp, r.path):
			case len(cp) == len(r.path) && sameRule(l, c):
				drop[r.i] = true
			case len(cp) > len(r.path) && (l.Code == "constraint" || l.Code == "missing-key"):
				// Below a count over a map or a key that is missing:
				// the values are the author's, judged on their own.
			default:
				keep = false
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	for i, d := range loaded {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out
}

// sameRule reports whether l, of loading, and c, of the checks, judge one
// value against one of AWS's bounds: a number or a lifecycle out of
// range, not a count (counts do not depend on how values are written, and
// keep the schema's words).
func sameRule(l, c diag.Diagnostic) bool {
	return c.Severity == diag.Error && (l.Code == "invalid-value" || l.Code == "constraint") && !strings.HasPrefix(c.Code, "elements-too-")
}

// under reports whether path p is q or lies below it.
func under(p, q []string) bool {
	return len(p) >= len(q) && slices.Equal(p[:len(q)], q)
}

// item names the policy or baseline a configuration path lies in
// ("policies\x00p"), or "" for a path outside them.
func item(p []string) string {
	if len(p) >= 2 && (p[0] == "policies" || p[0] == "baselines") {
		return p[0] + "\x00" + p[1]
	}
	return ""
}

// splitPath splits a configuration path as validate prints it
// (policies."my-policy".plans.daily.regions.0) into its labels, unquoted,
// leaving out the value operators of the operator form, below which lies
// the value the checks see.
func splitPath(path string) []string {
	var out []string
	for path != "" {
		label := path
		if path[0] == '"' {
			// A quoted label ends at the first unescaped quote.
			end := 1
			for end < len(path) && path[end] != '"' {
				if path[end] == '\\' {
					end++
				}
				end++
			}
			label = path[:min(end+1, len(path))]
			if u, err := strconv.Unquote(label); err == nil {
				label = u
			}
			path = strings.TrimPrefix(path[min(end+1, len(path)):], ".")
		} else {
			label, path, _ = strings.Cut(path, ".")
		}
		switch label {
		case "@@assign", "@@append", "@@remove":
			continue
		}
		out = append(out, label)
	}
	return out
}
