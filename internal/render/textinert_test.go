package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// hostileText is text an attacker controls: a policy, OU, account or file
// name, a tag value. It tries an ANSI escape, a terminal title, a forged
// workflow command on a line of its own, ::stop-commands::, Azure's ##[,
// a Trojan-Source bidi override, a C1 control and a Unicode line
// separator.
const hostileText = "evil\x1b[31mred\x1b]0;title\x07\n::error::forged\r\n::stop-commands::tok\n##[error]x\u202egnp.exe\u0085y\u2028z"

func TestInert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, ARN arn:aws:iam::$account:role/x", "plain text, ARN arn:aws:iam::$account:role/x"},
		{"a\nb\r\nc\rd", "a⏎b⏎c⏎d"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"tab\there", `tab\x09here`},
		{"bidi \u202e and \u2066", `bidi \u202e and \u2066`},
		{"c1 \u0085 \u009b", `c1 \x85 \x9b`},
		{"bad utf-8 \xff", `bad utf-8 \xff`},
		{"ünïcödé ✓", "ünïcödé ✓"},
	} {
		if got := Inert(tc.in); got != tc.want {
			t.Errorf("Inert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Line breaks in composed text stay; none of its lines can command.
	got := InertText("orgbackup: read " + hostileText + ": no such file\n  hint: check it")
	if !strings.HasPrefix(got, "orgbackup: read evil\\x1b[31m") || !strings.HasSuffix(got, "\n  hint: check it") {
		t.Errorf("InertText = %q", got)
	}
	checkTextInert(t, "InertText", []byte(got), false)
	if got := guardLines("ok\n  ::error::x\n\u00a0##[error]y\nz::w\n"); got != "ok\n  \\::error::x\n\u00a0\\##[error]y\nz::w\n" {
		t.Errorf("guardLines = %q", got)
	}
}

// hostileValidation puts hostileText text into every field of a diagnostic
// that text comes from, the file name included.
func hostileValidation() *check.Report {
	return &check.Report{
		Dir:      "policies/" + hostileText,
		Policies: 1,
		Diags: diag.List{
			diag.Errorf("vault-not-provided", doc.Pos{File: "::error file=x::" + hostileText + ".cue", Line: 1, Col: 1}, "policy %s", hostileText).
				WithValue(hostileText).WithPath(hostileText).WithHint("%s", hostileText).
				WithRelated(doc.Pos{File: hostileText, Line: 2, Col: 3}, hostileText),
			diag.Warningf("w", doc.Pos{File: "\n::warning::" + hostileText}, "%s", hostileText),
		},
	}
}

// checkTextInert fails if out could act on a terminal or a CI log: an escape
// or other control character, a bidi override, or a line a runner would
// read as a command. In the github format lines are orgbackup's own
// workflow commands, and must each be one of its annotations.
func checkTextInert(t *testing.T, what string, out []byte, github bool) {
	t.Helper()
	for _, r := range string(out) {
		if r != '\n' && isControl(r) && !(what == "json" && r >= 0x80) {
			// JSON is data: it escapes every C0 control and DEL is
			// harmless, as encoding/json has it; the other controls are
			// characters of the value, and JSON output keeps values
			// exact.
			t.Errorf("%s: output holds control character %U:\n%s", what, r, out)
			return
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		l := strings.TrimLeftFunc(line, unicode.IsSpace)
		isCmd := strings.HasPrefix(l, "::") || strings.HasPrefix(l, "##[")
		switch {
		case github && isCmd && !(strings.HasPrefix(l, "::error file=") || strings.HasPrefix(l, "::warning file=") || strings.HasPrefix(l, "::notice title=orgbackup::")):
			t.Errorf("%s: a line is a command orgbackup did not mean to give: %q", what, line)
		case github && isCmd && strings.Count(l, "::") < 2:
			t.Errorf("%s: malformed annotation %q", what, line)
		case !github && isCmd:
			t.Errorf("%s: a line would be read as a workflow command: %q", what, line)
		}
		if strings.Contains(l, "::stop-commands::") && strings.HasPrefix(l, "::stop-commands") {
			t.Errorf("%s: forged ::stop-commands:: at a line start", what)
		}
	}
}

func TestEveryValidationFormatIsInert(t *testing.T) {
	for _, f := range []Format{Text, JSON, GitHub, Markdown} {
		for _, st := range []Style{{}, {Color: true}} {
			if f != Text && st.Color {
				continue
			}
			var b bytes.Buffer
			if err := WriteValidation(&b, f, hostileValidation(), st); err != nil {
				t.Fatal(err)
			}
			out := b.Bytes()
			if st.Color {
				// orgbackup's own colours are the only escapes allowed.
				out = regexpColour.ReplaceAll(out, nil)
			}
			checkTextInert(t, string(f), out, f == GitHub)
		}
	}
	// The diagnostics commands print on stderr.
	checkTextInert(t, "TextDiagnostics", []byte(TextDiagnostics(hostileValidation().Diags, Style{})), false)
}

var regexpColour = regexp.MustCompile(`\x1b\[[0-9;]*m`)
