package org

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
	suggestpkg "github.com/orgbackup/orgbackup/internal/suggest"
)

// LoadError is returned by Load and Parse. It lists every problem found in
// the snapshot, sorted by position, so that one run shows them all.
type LoadError struct {
	File     string
	Problems []Problem
}

// Problem is one thing wrong with a snapshot.
type Problem struct {
	Pos  doc.Pos
	Msg  string // what is wrong, lower-case
	Hint string // how to fix it; may be empty
}

// String renders the problem as "file:line:col: msg (hint)".
func (p Problem) String() string {
	if p.Hint == "" {
		return p.Pos.String() + ": " + p.Msg
	}
	return p.Pos.String() + ": " + p.Msg + " (" + p.Hint + ")"
}

// maxListed bounds Error's output; Problems always holds everything.
const maxListed = 50

// Error renders the problems one per line, at most 50 of them.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxListed {
			fmt.Fprintf(&b, "\n... and %d more problems", len(e.Problems)-maxListed)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems while a snapshot is checked. The fast path
// (no positions) only needs to know whether there were any.
type problems struct {
	list []Problem
}

func (ps *problems) add(pos doc.Pos, hint, format string, args ...any) {
	ps.list = append(ps.list, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	slices.SortStableFunc(ps.list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col), strings.Compare(a.Msg, b.Msg))
	})
	// Two checks can trip over the same thing (a bad id is both malformed
	// and unmatched, say); say it once.
	ps.list = slices.CompactFunc(ps.list, func(a, b Problem) bool { return a == b })
	return &LoadError{File: file, Problems: ps.list}
}

// suggest returns up to three candidates close to word; see suggest.Top.
func suggest(word string, candidates []string) []string { return suggestpkg.Top(word, candidates, 3) }

// didYouMean renders suggestions as a hint, or "" if there are none.
func didYouMean(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("did you mean %q?", s[0])
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?"
}

// joinHints joins the non-empty hints with "; ".
func joinHints(h ...string) string {
	var nonEmpty []string
	for _, s := range h {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	return strings.Join(nonEmpty, "; ")
}
