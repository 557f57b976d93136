package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, tc := range []struct {
		s    string
		c    []string
		want string
	}{
		{"test-bkvault", []string{"test-bk-vault", "other"}, "test-bk-vault"},
		{"rulez", []string{"regions", "rules", "selections"}, "rules"},
		{"Regions", []string{"regions"}, "regions"},
		{"xyz", []string{"regions", "rules"}, ""},
		{"a", nil, ""},
	} {
		if got := Closest(tc.s, tc.c); got != tc.want {
			t.Errorf("Closest(%q, %q) = %q, want %q", tc.s, tc.c, got, tc.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"é", "e", 1}} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
