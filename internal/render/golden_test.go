package render

import (
	"github.com/orgbackup/orgbackup/internal/golden"

	"bytes"
	"testing"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

func fixtureValidation() *check.Report {
	p := func(line, col int) doc.Pos { return doc.Pos{File: "policies/backup.cue", Line: line, Col: col} }
	return &check.Report{
		Dir:       "policies",
		Policies:  2,
		Baselines: 1,
		Diags: diag.List{
			diag.Errorf("vault-not-provided", p(9, 30), `rule "test-bk-rule" of plan "test-bk-plan" names vault "test-bkvault", but no baseline creates a vault of that name`).
				WithValue(`"test-bkvault"`).
				WithPath(`policies."test-bk-policy".plans."test-bk-plan".rules."test-bk-rule".target_backup_vault_name`).
				WithHint(`baseline "test-bk" creates vault "test-bk-vault": did you mean "test-bk-vault"?`).
				WithRelated(p(23, 14), `baseline "test-bk"`),
			// Hostile text: a newline that would forge a second annotation,
			// a workflow command, Markdown that would link, mention and
			// break the table.
			diag.Warningf("plan-merge", doc.Pos{File: "policies/a,b:c.cue", Line: 3, Col: 1}, "plan %q merges\n::error::forged", "x|y`z").
				WithValue("[click](https://evil.example) @org/team <img src=x> ```").
				WithHint("%s", "100% sure\r\nsecond line"),
			diag.Errorf("syntax", doc.Pos{File: "policies/broken.cue"}, "cannot read: permission denied"),
		},
		Sizes: []check.Size{{Policy: "test-bk-policy", Characters: 540, Limit: 10000, Margin: 9460}},
	}
}

func TestValidationGolden(t *testing.T) {
	for _, f := range []Format{Text, JSON, GitHub, Markdown} {
		var b bytes.Buffer
		if err := WriteValidation(&b, f, fixtureValidation(), Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "validate."+string(f)+".golden", b.Bytes())
	}
	// A valid run lists the sizes.
	v := fixtureValidation()
	v.Diags = v.Diags[1:2]
	for _, f := range []Format{Text, Markdown} {
		var b bytes.Buffer
		if err := WriteValidation(&b, f, v, Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "validate-ok."+string(f)+".golden", b.Bytes())
	}
	// Colour only when asked for (a TTY).
	var b bytes.Buffer
	if err := WriteValidation(&b, Text, fixtureValidation(), Style{Color: true}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "validate.text-color.golden", b.Bytes())
}

func TestGitHubCapsAnnotations(t *testing.T) {
	v := &check.Report{Dir: "policies"}
	for i := 0; i < 25; i++ {
		v.Diags = append(v.Diags, diag.Errorf("x", doc.Pos{File: "f.cue", Line: i + 1, Col: 1}, "problem %d", i))
	}
	var b bytes.Buffer
	if err := WriteValidation(&b, GitHub, v, Style{}); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
	if len(lines) != MaxAnnotations+1 {
		t.Fatalf("got %d lines, want %d annotations and a notice:\n%s", len(lines), MaxAnnotations+1, b.String())
	}
	if !bytes.HasPrefix(lines[MaxAnnotations], []byte("::notice title=orgbackup::25 errors and 0 warnings in total")) {
		t.Errorf("last line = %s", lines[MaxAnnotations])
	}
}
