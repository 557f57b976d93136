package gh

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// IssuesAPI is the part of go-github's IssuesService orgbackup uses, with
// its own signatures: *github.IssuesService satisfies it. Pull requests are
// issues to this API, so comments on both go through it.
type IssuesAPI interface {
	ListComments(ctx context.Context, owner, repo string, number int, opts *github.IssueListCommentsOptions) ([]*github.IssueComment, *github.Response, error)
	CreateComment(ctx context.Context, owner, repo string, number int, comment *github.IssueComment) (*github.IssueComment, *github.Response, error)
	EditComment(ctx context.Context, owner, repo string, commentID int64, comment *github.IssueComment) (*github.IssueComment, *github.Response, error)
	ListByRepo(ctx context.Context, owner, repo string, opts *github.IssueListByRepoOptions) ([]*github.Issue, *github.Response, error)
	Create(ctx context.Context, owner, repo string, issue *github.IssueRequest) (*github.Issue, *github.Response, error)
	Edit(ctx context.Context, owner, repo string, number int, issue *github.IssueRequest) (*github.Issue, *github.Response, error)
}

// PullsAPI finds the pull request a pushed commit came from;
// *github.PullRequestsService satisfies it.
type PullsAPI interface {
	ListPullRequestsWithCommit(ctx context.Context, owner, repo, sha string, opts *github.ListOptions) ([]*github.PullRequest, *github.Response, error)
}

// UsersAPI reads the user a token belongs to; *github.UsersService
// satisfies it.
type UsersAPI interface {
	Get(ctx context.Context, user string) (*github.User, *github.Response, error)
}

// RequestAPI sends a request go-github has no method for (the GraphQL
// viewer query); *github.Client satisfies it.
type RequestAPI interface {
	NewRequest(method, urlStr string, body interface{}, opts ...github.RequestOption) (*http.Request, error)
	Do(ctx context.Context, req *http.Request, v interface{}) (*github.Response, error)
}

// Client is one repository on GitHub, reached through go-github. The
// owner and repository are bound here, so callers pass only what varies.
type Client struct {
	Issues     IssuesAPI
	Pulls      PullsAPI
	Users      UsersAPI
	Requests   RequestAPI
	GraphQLURL string
	Owner      string
	Repo       string
}

// NewClient returns a Client for the repository env describes, using
// go-github with env's API root and token. httpClient may be nil.
func NewClient(env *Env, httpClient *http.Client) (*Client, error) {
	if env.Token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")
	}
	base, err := url.Parse(env.APIURL)
	if err != nil {
		return nil, fmt.Errorf("read GITHUB_API_URL: %w", err)
	}
	// go-github resolves paths against BaseURL, which must end in '/'.
	// Setting it directly (rather than WithEnterpriseURLs, which appends
	// /api/v3/ to hosts it does not recognise) treats github.com, GitHub
	// Enterprise Server and a test server alike.
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	c := github.NewClient(httpClient).WithAuthToken(env.Token)
	c.BaseURL = base
	c.UserAgent = "orgbackup"
	return &Client{
		Issues:     c.Issues,
		Pulls:      c.PullRequests,
		Users:      c.Users,
		Requests:   c,
		GraphQLURL: env.GraphQLURL,
		Owner:      env.Owner,
		Repo:       env.Repo,
	}, nil
}

// Identity is the account a token acts as, the author of every comment
// and issue orgbackup writes with it.
type Identity struct {
	Login string
	ID    int64
}

// Wrote reports whether u is this identity. The numeric ID decides when
// both sides have one (logins can be renamed and reused); otherwise the
// login, which GitHub compares case-insensitively.
func (id Identity) Wrote(u *github.User) bool {
	if u == nil {
		return false
	}
	if id.ID != 0 && u.GetID() != 0 {
		return id.ID == u.GetID()
	}
	return id.Login != "" && strings.EqualFold(id.Login, u.GetLogin())
}

func (id Identity) String() string { return fmt.Sprintf("%s (id %d)", id.Login, id.ID) }

// WhoAmI returns the identity the token acts as. A personal access token
// can read GET /user. An installation token, which is what the Actions
// GITHUB_TOKEN and a GitHub App's token are, cannot ("Resource not
// accessible by integration", 403), and GET /app needs the App's JWT; but
// GraphQL's viewer is the App's bot user (github-actions[bot] for the
// GITHUB_TOKEN), with the same login and numeric ID the REST API puts on
// the comments it writes.
func (c *Client) WhoAmI(ctx context.Context) (Identity, error) {
	u, resp, err := c.Users.Get(ctx, "")
	if err == nil {
		if u.GetLogin() == "" {
			return Identity{}, errors.New("read authenticated user: GitHub returned no login")
		}
		return Identity{Login: u.GetLogin(), ID: u.GetID()}, nil
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		return Identity{}, fmt.Errorf("read authenticated user: %w", err)
	}
	req, err := c.Requests.NewRequest(http.MethodPost, c.GraphQLURL, map[string]string{
		"query": "query { viewer { login databaseId } }",
	})
	if err != nil {
		return Identity{}, fmt.Errorf("read viewer: %w", err)
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login      string `json:"login"`
				DatabaseID int64  `json:"databaseId"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := c.Requests.Do(ctx, req, &out); err != nil {
		return Identity{}, fmt.Errorf("read viewer: %w", err)
	}
	if len(out.Errors) > 0 {
		return Identity{}, fmt.Errorf("read viewer: %s", out.Errors[0].Message)
	}
	v := out.Data.Viewer
	if v.Login == "" {
		return Identity{}, errors.New("read viewer: GitHub returned no login")
	}
	return Identity{Login: v.Login, ID: v.DatabaseID}, nil
}

// PullForCommit returns the number of the merged pull request whose merge
// commit is sha, or 0 if the commit was pushed without one.
func (c *Client) PullForCommit(ctx context.Context, sha string) (int, error) {
	prs, _, err := c.Pulls.ListPullRequestsWithCommit(ctx, c.Owner, c.Repo, sha, &github.ListOptions{PerPage: 100})
	if err != nil {
		return 0, fmt.Errorf("list pull requests of commit %s: %w", sha, err)
	}
	for _, pr := range prs {
		if pr.GetMergeCommitSHA() == sha && pr.MergedAt != nil {
			return pr.GetNumber(), nil
		}
	}
	return 0, nil
}
