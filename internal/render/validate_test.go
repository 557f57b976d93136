package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// TestValidationUnfinished checks what the summaries say when the
// definitions could not be evaluated in time: that they did not finish,
// not that they could not be read (nothing in them is known to be
// wrong), and that a file that does not parse is still "could not be
// read".
func TestValidationUnfinished(t *testing.T) {
	at := doc.Pos{File: "policies"}
	for _, c := range []struct {
		code, want string
	}{
		{diag.CodeTooSlow, "the definitions in policies did not finish evaluating"},
		{"syntax", "the definitions in policies could not be read"},
	} {
		rep := check.NewReport("policies", nil, diag.List{diag.Errorf(c.code, at, "something")}, nil)
		for _, f := range []Format{Text, Markdown} {
			var b bytes.Buffer
			if err := WriteValidation(&b, f, rep, Style{}); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if f == Markdown {
				// Markdown quotes the directory as code.
				got = strings.ReplaceAll(got, "`", "")
			}
			if !strings.Contains(strings.ToLower(got), c.want) {
				t.Errorf("%s, %s: the summary does not say %q:\n%s", c.code, f, c.want, b.String())
			}
		}
	}
}
