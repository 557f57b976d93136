// Package workflows holds the checks CI runs on orgbackup's own GitHub
// Actions workflows: they hold the keys to an AWS organization, so a typo
// or an unpinned action is a security problem, not a style issue.
package workflows

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../.github/workflows/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no workflows found in .github/workflows")
	}
	return files
}

// TestActionlint runs actionlint (syntax, expression types, untrusted
// input in scripts) on every workflow.
func TestActionlint(t *testing.T) {
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("actionlint found %d problems:\n%s", len(errs), out.String())
	}
}

var usesRe = regexp.MustCompile(`(?m)^\s*-?\s*uses:\s*([^\s#]+)`)
var pinnedRe = regexp.MustCompile(`^[^@]+@[0-9a-f]{40}$`)

// TestActionsPinned requires every third-party action to be pinned to a
// full commit SHA: tags can be rewritten (tj-actions/changed-files, 2025).
func TestActionsPinned(t *testing.T) {
	for _, f := range workflowFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range usesRe.FindAllStringSubmatch(string(data), -1) {
			ref := m[1]
			if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "docker://") && strings.Contains(ref, "@sha256:") {
				continue
			}
			if !pinnedRe.MatchString(ref) {
				t.Errorf("%s: %s is not pinned to a 40-hex commit SHA", filepath.Base(f), ref)
			}
		}
	}
}

// TestNoPullRequestTarget: plans run on pull_request; pull_request_target
// with a checkout of the PR is the "pwn request" pattern.
func TestNoPullRequestTarget(t *testing.T) {
	for _, f := range workflowFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("pull_request_target")) {
			t.Errorf("%s uses pull_request_target", filepath.Base(f))
		}
	}
}
