package gh

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadEnv(t *testing.T) {
	dir := t.TempDir()
	pr := filepath.Join(dir, "pr.json")
	push := filepath.Join(dir, "push.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(pr, []byte(`{"number":7,"pull_request":{"number":7,"body":"`+strings.Repeat("x", 1<<20)+`"}}`), 0o644)
	os.WriteFile(push, []byte(`{"ref":"refs/heads/main","after":"abc"}`), 0o644)
	os.WriteFile(bad, []byte(`{"pull_request":`), 0o644)

	// github.com defaults.
	e, err := LoadEnv(envFrom(map[string]string{"GITHUB_REPOSITORY": "octo/policies", "GITHUB_EVENT_PATH": pr, "GITHUB_RUN_ID": "99"}))
	if err != nil {
		t.Fatal(err)
	}
	if e.APIURL != "https://api.github.com" || e.GraphQLURL != "https://api.github.com/graphql" || e.PullRequest != 7 ||
		e.RunURL() != "https://github.com/octo/policies/actions/runs/99" {
		t.Errorf("github.com: %+v, run URL %s", e, e.RunURL())
	}

	// GitHub Enterprise Server: the same variables with its own URLs.
	e, err = LoadEnv(envFrom(map[string]string{
		"GITHUB_REPOSITORY": "platform/backup-policies", "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
		"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_EVENT_PATH": push, "GITHUB_RUN_ID": "5",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if e.APIURL != "https://ghe.example.com/api/v3" || e.GraphQLURL != "https://ghe.example.com/api/graphql" || e.PullRequest != 0 ||
		e.RunURL() != "https://ghe.example.com/platform/backup-policies/actions/runs/5" {
		t.Errorf("GHES: %+v, run URL %s", e, e.RunURL())
	}
	c, err := NewClient(&Env{APIURL: e.APIURL, Token: "t"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Requests.(*github.Client).BaseURL.String(); got != "https://ghe.example.com/api/v3/" {
		t.Errorf("GHES base URL %s", got)
	}

	for name, env := range map[string]map[string]string{
		"no repository":        {},
		"not owner/repo":       {"GITHUB_REPOSITORY": "octo/policies/../x"},
		"bad API URL":          {"GITHUB_REPOSITORY": "o/r", "GITHUB_API_URL": "file:///etc/passwd"},
		"bad run id":           {"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "1 OR 1"},
		"unreadable event":     {"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": filepath.Join(dir, "missing.json")},
		"truncated event JSON": {"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": bad},
	} {
		if _, err := LoadEnv(envFrom(env)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewClient(&Env{APIURL: "https://api.github.com"}, nil); err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Errorf("no token: %v", err)
	}
}

func TestAppendStepSummary(t *testing.T) {
	p := filepath.Join(t.TempDir(), "summary.md")
	e := &Env{StepSummary: p}
	for _, s := range []string{"### one\n", "### two\n"} {
		if err := e.AppendStepSummary(s); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "### one\n### two\n" {
		t.Errorf("summary = %q", b)
	}
	if err := (&Env{}).AppendStepSummary("x"); !errors.Is(err, ErrNoSummary) {
		t.Errorf("outside Actions: %v", err)
	}
}

func TestMarker(t *testing.T) {
	m := newMarker("comment", "plan policies", "content")
	got, ok := parseMarker(m.String() + "content")
	if !ok || got != m {
		t.Fatalf("parseMarker(%q) = %+v, %v", m.String(), got, ok)
	}
	// GitHub may store CRLF line endings.
	if got, ok := parseMarker(strings.TrimSuffix(m.String(), "\n") + "\r\ncontent"); !ok || got != m {
		t.Errorf("CRLF marker not recognised")
	}
	for _, body := range []string{"", "text\n" + m.String(), "<!-- orgbackup:comment key=zz sha256=00 -->\n", " " + m.String()} {
		if _, ok := parseMarker(body); ok {
			t.Errorf("parseMarker(%q) recognised a marker", body)
		}
	}
	if newMarker("comment", "a", "x").key == newMarker("comment", "b", "x").key {
		t.Error("different keys, same marker key")
	}
}
