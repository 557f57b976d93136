// Package ghtest is a fake GitHub REST (and GraphQL viewer) API for tests:
// the real go-github client talks HTTP to it, through GITHUB_API_URL, as it
// would to github.com or GitHub Enterprise Server. It keeps issues, pull
// requests and comments of one repository in memory, pages lists with Link
// headers as GitHub does, and records every request so tests can assert
// what was (not) called.
package ghtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prefix is the path under which the fake serves the API. It is not empty,
// as go-github's own tests do, so a client that builds absolute paths
// (ignoring the base URL's path) fails.
const Prefix = "/api-v3/"

// User is an account a token acts as.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"` // User or Bot
	// Installation marks an installation token (the Actions GITHUB_TOKEN, a
	// GitHub App's): GET /user answers 403 for it, as GitHub does.
	Installation bool `json:"-"`
}

// The identities tests use.
var (
	// Actions is the identity of the Actions GITHUB_TOKEN, an installation
	// token, with github-actions[bot]'s login and ID on github.com.
	Actions = User{Login: "github-actions[bot]", ID: 41898282, Type: "Bot", Installation: true}
	// Alice owns a personal access token.
	Alice = User{Login: "alice", ID: 1001, Type: "User"}
	// Mallory is another user, who copies markers into her comments.
	Mallory = User{Login: "mallory", ID: 6666, Type: "User"}
	// Bob comments a lot.
	Bob = User{Login: "bob", ID: 1002, Type: "User"}
)

// Comment is an issue or pull-request comment.
type Comment struct {
	ID        int64  `json:"id"`
	Body      string `json:"body"`
	User      User   `json:"user"`
	HTMLURL   string `json:"html_url"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	issue     int
}

// Issue is an issue or, with PullRequest set, a pull request.
type Issue struct {
	Number      int    `json:"number"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	State       string `json:"state"`
	StateReason string `json:"state_reason,omitempty"`
	User        User   `json:"user"`
	HTMLURL     string `json:"html_url"`
	// PullRequest makes the issue a pull request; MergeCommitSHA is set
	// once it is merged.
	PullRequest    bool   `json:"-"`
	MergeCommitSHA string `json:"-"`
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string // without Prefix
	Query  url.Values
	Body   string
	As     string // login of the token's user, "" if none
}

func (r Request) String() string { return r.Method + " " + r.Path }

// Server is the fake. Its fields are guarded by its mutex; use the methods.
type Server struct {
	*httptest.Server
	Owner, Repo string

	mu       sync.Mutex
	tokens   map[string]User
	issues   []*Issue
	comments []*Comment
	requests []Request
	nextID   int64
	now      time.Time
}

// NewServer starts a fake for the repository owner/repo. tokens maps each
// token it accepts to the user it acts as.
func NewServer(owner, repo string, tokens map[string]User) *Server {
	s := &Server{Owner: owner, Repo: repo, tokens: tokens, nextID: 100, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// APIURL is the value for GITHUB_API_URL.
func (s *Server) APIURL() string { return s.URL + strings.TrimSuffix(Prefix, "/") }

// AddIssue adds an issue or pull request and returns its number.
func (s *Server) AddIssue(is Issue) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	is.Number = len(s.issues) + 1
	if is.State == "" {
		is.State = "open"
	}
	is.HTMLURL = fmt.Sprintf("https://github.example/%s/%s/issues/%d", s.Owner, s.Repo, is.Number)
	s.issues = append(s.issues, &is)
	return is.Number
}

// Merge marks pull request number as merged, with merge commit sha.
func (s *Server) Merge(number int, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.issue(number); is != nil && is.PullRequest {
		is.MergeCommitSHA, is.State = sha, "closed"
	}
}

// AddComment adds a comment by u on issue number and returns its ID.
func (s *Server) AddComment(number int, u User, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addComment(number, u, body).ID
}

func (s *Server) addComment(number int, u User, body string) *Comment {
	s.nextID++
	s.now = s.now.Add(time.Minute)
	ts := s.now.Format(time.RFC3339)
	c := &Comment{ID: s.nextID, Body: body, User: u, CreatedAt: ts, UpdatedAt: ts, issue: number,
		HTMLURL: fmt.Sprintf("https://github.example/%s/%s/issues/%d#issuecomment-%d", s.Owner, s.Repo, number, s.nextID)}
	s.comments = append(s.comments, c)
	return c
}

// Comments returns copies of the comments on issue number, oldest first.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.issue == number {
			out = append(out, *c)
		}
	}
	return out
}

// Issues returns copies of all issues and pull requests.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.issues {
		out = append(out, *is)
	}
	return out
}

// Requests returns the requests received so far, and forgets them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

var (
	issueCommentsRe = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/([0-9]+)/comments$`)
	commentRe       = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/comments/([0-9]+)$`)
	issuesRe        = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues$`)
	issueRe         = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/issues/([0-9]+)$`)
	commitPullsRe   = regexp.MustCompile(`^repos/([^/]+)/([^/]+)/commits/([0-9a-f]+)/pulls$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	path, ok := strings.CutPrefix(r.URL.Path, Prefix)
	req := Request{Method: r.Method, Path: path, Query: r.URL.Query(), Body: string(body)}
	u, authed := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if authed {
		req.As = u.Login
	}
	s.requests = append(s.requests, req)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "Not Found (no "+Prefix+" prefix: the client ignored the base URL's path)")
		return
	case !authed:
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if m := firstMatch(path, issueCommentsRe, commentRe, issuesRe, issueRe, commitPullsRe); m != nil && (m[1] != s.Owner || m[2] != s.Repo) {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var m []string
	match := func(re *regexp.Regexp) bool { m = re.FindStringSubmatch(path); return m != nil }
	switch {
	case r.Method == "GET" && path == "user":
		if u.Installation {
			writeError(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
		writeJSON(w, http.StatusOK, u)
	case r.Method == "POST" && path == "graphql":
		s.graphQL(w, u, body)
	case r.Method == "GET" && match(issueCommentsRe):
		n, _ := strconv.Atoi(m[3])
		var list []any
		for _, c := range s.comments {
			if c.issue == n {
				list = append(list, c)
			}
		}
		s.page(w, r, list)
	case r.Method == "POST" && match(issueCommentsRe):
		n, _ := strconv.Atoi(m[3])
		if s.issue(n) == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		var in struct{ Body string }
		if json.Unmarshal(body, &in) != nil || in.Body == "" {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		if len([]rune(in.Body)) > 65536 {
			writeError(w, http.StatusUnprocessableEntity, "Body is too long (maximum is 65536 characters)")
			return
		}
		writeJSON(w, http.StatusCreated, s.addComment(n, u, in.Body))
	case r.Method == "PATCH" && match(commentRe):
		id, _ := strconv.ParseInt(m[3], 10, 64)
		i := slices.IndexFunc(s.comments, func(c *Comment) bool { return c.ID == id })
		var in struct{ Body string }
		if i < 0 {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		if json.Unmarshal(body, &in) != nil || in.Body == "" {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		s.now = s.now.Add(time.Minute)
		s.comments[i].Body, s.comments[i].UpdatedAt = in.Body, s.now.Format(time.RFC3339)
		writeJSON(w, http.StatusOK, s.comments[i])
	case r.Method == "GET" && match(issuesRe):
		state := r.URL.Query().Get("state")
		if state == "" {
			state = "open"
		}
		var list []any
		for _, is := range s.issues {
			if state == "all" || is.State == state {
				list = append(list, issueJSON(is))
			}
		}
		if r.URL.Query().Get("direction") == "desc" || r.URL.Query().Get("direction") == "" {
			slices.Reverse(list)
		}
		s.page(w, r, list)
	case r.Method == "POST" && match(issuesRe):
		var in struct{ Title, Body string }
		if json.Unmarshal(body, &in) != nil || in.Title == "" {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		is := &Issue{Number: len(s.issues) + 1, Title: in.Title, Body: in.Body, State: "open", User: u}
		is.HTMLURL = fmt.Sprintf("https://github.example/%s/%s/issues/%d", s.Owner, s.Repo, is.Number)
		s.issues = append(s.issues, is)
		writeJSON(w, http.StatusCreated, issueJSON(is))
	case r.Method == "PATCH" && match(issueRe):
		n, _ := strconv.Atoi(m[3])
		is := s.issue(n)
		if is == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		var in struct {
			Title, Body, State *string
			StateReason        *string `json:"state_reason"`
		}
		if json.Unmarshal(body, &in) != nil {
			writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		for p, v := range map[*string]*string{&is.Title: in.Title, &is.Body: in.Body, &is.State: in.State, &is.StateReason: in.StateReason} {
			if v != nil {
				*p = *v
			}
		}
		writeJSON(w, http.StatusOK, issueJSON(is))
	case r.Method == "GET" && match(commitPullsRe):
		var list []any
		for _, is := range s.issues {
			if is.PullRequest && is.MergeCommitSHA == m[3] {
				list = append(list, map[string]any{"number": is.Number, "state": "closed", "merge_commit_sha": is.MergeCommitSHA,
					"merged_at": s.now.Format(time.RFC3339), "html_url": is.HTMLURL})
			}
		}
		s.page(w, r, list)
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

func firstMatch(path string, res ...*regexp.Regexp) []string {
	for _, re := range res {
		if m := re.FindStringSubmatch(path); m != nil {
			return m
		}
	}
	return nil
}

func (s *Server) issue(n int) *Issue {
	if n < 1 || n > len(s.issues) {
		return nil
	}
	return s.issues[n-1]
}

func issueJSON(is *Issue) map[string]any {
	m := map[string]any{"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State,
		"user": is.User, "html_url": is.HTMLURL}
	if is.StateReason != "" {
		m["state_reason"] = is.StateReason
	}
	if is.PullRequest {
		m["pull_request"] = map[string]any{"url": is.HTMLURL}
	}
	return m
}

// graphQL answers the one query orgbackup sends: the viewer.
func (s *Server) graphQL(w http.ResponseWriter, u User, body []byte) {
	var in struct{ Query string }
	if json.Unmarshal(body, &in) != nil || !strings.Contains(in.Query, "viewer") {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]string{"message": "unsupported query"}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]any{"login": u.Login, "databaseId": u.ID}}})
}

// page writes one page of list as GitHub does: per_page (default 30, at
// most 100), page (from 1), and a Link header with the next and last pages.
func (s *Server) page(w http.ResponseWriter, r *http.Request, list []any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max(1, (len(list)+per-1)/per)
	from, to := min(len(list), (page-1)*per), min(len(list), page*per)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := list[from:to]
	if out == nil {
		out = []any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}
