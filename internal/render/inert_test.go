package render

import "testing"

func TestInert(t *testing.T) {
	for in, want := range map[string]string{
		"Workloads/Prod":           "Workloads/Prod",
		"日本 é":                     "日本 é",
		"a\x1b[31mred\x1b[0m":      "a\uFFFD[31mred\uFFFD[0m",
		"two\nlines\r":             "two\uFFFDlines\uFFFD",
		"\u202Eevil":               "\uFFFDevil",
		"nul\x00 del\x7f c1\u0085": "nul\uFFFD del\uFFFD c1\uFFFD",
	} {
		if got := Inert(in); got != want {
			t.Errorf("Inert(%q) = %q, want %q", in, got, want)
		}
	}
}
