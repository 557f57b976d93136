// Package gh is orgbackup's adapter to GitHub: the GitHub Actions
// environment a step runs in, and the REST API (through go-github) for the
// one sticky pull-request comment and the one drift issue orgbackup keeps
// current.
//
// The package is named gh, not github, so that it and go-github's github
// package can be used side by side without renaming either.
//
// Everything it needs comes from the standard Actions variables
// (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN, ...),
// which GitHub Enterprise Server sets the same way, with its own URLs; a
// test points GITHUB_API_URL at an httptest server.
package gh

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Env is what GitHub Actions tells a step about where it runs.
type Env struct {
	// APIURL is the REST API root: https://api.github.com, or
	// https://HOST/api/v3 on GitHub Enterprise Server.
	APIURL string
	// GraphQLURL is the GraphQL endpoint, used only to learn who an
	// installation token acts as (see WhoAmI).
	GraphQLURL string
	// ServerURL is the web root (https://github.com), for links to the run.
	ServerURL string
	// Owner and Repo name the repository the workflow runs in.
	Owner, Repo string
	Token       string
	// EventName is the event that started the workflow (pull_request,
	// push, schedule, workflow_dispatch).
	EventName string
	// PullRequest is the pull request's number on pull_request events, 0
	// otherwise.
	PullRequest int
	SHA         string
	RunID       string
	// StepSummary is the file the step's Markdown summary is appended to.
	StepSummary string
}

var (
	repoRe  = regexp.MustCompile(`^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$`)
	runIDRe = regexp.MustCompile(`^[0-9]+$`)
)

// maxEventSize bounds how much of the event payload is read: payloads
// carry the pull request's body and can be large, but orgbackup needs one
// number from them.
const maxEventSize = 32 << 20

// LoadEnv reads the Actions environment through getenv. Only the
// repository is required; what a command needs beyond it (a token, a pull
// request) it checks itself, so that it can say what is missing.
func LoadEnv(getenv func(string) string) (*Env, error) {
	e := &Env{
		APIURL:      strings.TrimRight(getenv("GITHUB_API_URL"), "/"),
		GraphQLURL:  getenv("GITHUB_GRAPHQL_URL"),
		ServerURL:   strings.TrimRight(getenv("GITHUB_SERVER_URL"), "/"),
		Token:       getenv("GITHUB_TOKEN"),
		EventName:   getenv("GITHUB_EVENT_NAME"),
		SHA:         getenv("GITHUB_SHA"),
		RunID:       getenv("GITHUB_RUN_ID"),
		StepSummary: getenv("GITHUB_STEP_SUMMARY"),
	}
	if e.APIURL == "" {
		e.APIURL = "https://api.github.com"
	}
	if e.ServerURL == "" {
		e.ServerURL = "https://github.com"
	}
	for name, u := range map[string]string{"GITHUB_API_URL": e.APIURL, "GITHUB_SERVER_URL": e.ServerURL} {
		if p, err := url.Parse(u); err != nil || p.Scheme != "https" && p.Scheme != "http" || p.Host == "" {
			return nil, fmt.Errorf("read %s: %q is not an http(s) URL", name, u)
		}
	}
	if e.GraphQLURL == "" {
		e.GraphQLURL = graphQLURL(e.APIURL)
	}
	repo := getenv("GITHUB_REPOSITORY")
	m := repoRe.FindStringSubmatch(repo)
	if m == nil {
		return nil, fmt.Errorf("read GITHUB_REPOSITORY: %q is not OWNER/REPO (set it when running outside GitHub Actions)", repo)
	}
	e.Owner, e.Repo = m[1], m[2]
	if e.RunID != "" && !runIDRe.MatchString(e.RunID) {
		return nil, fmt.Errorf("read GITHUB_RUN_ID: %q is not a number", e.RunID)
	}
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		n, err := pullRequestNumber(p)
		if err != nil {
			return nil, err
		}
		e.PullRequest = n
	}
	return e, nil
}

// graphQLURL derives the GraphQL endpoint from the REST root where
// GITHUB_GRAPHQL_URL is not set: https://api.github.com/graphql, and
// https://HOST/api/graphql next to https://HOST/api/v3.
func graphQLURL(api string) string {
	if base, ok := strings.CutSuffix(api, "/v3"); ok {
		return base + "/graphql"
	}
	return api + "/graphql"
}

// pullRequestNumber reads the pull request's number from an event payload;
// 0 for events without one (push, schedule).
func pullRequestNumber(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read GITHUB_EVENT_PATH: %w", err)
	}
	defer f.Close()
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxEventSize)).Decode(&ev); err != nil {
		return 0, fmt.Errorf("read GITHUB_EVENT_PATH %s: %w", path, err)
	}
	if ev.PullRequest == nil {
		return 0, nil
	}
	if ev.PullRequest.Number <= 0 {
		return 0, fmt.Errorf("read GITHUB_EVENT_PATH %s: pull_request.number is %d", path, ev.PullRequest.Number)
	}
	return ev.PullRequest.Number, nil
}

// RunURL is the web page of the workflow run, which shows its job
// summaries and artifacts; "" outside a run.
func (e *Env) RunURL() string {
	if e.RunID == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/%s/actions/runs/%s", e.ServerURL, e.Owner, e.Repo, e.RunID)
}

// ErrNoSummary is returned by AppendStepSummary outside GitHub Actions.
var ErrNoSummary = errors.New("GITHUB_STEP_SUMMARY is not set")

// AppendStepSummary appends Markdown to the step's job summary. GitHub
// shows nothing of a summary over 1 MiB, so md should be rendered within
// render.SummaryBudget.
func (e *Env) AppendStepSummary(md string) error {
	if e.StepSummary == "" {
		return ErrNoSummary
	}
	f, err := os.OpenFile(e.StepSummary, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	if _, err := io.WriteString(f, md); err != nil {
		f.Close()
		return fmt.Errorf("write step summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	return nil
}
