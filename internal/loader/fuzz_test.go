package loader

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
)

// fuzzBaseline is a valid file next to the fuzzed one, so that the fuzzed
// file is loaded as part of a package, the way a user's files are.
const fuzzBaseline = `package orgbackup

baselines: b: {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name:  "role"
	vault_name: "vault"
}
`

// fuzzAttach attaches the fuzzed JSON policy document, which is policy
// "fuzzed" after its file name.
const fuzzAttach = `package orgbackup

policies: fuzzed: targets: ["Root"]
`

// fuzzTimeout bounds one Load: it must give up on its own before, after
// evalTimeout, which the fuzz target sets to a sixth of this. The rest is
// margin for a loaded machine, where a second of parsing can become many.
const fuzzTimeout = time.Minute

// FuzzLoad loads a directory holding the fuzzed bytes as a .cue file, or as
// a .json policy document, next to valid files. Load must return, without
// panicking (Load turns a panic into an "internal" diagnostic, so that is
// a failure here), and every error must say what is wrong and where: a
// message, a hint, and a position in one of the directory's files, within
// the file. The checks run on what Load read, as validate runs them, also
// when it has errors: they must not panic on definitions the schema
// rejected.
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile("../../policies/test-bk-policy.cue")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(false, example)
	f.Add(false, []byte(base))
	f.Add(true, []byte(`{"plans": {"p": {"regions": {"@@assign": ["us-east-1"]}}}}`))
	// Load gives up on slow definitions well before the test does.
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = fuzzTimeout / 6
	f.Fuzz(func(t *testing.T, asJSON bool, data []byte) {
		dir := t.TempDir()
		write := func(name, content string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fuzzed := "fuzzed.cue"
		write("baseline.cue", fuzzBaseline)
		if asJSON {
			fuzzed = "fuzzed.json"
			write("attach.cue", fuzzAttach)
		}
		write(fuzzed, string(data))
		t.Chdir(dir)

		var diags diag.List
		var panicked any
		done := make(chan struct{})
		go func() {
			defer close(done)
			repo, ds := Load(".")
			diags = ds
			defer func() { panicked = recover() }()
			check.NewReport(".", repo, ds, nil)
		}()
		select {
		case <-done:
		case <-time.After(fuzzTimeout):
			t.Fatalf("Load did not return within %v", fuzzTimeout)
		}
		if panicked != nil {
			t.Fatalf("the checks panicked on what Load read: %v", panicked)
		}

		lines := map[string]int{
			fuzzed:         bytes.Count(data, []byte("\n")) + 1,
			"baseline.cue": strings.Count(fuzzBaseline, "\n") + 1,
			"attach.cue":   strings.Count(fuzzAttach, "\n") + 1,
		}
		for _, d := range diags {
			if d.Code == "internal" {
				t.Fatalf("Load panicked: %s", d.Message)
			}
			if d.Severity != diag.Error {
				continue
			}
			if strings.TrimSpace(d.Message) == "" {
				t.Errorf("error without a message: %+v", d)
			}
			if strings.TrimSpace(d.Hint) == "" {
				t.Errorf("error without a hint: %s: %s [%s]", d.Pos, d.Message, d.Code)
			}
			n, known := lines[d.Pos.File]
			switch {
			case d.Pos.File == "." && (d.Code == "input" || d.Code == "too-slow"):
				// About the directory as a whole: on a loaded machine,
				// giving up on a slow evaluation is Load working.
			case !known:
				t.Errorf("error not in a file of the directory: %s: %s [%s]", d.Pos, d.Message, d.Code)
			case d.Pos.Line < 1 || d.Pos.Line > n || d.Pos.Col < 1:
				t.Errorf("error outside its file (%d lines): %s: %s [%s]", n, d.Pos, d.Message, d.Code)
			}
		}
	})
}
