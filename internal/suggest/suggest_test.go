package suggest

import (
	"slices"
	"testing"
)

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		s    string
		c    []string
		want []string
	}{
		{"test-bkvault", []string{"test-bk-vault", "other"}, []string{"test-bk-vault"}},
		{"rulez", []string{"regions", "rules", "selections"}, []string{"rules"}},
		{"Regions", []string{"regions"}, []string{"regions"}},
		{"nmae", []string{"name", "nme", "x"}, []string{"name", "nme"}},
		{"Workload", []string{"Workloads", "Sandbox"}, []string{"Workloads"}},
		{"xyz", []string{"regions", "rules"}, nil},
		{"a", nil, nil},
	} {
		if got := Top(tc.s, tc.c, 3); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("Top(%q, %q) = %q, want %q", tc.s, tc.c, got, tc.want)
		}
	}
	if got := Closest("rulez", []string{"rules"}); got != "rules" {
		t.Errorf("Closest = %q", got)
	}
	if got := Closest("zzzzzz", []string{"rules"}); got != "" {
		t.Errorf("Closest = %q", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int
	}{{"", "", 3, 0}, {"abc", "", 3, 3}, {"kitten", "sitting", 5, 3}, {"é", "e", 2, 1}, {"nmae", "name", 2, 1}, {"abcdef", "zzzzzz", 2, 3}} {
		if got := Distance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}
