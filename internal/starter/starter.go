// Package starter is the policy repository `orgbackup init` writes for a
// team that keeps its backup policies in a repository of its own: an
// example policy and baseline, a placeholder organization snapshot, the
// pull-request, apply and drift workflows, and README notes. Its output
// validates, builds and previews as it is.
//
// orgbackup's own .github/workflows/orgbackup-*.yml are these workflows
// with the action taken from the repository itself (`uses: ./`); a test
// keeps them identical.
package starter

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

//go:embed all:files
var files embed.FS

// actionPlaceholder stands for the orgbackup action in the workflows.
const actionPlaceholder = "__ORGBACKUP_ACTION__"

// File is one file of the starter repository; Path is slash-separated and
// relative to the repository root.
type File struct {
	Path string
	Data []byte
}

var shaRe = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Action is the `uses:` value for the orgbackup action in repository repo
// (OWNER/NAME) at commit sha, pinned to the full SHA as every action must
// be, with version as the comment a reader (and Dependabot) goes by.
func Action(repo, sha, version string) (string, error) {
	if !shaRe.MatchString(sha) {
		return "", fmt.Errorf("action commit %q is not a full 40-hex commit SHA", sha)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`).MatchString(repo) {
		return "", fmt.Errorf("action repository %q is not OWNER/NAME", repo)
	}
	uses := repo + "@" + sha
	if version != "" && version != sha && !strings.ContainsAny(version, " \t\r\n#") {
		uses += " # " + version
	}
	return uses, nil
}

// Files returns the starter repository, its workflows using action (see
// Action; "./" for a repository that contains the action itself), sorted
// by path.
func Files(action string) []File {
	var out []File
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		data = []byte(strings.ReplaceAll(string(data), actionPlaceholder, action))
		out = append(out, File{Path: strings.TrimPrefix(p, "files/"), Data: data})
		return nil
	})
	if err != nil {
		panic("internal error: read embedded starter files: " + err.Error())
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Workflows returns the workflow files among fs.
func Workflows(fs []File) []File {
	var out []File
	for _, f := range fs {
		if path.Dir(f.Path) == ".github/workflows" {
			out = append(out, f)
		}
	}
	return out
}

// Write writes fs below dir and returns the paths it wrote. It refuses,
// writing nothing, if any of them exists, unless force is set; with force
// an existing file is replaced (never written through, should it be a
// symbolic link), and an existing directory in a file's place is an error.
func Write(dir string, fs []File, force bool) ([]string, error) {
	var exist []string
	for _, f := range fs {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("check %s: %w", p, err)
		case fi.IsDir():
			return nil, fmt.Errorf("write %s: a directory is in the way", p)
		}
		exist = append(exist, p)
	}
	if len(exist) > 0 && !force {
		return nil, fmt.Errorf("refusing to overwrite %s (use --force to replace them)", strings.Join(exist, ", "))
	}
	var wrote []string
	for _, f := range fs {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return wrote, fmt.Errorf("write %s: %w", p, err)
		}
		if slices.Contains(exist, p) {
			if err := os.Remove(p); err != nil {
				return wrote, fmt.Errorf("replace %s: %w", p, err)
			}
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return wrote, fmt.Errorf("write %s: %w", p, err)
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}
