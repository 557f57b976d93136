package starter

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestFiles(t *testing.T) {
	uses, err := Action("orgbackup/orgbackup", sha, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	fs := Files(uses)
	var paths []string
	for _, f := range fs {
		paths = append(paths, f.Path)
		if bytes.Contains(f.Data, []byte(actionPlaceholder)) {
			t.Errorf("%s still has the placeholder", f.Path)
		}
	}
	want := ".github/workflows/orgbackup-apply.yml .github/workflows/orgbackup-drift.yml .github/workflows/orgbackup-pr.yml .gitignore README.md policies/backup.cue policies/org.snapshot.json"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("files:\n%s\nwant\n%s", got, want)
	}
	if len(Workflows(fs)) != 3 {
		t.Errorf("%d workflows", len(Workflows(fs)))
	}
	for _, f := range Workflows(fs) {
		if !bytes.Contains(f.Data, []byte("uses: orgbackup/orgbackup@"+sha+" # v1.2.3\n")) {
			t.Errorf("%s does not pin the action to %s", f.Path, sha)
		}
	}
}

func TestAction(t *testing.T) {
	for _, tc := range []struct{ repo, sha, version, want string }{
		{"orgbackup/orgbackup", sha, "v1.0.0", "orgbackup/orgbackup@" + sha + " # v1.0.0"},
		{"platform/orgbackup-mirror", sha, sha, "platform/orgbackup-mirror@" + sha},
		{"orgbackup/orgbackup", sha, "dev build # x", "orgbackup/orgbackup@" + sha},
	} {
		if got, err := Action(tc.repo, tc.sha, tc.version); err != nil || got != tc.want {
			t.Errorf("Action(%q, %q, %q) = %q, %v; want %q", tc.repo, tc.sha, tc.version, got, err, tc.want)
		}
	}
	for _, tc := range [][2]string{{"orgbackup/orgbackup", "main"}, {"orgbackup/orgbackup", sha[:12]}, {"orgbackup", sha}, {"a/b\nc", sha}} {
		if _, err := Action(tc[0], tc[1], ""); err == nil {
			t.Errorf("Action(%q, %q) accepted", tc[0], tc[1])
		}
	}
}

// TestRepositoryWorkflowsInSync: orgbackup's own workflows are the
// starter's, with the action from the repository itself. UPDATE_GOLDEN=1
// rewrites them from the templates.
func TestRepositoryWorkflowsInSync(t *testing.T) {
	for _, f := range Workflows(Files("./")) {
		p := filepath.Join("..", "..", filepath.FromSlash(f.Path))
		if os.Getenv("UPDATE_GOLDEN") != "" {
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (UPDATE_GOLDEN=1 writes it)", err)
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from internal/starter/files/%s (edit the template; UPDATE_GOLDEN=1 rewrites the copy)", f.Path, f.Path)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	fs := Files("./")
	wrote, err := Write(dir, fs, false)
	if err != nil || len(wrote) != len(fs) {
		t.Fatalf("first write: %d files, %v", len(wrote), err)
	}

	// A second write refuses, naming what exists, and writes nothing.
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(readme, []byte("ours"), 0o644)
	os.Remove(filepath.Join(dir, "policies", "backup.cue"))
	if _, err := Write(dir, fs, false); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") || !strings.Contains(err.Error(), readme) {
		t.Fatalf("second write: %v", err)
	}
	if b, _ := os.ReadFile(readme); string(b) != "ours" {
		t.Error("README.md was overwritten without --force")
	}
	if _, err := os.Stat(filepath.Join(dir, "policies", "backup.cue")); err == nil {
		t.Error("a refused write wrote a file")
	}

	// --force replaces files, and a symbolic link is replaced, not written
	// through.
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, []byte("keep"), 0o644)
	os.Remove(readme)
	if err := os.Symlink(outside, readme); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := Write(dir, fs, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Error("--force wrote through a symbolic link")
	}
	if fi, _ := os.Lstat(readme); fi.Mode()&os.ModeSymlink != 0 {
		t.Error("README.md is still a link")
	}

	// A directory where a file goes is an error even with --force.
	os.Remove(filepath.Join(dir, ".gitignore"))
	os.Mkdir(filepath.Join(dir, ".gitignore"), 0o755)
	if _, err := Write(dir, fs, true); err == nil || !strings.Contains(err.Error(), "directory is in the way") {
		t.Errorf("directory in the way: %v", err)
	}
}
