package gh_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/gh"
	"github.com/orgbackup/orgbackup/internal/gh/ghtest"
)

// Tokens the fake accepts.
const (
	actionsToken = "ghs_actions"
	aliceToken   = "ghp_alice"
	malloryToken = "ghp_mallory"
)

func newServer(t *testing.T) *ghtest.Server {
	t.Helper()
	srv := ghtest.NewServer("octo", "policies", map[string]ghtest.User{
		actionsToken: ghtest.Actions, aliceToken: ghtest.Alice, malloryToken: ghtest.Mallory,
	})
	t.Cleanup(srv.Close)
	return srv
}

// actionsEnv is the environment of a workflow step on pull request pr.
func actionsEnv(t *testing.T, srv *ghtest.Server, token string, pr int) map[string]string {
	t.Helper()
	event := filepath.Join(t.TempDir(), "event.json")
	name, payload := "pull_request", fmt.Sprintf(`{"action":"synchronize","number":%d,"pull_request":{"number":%d,"title":"@everyone [x](y)"}}`, pr, pr)
	if pr == 0 {
		name, payload = "schedule", `{"schedule":"0 6 * * *"}`
	}
	if err := os.WriteFile(event, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"GITHUB_API_URL":    srv.APIURL(),
		"GITHUB_REPOSITORY": "octo/policies",
		"GITHUB_TOKEN":      token,
		"GITHUB_EVENT_NAME": name,
		"GITHUB_EVENT_PATH": event,
		"GITHUB_RUN_ID":     "4242",
	}
}

// client builds the real go-github client from the environment, as the
// command does.
func client(t *testing.T, srv *ghtest.Server, env map[string]string) (*gh.Client, *gh.Env) {
	t.Helper()
	e, err := gh.LoadEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c, err := gh.NewClient(e, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, e
}

func whoami(t *testing.T, c *gh.Client) gh.Identity {
	t.Helper()
	me, err := c.WhoAmI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return me
}

func TestWhoAmI(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		token string
		want  gh.Identity
		calls string
	}{
		// A personal access token reads /user.
		{aliceToken, gh.Identity{Login: "alice", ID: 1001}, "GET user"},
		// The Actions token cannot; GraphQL's viewer is its bot user.
		{actionsToken, gh.Identity{Login: "github-actions[bot]", ID: 41898282}, "GET user, POST graphql"},
	} {
		c, _ := client(t, srv, actionsEnv(t, srv, tc.token, 1))
		srv.Requests()
		if got := whoami(t, c); got != tc.want {
			t.Errorf("%s: WhoAmI = %v, want %v", tc.token, got, tc.want)
		}
		if got := requestList(srv.Requests()); got != tc.calls {
			t.Errorf("%s: requests %s, want %s", tc.token, got, tc.calls)
		}
	}
	c, _ := client(t, srv, actionsEnv(t, srv, "ghp_revoked", 1))
	if _, err := c.WhoAmI(context.Background()); err == nil || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("a bad token: err = %v", err)
	}
}

func requestList(rs []ghtest.Request) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.String())
	}
	return strings.Join(s, ", ")
}

func count(rs []ghtest.Request, method string) int {
	n := 0
	for _, r := range rs {
		if r.Method == method {
			n++
		}
	}
	return n
}

// TestStickyComment: the first run creates the comment, a second with the
// same content changes nothing, a third edits it in place; a comment with a
// copied marker by someone else is never edited; comments are read 100 to
// a page, across pages.
func TestStickyComment(t *testing.T) {
	for _, token := range []string{actionsToken, aliceToken} {
		t.Run(token, func(t *testing.T) {
			srv := newServer(t)
			pr := srv.AddIssue(ghtest.Issue{Title: "Change backups", PullRequest: true, User: ghtest.Alice})
			other := srv.AddIssue(ghtest.Issue{Title: "Another", PullRequest: true, User: ghtest.Alice})
			ctx := context.Background()
			c, e := client(t, srv, actionsEnv(t, srv, token, pr))
			if e.PullRequest != pr {
				t.Fatalf("pull request from the event = %d, want %d", e.PullRequest, pr)
			}
			me := whoami(t, c)

			// Mallory copies a genuine orgbackup comment, marker and
			// all, into this pull request, before 250 other comments.
			if _, err := c.UpsertComment(ctx, me, other, "plan policies", "### Plan: 1 to update\n"); err != nil {
				t.Fatal(err)
			}
			copied := srv.Comments(other)[0].Body
			mallory := srv.AddComment(pr, ghtest.Mallory, copied)
			for i := range 250 {
				srv.AddComment(pr, ghtest.Bob, fmt.Sprintf("comment %d", i))
			}
			srv.Requests()

			// First run: created, after reading all three pages.
			res, err := c.UpsertComment(ctx, me, pr, "plan policies", "### Plan: 1 to update\n")
			if err != nil {
				t.Fatal(err)
			}
			rs := srv.Requests()
			if res.Outcome != gh.Created || count(rs, "POST") != 1 || count(rs, "PATCH") != 0 {
				t.Fatalf("first run: %s, requests %s", res.Outcome, requestList(rs))
			}
			var pages []string
			for _, r := range rs {
				if r.Method == "GET" {
					if r.Query.Get("per_page") != "100" {
						t.Errorf("listed comments with per_page=%q, want 100", r.Query.Get("per_page"))
					}
					pages = append(pages, r.Query.Get("page"))
				}
			}
			if strings.Join(pages, ",") != ",2,3" {
				t.Errorf("pages read: %q, want first, 2 and 3", pages)
			}
			mine := srv.Comments(pr)[len(srv.Comments(pr))-1]
			if mine.ID != res.ID || mine.User.Login != me.Login || !strings.HasPrefix(mine.Body, "<!-- orgbackup:comment key=") || !strings.HasSuffix(mine.Body, "\n### Plan: 1 to update\n") {
				t.Fatalf("created comment: %+v", mine)
			}

			// Second run, same content: nothing written.
			res, err = c.UpsertComment(ctx, me, pr, "plan policies", "### Plan: 1 to update\n")
			if err != nil {
				t.Fatal(err)
			}
			rs = srv.Requests()
			if res.Outcome != gh.Unchanged || res.ID != mine.ID || count(rs, "POST")+count(rs, "PATCH") != 0 {
				t.Fatalf("unchanged run: %s on %d, requests %s", res.Outcome, res.ID, requestList(rs))
			}

			// Third run, new content: our comment edited in place.
			res, err = c.UpsertComment(ctx, me, pr, "plan policies", "### Plan: 2 to update\n")
			if err != nil {
				t.Fatal(err)
			}
			rs = srv.Requests()
			if res.Outcome != gh.Updated || res.ID != mine.ID || count(rs, "POST") != 0 || count(rs, "PATCH") != 1 {
				t.Fatalf("changed run: %s on %d, requests %s", res.Outcome, res.ID, requestList(rs))
			}
			for _, r := range rs {
				if r.Method == "PATCH" && r.Path != fmt.Sprintf("repos/octo/policies/issues/comments/%d", mine.ID) {
					t.Errorf("edited %s, not orgbackup's comment %d", r.Path, mine.ID)
				}
			}

			// Mallory's comment is as she wrote it; orgbackup has one
			// comment on the pull request, with the new content.
			ours := 0
			for _, cm := range srv.Comments(pr) {
				if cm.ID == mallory && cm.Body != copied {
					t.Errorf("mallory's comment was edited")
				}
				if cm.User.Login == me.Login {
					ours++
					if !strings.HasSuffix(cm.Body, "\n### Plan: 2 to update\n") {
						t.Errorf("orgbackup's comment: %q", cm.Body)
					}
				}
			}
			if ours != 1 {
				t.Errorf("%d comments by %s, want 1", ours, me.Login)
			}

			// Another key is another comment.
			res, err = c.UpsertComment(ctx, me, pr, "plan other-dir", "### Plan: no changes\n")
			if err != nil || res.Outcome != gh.Created {
				t.Errorf("second key: %v, %v", res.Outcome, err)
			}
		})
	}
}

// TestStickyCommentOtherIdentity: a comment orgbackup wrote with one
// identity (the Actions bot) is not edited by a run with another (a PAT),
// even though the marker and key match.
func TestStickyCommentOtherIdentity(t *testing.T) {
	srv := newServer(t)
	pr := srv.AddIssue(ghtest.Issue{Title: "PR", PullRequest: true, User: ghtest.Alice})
	ctx := context.Background()
	bot, _ := client(t, srv, actionsEnv(t, srv, actionsToken, pr))
	first, err := bot.UpsertComment(ctx, whoami(t, bot), pr, "k", "from the bot\n")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := client(t, srv, actionsEnv(t, srv, aliceToken, pr))
	res, err := alice.UpsertComment(ctx, whoami(t, alice), pr, "k", "from alice\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != gh.Created || res.ID == first.ID {
		t.Errorf("alice's run: %s on %d; the bot's comment is %d", res.Outcome, res.ID, first.ID)
	}
	if got := srv.Comments(pr)[0].Body; !strings.HasSuffix(got, "from the bot\n") {
		t.Errorf("the bot's comment became %q", got)
	}
}

// TestDriftIssue: one open issue while something needs attention, edited
// when the content changes, closed with a comment when all is well; issues
// and pull requests by others with a copied marker are left alone.
func TestDriftIssue(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	c, _ := client(t, srv, actionsEnv(t, srv, actionsToken, 0))
	me := whoami(t, c)
	drift := &gh.Issue{Title: "orgbackup: drift", Content: "1 policy changed outside orgbackup\n"}

	res, err := c.UpsertIssue(ctx, me, "drift policies", drift, "")
	if err != nil || res.Outcome != gh.Created {
		t.Fatalf("first drift: %v, %v", res.Outcome, err)
	}
	ours := res.Number
	body := srv.Issues()[ours-1].Body
	srv.AddIssue(ghtest.Issue{Title: "copy", Body: body, User: ghtest.Mallory})
	srv.AddIssue(ghtest.Issue{Title: "copy in a PR", Body: body, User: ghtest.Actions, PullRequest: true})
	for i := range 120 {
		srv.AddIssue(ghtest.Issue{Title: fmt.Sprintf("issue %d", i), User: ghtest.Bob})
	}
	srv.Requests()

	res, err = c.UpsertIssue(ctx, me, "drift policies", drift, "")
	rs := srv.Requests()
	if err != nil || res.Outcome != gh.Unchanged || res.Number != ours || count(rs, "PATCH")+count(rs, "POST") != 0 {
		t.Fatalf("same drift: %v #%d, %v, requests %s", res.Outcome, res.Number, err, requestList(rs))
	}

	drift.Content = "2 policies changed outside orgbackup\n"
	res, err = c.UpsertIssue(ctx, me, "drift policies", drift, "")
	if err != nil || res.Outcome != gh.Updated || res.Number != ours {
		t.Fatalf("more drift: %v #%d, %v", res.Outcome, res.Number, err)
	}
	if got := srv.Issues()[ours-1].Body; !strings.HasSuffix(got, "\n2 policies changed outside orgbackup\n") {
		t.Errorf("issue body %q", got)
	}

	res, err = c.UpsertIssue(ctx, me, "drift policies", nil, "All is well again.")
	if err != nil || res.Outcome != gh.Closed || res.Number != ours {
		t.Fatalf("all well: %v #%d, %v", res.Outcome, res.Number, err)
	}
	is := srv.Issues()[ours-1]
	if is.State != "closed" || is.StateReason != "completed" {
		t.Errorf("issue state %s (%s)", is.State, is.StateReason)
	}
	if cs := srv.Comments(ours); len(cs) != 1 || cs[0].Body != "All is well again." {
		t.Errorf("closing comments: %+v", cs)
	}
	for _, is := range srv.Issues()[ours:2] {
		if is.State != "open" || is.Body != body {
			t.Errorf("issue #%d by %s was touched", is.Number, is.User.Login)
		}
	}

	res, err = c.UpsertIssue(ctx, me, "drift policies", nil, "All is well again.")
	if err != nil || res.Outcome != gh.Absent {
		t.Fatalf("still well: %v, %v", res.Outcome, err)
	}
	// Drift again: a new issue, not the closed one reopened.
	res, err = c.UpsertIssue(ctx, me, "drift policies", drift, "")
	if err != nil || res.Outcome != gh.Created || res.Number == ours {
		t.Fatalf("drift again: %v #%d, %v", res.Outcome, res.Number, err)
	}
}

func TestPullForCommit(t *testing.T) {
	srv := newServer(t)
	sha := strings.Repeat("ab", 20)
	srv.AddIssue(ghtest.Issue{Title: "open PR", PullRequest: true, User: ghtest.Alice})
	merged := srv.AddIssue(ghtest.Issue{Title: "merged PR", PullRequest: true, User: ghtest.Alice, State: "closed", MergeCommitSHA: sha})
	c, _ := client(t, srv, actionsEnv(t, srv, actionsToken, 0))
	if n, err := c.PullForCommit(context.Background(), sha); err != nil || n != merged {
		t.Errorf("PullForCommit = %d, %v; want %d", n, err, merged)
	}
	if n, err := c.PullForCommit(context.Background(), strings.Repeat("cd", 20)); err != nil || n != 0 {
		t.Errorf("a pushed commit: %d, %v", n, err)
	}
}
