package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes pins the exit status of every outcome: scripts and CI
// depend on them (0 ok, 1 invalid or failed, 3 merged but invalid, 64 usage).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	example, _ := filepath.Abs("../../policies")
	bad := write("bad/x.cue", "package orgbackup\nbogus: 1\n")
	invalidEff := write("eff.json", `{"plans": {"p": {"regions": {"@@assign": []}}}}`)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"validate", example}, ExitOK},
		{[]string{"validate", filepath.Dir(bad)}, ExitFailed},
		{[]string{"validate", "--output", "yaml", example}, ExitUsage},
		{[]string{"validate", "a", "b"}, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"build", "--nope"}, ExitUsage},
		{[]string{"build", filepath.Dir(bad), "--out", filepath.Join(dir, "out")}, ExitFailed},
		{[]string{"effective", "--level", invalidEff}, ExitInvalidEffective},
		{[]string{"effective", "--level", filepath.Join(dir, "missing.json")}, ExitFailed},
		{[]string{"effective"}, ExitUsage},
		{[]string{"preview", example}, ExitOK},
		{[]string{"import"}, ExitUsage},
		{[]string{"init", filepath.Join(dir, "starter"), "--action-ref", strings.Repeat("0a", 20)}, ExitOK},
		{[]string{"init", filepath.Join(dir, "starter"), "--action-ref", strings.Repeat("0a", 20)}, ExitFailed},
		{[]string{"init", filepath.Join(dir, "other"), "--action-ref", "main"}, ExitUsage},
		{[]string{"version"}, ExitOK},
		{[]string{}, ExitOK},
	} {
		var out, errb bytes.Buffer
		got := Run(tc.args, &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
		if got != tc.want {
			t.Errorf("orgbackup %s = exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), got, tc.want, out.String(), errb.String())
		}
		if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic") {
			t.Errorf("orgbackup %s printed a stack trace:\n%s", strings.Join(tc.args, " "), errb.String())
		}
	}
}
