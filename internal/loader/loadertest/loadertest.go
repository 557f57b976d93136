// Package loadertest loads policy definitions written by tests. Test-only
// by convention: only _test.go files import it.
package loadertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Load writes src (a CUE file of package orgbackup) to policies/defs.cue in
// a fresh directory and loads it, failing the test on any error. Positions
// in the result name the file as "policies/defs.cue", as a user running
// orgbackup from the repository would see it.
func Load(t testing.TB, src string) *policy.Repo {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "policies", "defs.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// The loader names files relative to the working directory; golden
	// files are found relative to the package, so go back at once.
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	repo, diags := loader.Load("policies")
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if repo == nil || diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return repo
}
