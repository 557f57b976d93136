// Package suggest finds the closest matches for a misspelt name, for "did
// you mean" hints: most unknown keys, vault names and targets are typos.
package suggest

import (
	"cmp"
	"slices"
	"strings"
)

// Top returns up to n candidates close enough to word to be plausible
// typos of it: case-insensitive matches first, then by edit distance, then
// alphabetically. Longer words tolerate more edits (1 below 4 runes, 2
// below 12, 3 from 12), so "Workload" suggests "Workloads" and "xyz"
// suggests nothing.
func Top(word string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	limit := 1
	switch l := len([]rune(word)); {
	case l >= 12:
		limit = 3
	case l >= 4:
		limit = 2
	}
	var out []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == word || seen[c] {
			continue
		}
		seen[c] = true
		d := 0
		if !strings.EqualFold(c, word) {
			d = 1 + Distance(word, c, limit)
			if d > limit+1 {
				continue
			}
		}
		out = append(out, scored{c, d})
	}
	slices.SortFunc(out, func(a, b scored) int { return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(a.s, b.s)) })
	if len(out) > n {
		out = out[:n]
	}
	s := make([]string, len(out))
	for i, o := range out {
		s[i] = o.s
	}
	return s
}

// Closest returns the best candidate from Top, or "".
func Closest(word string, candidates []string) string {
	if t := Top(word, candidates, 1); len(t) > 0 {
		return t[0]
	}
	return ""
}

// Distance is the optimal-string-alignment edit distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions, so
// "nmae" is one edit from "name"), counted in runes. It gives up and
// returns limit+1 as soon as the distance must exceed limit, which keeps
// suggestions over 10,000 account ids cheap.
func Distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
