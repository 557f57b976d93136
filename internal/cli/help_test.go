package cli

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
	type row struct{ words, statuses string }
	var rows []row
	rowRe := regexp.MustCompile("(?m)^\\| `orgbackup ([a-z][a-z-]*(?: [a-z][a-z-]*)*)[^|]*\\|.*\\| ([^|]*) \\|$")
	for _, m := range rowRe.FindAllStringSubmatch(string(readme), -1) {
		rows = append(rows, row{m[1], m[2]})
	}
	// The README rows of a command: those whose command words start with
	// its path ("org snapshot"; "completion bash|zsh…" for completion).
	rowsOf := func(path string) []string {
		var out []string
		for _, r := range rows {
			if r.words == path || strings.HasPrefix(r.words, path+" ") {
				out = append(out, r.statuses)
			}
		}
		return out
	}
	meaning := map[string]string{"0": "", "1": "", "2": "changes", "3": "invalid", "64": "usage"}
	root := newRoot(&IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
	var commands []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			switch {
			case s.Name() == "help" || s.Hidden:
			case s.HasSubCommands() && s.Name() != "completion":
				walk(s)
			default:
				commands = append(commands, s)
			}
		}
	}
	walk(root)
	for _, c := range commands {
		name := strings.TrimPrefix(c.CommandPath(), "orgbackup ")
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
		if len(rowsOf(name)) == 0 {
			t.Errorf("README's command table has no row for %s", name)
		}
		for _, row := range rowsOf(name) {
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
	for _, r := range rows {
		words := strings.Fields(r.words)
		if c, _, err := root.Find(words); err != nil || c == root {
			t.Errorf("README lists %s, which is not a command", r.words)
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
