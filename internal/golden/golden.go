// Package golden compares test output with files under testdata/. Setting
// UPDATE_GOLDEN=1 rewrites the files instead (`make golden`); the rewritten
// files are then reviewed in the diff like any other change.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Check compares got with testdata/name, or writes it there when
// UPDATE_GOLDEN is set.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (UPDATE_GOLDEN=1 to update):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
