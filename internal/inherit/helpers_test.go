package inherit

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// pol is a policy written inline in a test.
type pol struct{ id, json string }

// mustParse parses JSON or fails the test.
func mustParse(t testing.TB, name, src string) *doc.Node {
	t.Helper()
	n, err := doc.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return n
}

// chain builds levels from inline policies; level i gets target "L<i>".
func chain(t testing.TB, levels ...[]pol) []Level {
	t.Helper()
	var out []Level
	for i, ps := range levels {
		l := Level{Target: fmt.Sprintf("L%d", i)}
		for _, p := range ps {
			l.Policies = append(l.Policies, Policy{ID: p.id, Doc: mustParse(t, p.id+".json", p.json)})
		}
		out = append(out, l)
	}
	return out
}

// canon returns the canonical indented form of a JSON text.
func canon(t testing.TB, src string) string {
	t.Helper()
	return string(mustParse(t, "want", src).Indent())
}

// noteSummary is the stable part of a note that tests compare:
// "kind level policy path", plus " by <policy>" when another policy caused it.
func noteSummary(n Note) string {
	s := fmt.Sprintf("%s %d %s %s", n.Kind, n.Level, n.Policy, PathString(n.Path))
	if n.By != "" {
		s += " by " + n.By
	}
	return s
}

func noteSummaries(ns []Note) []string {
	var out []string
	for _, n := range ns {
		out = append(out, noteSummary(n))
	}
	return out
}

// lowerKeys returns a copy of n with every object key lower-cased.
func lowerKeys(n *doc.Node) *doc.Node {
	c := n.Clone()
	doc.Walk(c, func(_ []string, m *doc.Node) bool {
		for i := range m.Fields {
			m.Fields[i].Key = strings.ToLower(m.Fields[i].Key)
		}
		return true
	})
	return c
}

// lineDiff compares two lists of lines and describes the difference, or
// returns "" if they are equal. go.mod does not carry go-cmp, so this
// package keeps its own small diff.
func lineDiff(want, got []string) string {
	if slices.Equal(want, got) {
		return ""
	}
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "-%s\n", want[i])
		case i >= len(want):
			fmt.Fprintf(&b, "+%s\n", got[i])
		case want[i] != got[i]:
			fmt.Fprintf(&b, "-%s\n+%s\n", want[i], got[i])
		default:
			fmt.Fprintf(&b, " %s\n", want[i])
		}
	}
	return b.String()
}

// notesText renders notes one per line, for failure messages.
func notesText(ns []Note) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "  %s: %s\n", n.Kind, n)
	}
	return b.String()
}
