package cli

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHelpAndREADMEAgree checks that every command's --help states its
// exit statuses, that README's command table lists every command with the
// same statuses, and that both keep to the one meaning each status has
// across commands. TestExitCodes pins the behaviour itself.
func TestHelpAndREADMEAgree(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{} // command → exit statuses of its README rows
	rowRe := regexp.MustCompile("(?m)^\\| `orgbackup ([a-z]+)[^|]*\\|.*\\| ([^|]*) \\|$")
	for _, m := range rowRe.FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = append(rows[m[1]], m[2])
	}
	meaning := map[string]string{"0": "", "1": "", "2": "changes", "3": "invalid", "64": "usage"}
	root := newRoot(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
	for _, c := range root.Commands() {
		name := c.Name()
		if name == "help" || c.Hidden {
			continue
		}
		help := c.Long
		if name == "completion" {
			help = "Exit status: 0, 64 usage error." // cobra's text; the behaviour is pinned in TestExitCodes
		}
		_, status, ok := strings.Cut(help, "Exit status:")
		if !ok {
			t.Errorf("%s --help does not state its exit statuses", name)
			continue
		}
		helpCodes := statuses(status)
		if len(rows[name]) == 0 {
			t.Errorf("README's command table has no row for %s", name)
		}
		for _, row := range rows[name] {
			if got := statuses(row); !slices.Equal(got, helpCodes) {
				t.Errorf("%s: README says exit %v (%q), --help says %v", name, got, row, helpCodes)
			}
		}
		for _, code := range helpCodes {
			want, known := meaning[code]
			if !known {
				t.Errorf("%s: exit status %s has no meaning across commands", name, code)
				continue
			}
			if want != "" && !strings.Contains(textAfter(status, code), want) {
				t.Errorf("%s: exit status %s must mean %q: %q", name, code, want, status)
			}
		}
	}
	for name := range rows {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("README lists %s, which is not a command", name)
		}
	}
}

// statuses lists the exit statuses a text names ("0 ok, 1 error, 64
// usage"), sorted and without repeats.
func statuses(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?:^|[\s,(])(\d+)\b`).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// textAfter returns what follows the status code in s, up to the next
// comma, for checking its meaning.
func textAfter(s, code string) string {
	i := regexp.MustCompile(`(?:^|[\s,(])` + code + `\b`).FindStringIndex(s)
	if i == nil {
		return ""
	}
	rest := s[i[1]:]
	if j := strings.Index(rest, ","); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
