package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hangMargin is how long the tests below let Load run before calling it a
// hang. What they guard against runs for minutes to hours; Load returns in
// well under a second. The margin is for a machine so loaded that a
// second becomes many, as a shared CI runner can be: a test that fails
// there fails for the load, not for Load.
const hangMargin = time.Minute

// TestLoadGivesUp checks that definitions that take long to evaluate make
// Load fail in time, with a diagnostic, instead of hanging. The list is
// small enough that the abandoned evaluation ends soon after.
func TestLoadGivesUp(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 100 * time.Millisecond
	dir := t.TempDir()
	src := "package orgbackup\n\nimport \"list\"\n\n_all: [for i in list.Range(0, 20000, 1) {i}]\npolicies: p: {targets: [], partial: true, plans: {}, description: \"\\(len(_all))\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "slow.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	repo, diags := Load(dir)
	if elapsed := time.Since(start); elapsed > hangMargin {
		t.Errorf("Load took %v", elapsed)
	}
	if repo != nil || len(diags) != 1 || diags[0].Code != "too-slow" || diags[0].Hint == "" {
		t.Fatalf("want one too-slow error, got repo=%v:%s", repo != nil, dump(diags))
	}
}

// TestLoadDeepNesting checks that absurdly nested input fails fast at the
// bracket that goes too deep: a few MiB of brackets would otherwise keep
// the JSON parser busy for minutes.
func TestLoadDeepNesting(t *testing.T) {
	for _, c := range []struct {
		name, content, at string
	}{
		{"deep.json", `{"plans": ` + strings.Repeat("[", 500000), "policies/deep.json:1:1010"},
		{"deep.cue", "package orgbackup\n\n_x: " + strings.Repeat("[", 20000), "policies/deep.cue:3:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			if err := os.Mkdir("policies", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("policies", c.name), []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, diags := Load("policies")
			if elapsed := time.Since(start); elapsed > hangMargin {
				t.Errorf("Load took %v", elapsed)
			}
			if len(diags) != 1 || diags[0].Code != "syntax" || !strings.HasPrefix(diags[0].Pos.String(), c.at) || diags[0].Hint == "" {
				t.Fatalf("want one syntax error at %s, got:%s", c.at, dump(diags))
			}
		})
	}
}
