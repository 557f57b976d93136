package gh

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// Issue is what the drift issue should say when something needs attention.
type Issue struct {
	Title   string
	Content string
}

// UpsertIssue keeps one open issue of orgbackup's for key. With want set
// (something needs attention) it edits the open issue me opened earlier
// for key, leaves it alone if title and content are unchanged, or opens
// one. With want nil (all is well) it closes that issue, with resolved as
// a last comment, or does nothing if none is open. Issues anyone else
// opened are never touched.
func (c *Client) UpsertIssue(ctx context.Context, me Identity, key string, want *Issue, resolved string) (Result, error) {
	old, err := c.findIssue(ctx, me, key)
	if err != nil {
		return Result{}, err
	}
	if want == nil {
		if old == nil {
			return Result{Outcome: Absent}, nil
		}
		n := old.GetNumber()
		if resolved != "" {
			if _, _, err := c.Issues.CreateComment(ctx, c.Owner, c.Repo, n, &github.IssueComment{Body: &resolved}); err != nil {
				return Result{}, fmt.Errorf("comment on issue #%d: %w", n, err)
			}
		}
		state, reason := "closed", "completed"
		is, _, err := c.Issues.Edit(ctx, c.Owner, c.Repo, n, &github.IssueRequest{State: &state, StateReason: &reason})
		if err != nil {
			return Result{}, fmt.Errorf("close issue #%d: %w", n, err)
		}
		return Result{Outcome: Closed, Number: n, URL: is.GetHTMLURL()}, nil
	}

	m := newMarker("issue", key, want.Title+"\n"+want.Content)
	body := m.String() + want.Content
	if old == nil {
		is, _, err := c.Issues.Create(ctx, c.Owner, c.Repo, &github.IssueRequest{Title: &want.Title, Body: &body})
		if err != nil {
			return Result{}, fmt.Errorf("open issue: %w", err)
		}
		return Result{Outcome: Created, Number: is.GetNumber(), URL: is.GetHTMLURL()}, nil
	}
	n := old.GetNumber()
	if om, _ := parseMarker(old.GetBody()); om.sum == m.sum {
		return Result{Outcome: Unchanged, Number: n, URL: old.GetHTMLURL()}, nil
	}
	is, _, err := c.Issues.Edit(ctx, c.Owner, c.Repo, n, &github.IssueRequest{Title: &want.Title, Body: &body})
	if err != nil {
		return Result{}, fmt.Errorf("edit issue #%d: %w", n, err)
	}
	return Result{Outcome: Updated, Number: n, URL: is.GetHTMLURL()}, nil
}

// findIssue returns the oldest open issue (not pull request) me opened
// with a marker for key, or nil.
func (c *Client) findIssue(ctx context.Context, me Identity, key string) (*github.Issue, error) {
	want := newMarker("issue", key, "")
	opts := &github.IssueListByRepoOptions{State: "open", Sort: "created", Direction: "asc", ListOptions: github.ListOptions{PerPage: 100}}
	for range maxPages {
		page, resp, err := c.Issues.ListByRepo(ctx, c.Owner, c.Repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list open issues: %w", err)
		}
		for _, is := range page {
			if is.IsPullRequest() {
				continue
			}
			if m, ok := parseMarker(is.GetBody()); ok && m.kind == "issue" && m.key == want.key && me.Wrote(is.User) {
				return is, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, fmt.Errorf("list open issues: more than %d pages", maxPages)
}
