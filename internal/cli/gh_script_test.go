package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/gh/ghtest"
)

// Testscript commands for the GitHub side of end-to-end scripts: a fake
// GitHub (internal/gh/ghtest) that the real binary reaches through the
// standard Actions variables, as it reaches github.com or GitHub
// Enterprise Server.
var ghCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"github": cmdGitHub,
}

// The tokens the script's fake accepts, and who they act as.
var scriptTokens = map[string]ghtest.User{
	"ghs_actions": ghtest.Actions,
	"ghp_mallory": ghtest.Mallory,
	"ghp_alice":   ghtest.Alice,
}

var ghServers sync.Map // *testscript.TestScript -> *ghtest.Server

func ghServerOf(ts *testscript.TestScript) *ghtest.Server {
	v, ok := ghServers.Load(ts)
	if !ok {
		ts.Fatalf("no fake GitHub: run 'github start' first")
	}
	return v.(*ghtest.Server)
}

// cmdGitHub: github start | pr TITLE | merge PR SHA | event pull_request PR
// | event push SHA | event schedule | as actions|mallory|alice
// | say PR USER TEXT... | comments PR | issues.
//
// start serves a fake GitHub for octo/policies and sets the Actions
// environment of a workflow step: GITHUB_API_URL, GITHUB_SERVER_URL,
// GITHUB_REPOSITORY, GITHUB_TOKEN (github-actions[bot]'s), GITHUB_RUN_ID,
// GITHUB_STEP_SUMMARY ($WORK/summary.md), GITHUB_OUTPUT ($WORK/output)
// and RUNNER_TEMP ($WORK/runner). pr opens a pull request and prints its
// number; merge merges it as commit SHA; event sets the event the step
// runs for (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA); as switches
// the token; say comments as another user. comments and issues print what
// the fake holds: their number ("comments: N"), then one block per comment
// or issue: a header line
// "== #N by LOGIN [state]" then the body, with orgbackup's marker line
// shown as "<marker>".
func cmdGitHub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: github start | pr TITLE | merge PR SHA | event KIND [ARG] | as USER | say PR USER TEXT... | comments PR | issues")
	}
	switch args[0] {
	case "start":
		srv := ghtest.NewServer("octo", "policies", scriptTokens)
		ts.Defer(srv.Close)
		ghServers.Store(ts, srv)
		ts.Defer(func() { ghServers.Delete(ts) })
		for k, v := range map[string]string{
			"GITHUB_API_URL": srv.APIURL(), "GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "octo/policies",
			"GITHUB_TOKEN": "ghs_actions", "GITHUB_RUN_ID": "4242", "GITHUB_ACTIONS": "true",
			"GITHUB_STEP_SUMMARY": ts.MkAbs("summary.md"), "GITHUB_OUTPUT": ts.MkAbs("output"), "RUNNER_TEMP": ts.MkAbs("runner"),
		} {
			ts.Setenv(k, v)
		}
		ts.Check(os.MkdirAll(ts.MkAbs("runner"), 0o755))
	case "pr":
		if len(args) != 2 {
			ts.Fatalf("usage: github pr TITLE")
		}
		n := ghServerOf(ts).AddIssue(ghtest.Issue{Title: args[1], PullRequest: true, User: ghtest.Alice})
		fmt.Fprintln(ts.Stdout(), n)
	case "merge":
		if len(args) != 3 {
			ts.Fatalf("usage: github merge PR SHA")
		}
		ghServerOf(ts).Merge(atoi(ts, args[1]), args[2])
	case "event":
		writeEvent(ts, args[1:])
	case "as":
		for tok, u := range scriptTokens {
			if len(args) == 2 && (u.Login == args[1] || strings.TrimSuffix(u.Login, "[bot]") == "github-"+args[1]) {
				ts.Setenv("GITHUB_TOKEN", tok)
				return
			}
		}
		ts.Fatalf("usage: github as actions|mallory|alice")
	case "say":
		if len(args) < 4 {
			ts.Fatalf("usage: github say PR USER TEXT...")
		}
		var user *ghtest.User
		for _, u := range scriptTokens {
			if u.Login == args[2] {
				user = &u
			}
		}
		if user == nil {
			ts.Fatalf("github say: unknown user %q", args[2])
		}
		ghServerOf(ts).AddComment(atoi(ts, args[1]), *user, strings.Join(args[3:], " "))
	case "comments":
		if len(args) != 2 {
			ts.Fatalf("usage: github comments PR")
		}
		cs := ghServerOf(ts).Comments(atoi(ts, args[1]))
		fmt.Fprintf(ts.Stdout(), "comments: %d\n", len(cs))
		for _, c := range cs {
			fmt.Fprintf(ts.Stdout(), "== #%d by %s\n%s\n", c.ID, c.User.Login, showMarker(c.Body))
		}
	case "issues":
		var out strings.Builder
		n := 0
		for _, is := range ghServerOf(ts).Issues() {
			if !is.PullRequest {
				n++
				fmt.Fprintf(&out, "== #%d by %s [%s] %s\n%s\n", is.Number, is.User.Login, is.State, is.Title, showMarker(is.Body))
			}
		}
		fmt.Fprintf(ts.Stdout(), "issues: %d\n%s", n, out.String())
	default:
		ts.Fatalf("github: unknown subcommand %q", args[0])
	}
}

// showMarker replaces orgbackup's hidden marker line, whose hashes change
// with every byte of the body, by "<marker>".
func showMarker(body string) string {
	if first, rest, ok := strings.Cut(body, "\n"); ok && strings.HasPrefix(first, "<!-- orgbackup:") && strings.HasSuffix(first, " -->") {
		return "<marker>\n" + rest
	}
	return body
}

// writeEvent writes the event payload of a pull_request, push or schedule
// run and points the Actions variables at it.
func writeEvent(ts *testscript.TestScript, args []string) {
	var name, payload, sha string
	switch {
	case len(args) == 2 && args[0] == "pull_request":
		n := atoi(ts, args[1])
		name, payload = args[0], fmt.Sprintf(`{"action":"synchronize","number":%d,"pull_request":{"number":%d,"title":"@octo/admins [approve](https://evil.example)"}}`, n, n)
	case len(args) == 2 && args[0] == "push":
		name, sha, payload = args[0], args[1], fmt.Sprintf(`{"ref":"refs/heads/main","after":%q}`, args[1])
	case len(args) == 1 && args[0] == "schedule":
		name, payload = args[0], `{"schedule":"17 6 * * *"}`
	default:
		ts.Fatalf("usage: github event pull_request PR | push SHA | schedule")
	}
	p := ts.MkAbs("event.json")
	ts.Check(os.WriteFile(p, []byte(payload), 0o644))
	ts.Setenv("GITHUB_EVENT_NAME", name)
	ts.Setenv("GITHUB_EVENT_PATH", p)
	ts.Setenv("GITHUB_SHA", sha)
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("%q is not a number", s)
	}
	return n
}
