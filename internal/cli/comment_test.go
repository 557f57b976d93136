package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/orgbackup/orgbackup/internal/gh/ghtest"
	"github.com/orgbackup/orgbackup/internal/render"
)

// The tokens the fake GitHub accepts in these tests.
const (
	botToken     = "ghs_actions"
	malloryToken = "ghp_mallory"
)

// ghFixture is a fake GitHub for repository octo/policies and the Actions
// environment of a step in it.
type ghFixture struct {
	t   *testing.T
	srv *ghtest.Server
	env map[string]string
	dir string
}

func newGHFixture(t *testing.T) *ghFixture {
	t.Helper()
	srv := ghtest.NewServer("octo", "policies", map[string]ghtest.User{botToken: ghtest.Actions, malloryToken: ghtest.Mallory})
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	f := &ghFixture{t: t, srv: srv, dir: dir, env: map[string]string{
		"GITHUB_API_URL":      srv.APIURL(),
		"GITHUB_SERVER_URL":   "https://github.example",
		"GITHUB_REPOSITORY":   "octo/policies",
		"GITHUB_TOKEN":        botToken,
		"GITHUB_RUN_ID":       "4242",
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"),
	}}
	return f
}

// event sets the event the step runs for: a pull request's number, or 0
// for a push of sha, or a schedule when sha is "" too.
func (f *ghFixture) event(pr int, sha string) {
	f.t.Helper()
	name, payload := "pull_request", fmt.Sprintf(`{"number":%d,"pull_request":{"number":%d,"title":"@everyone [x](y)"}}`, pr, pr)
	switch {
	case pr == 0 && sha == "":
		name, payload = "schedule", `{"schedule":"17 6 * * *"}`
	case pr == 0:
		name, payload = "push", fmt.Sprintf(`{"ref":"refs/heads/main","after":%q}`, sha)
	}
	p := filepath.Join(f.dir, "event.json")
	if err := os.WriteFile(p, []byte(payload), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.env["GITHUB_EVENT_NAME"], f.env["GITHUB_EVENT_PATH"], f.env["GITHUB_SHA"] = name, p, sha
}

// run runs orgbackup in the step's environment.
func (f *ghFixture) run(args ...string) (int, string, string) {
	f.t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, &IO{Out: &out, Err: &errb, Getenv: func(k string) string { return f.env[k] }})
	return code, out.String(), errb.String()
}

// mustRun runs orgbackup and fails the test unless it exits with want.
func (f *ghFixture) mustRun(want int, args ...string) string {
	f.t.Helper()
	code, out, errb := f.run(args...)
	if code != want {
		f.t.Fatalf("orgbackup %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errb)
	}
	return out
}

// summary returns the job summary written so far, and empties it.
func (f *ghFixture) summary() string {
	p := f.env["GITHUB_STEP_SUMMARY"]
	data, _ := os.ReadFile(p)
	os.Remove(p)
	return string(data)
}

// examplePlan saves the plan of the bundled example against snapshot
// (default: its own) and returns the file.
func (f *ghFixture) examplePlan(name, snapshot string) string {
	f.t.Helper()
	example, _ := filepath.Abs("../../policies")
	if snapshot == "" {
		snapshot = filepath.Join(example, "example-org.snapshot.json")
	}
	out := filepath.Join(f.dir, name)
	if code, stdout, stderr := f.run("plan", example, "--org", snapshot, "--out", out); code != ExitOK {
		f.t.Fatalf("plan: exit %d\n%s%s", code, stdout, stderr)
	}
	return out
}

// body is a comment's content below orgbackup's marker line.
func body(t *testing.T, c ghtest.Comment) string {
	t.Helper()
	marker, rest, ok := strings.Cut(c.Body, "\n")
	if !ok || !regexp.MustCompile(`^<!-- orgbackup:(comment|issue) key=[0-9a-f]{16} sha256=[0-9a-f]{64} -->$`).MatchString(marker) {
		t.Fatalf("comment %d does not start with orgbackup's marker: %q", c.ID, c.Body[:min(len(c.Body), 200)])
	}
	return rest
}

// TestCommentSticky: the first run creates the plan comment on the pull
// request of the event, a second with the same plan writes nothing, a
// third with another plan edits the comment in place; every run writes the
// plan to the job summary too.
func TestCommentSticky(t *testing.T) {
	f := newGHFixture(t)
	pr := f.srv.AddIssue(ghtest.Issue{Title: "Backups for prod", PullRequest: true, User: ghtest.Alice})
	f.event(pr, "")
	first := f.examplePlan("plan.json", "")

	out := f.mustRun(ExitOK, "comment", "--plan", first)
	cs := f.srv.Comments(pr)
	if len(cs) != 1 || cs[0].User.Login != ghtest.Actions.Login {
		t.Fatalf("after the first run: %+v", cs)
	}
	if !strings.Contains(out, fmt.Sprintf("comment on #%d created: %s", pr, cs[0].HTMLURL)) {
		t.Errorf("stdout = %q", out)
	}
	md := body(t, cs[0])
	if !strings.HasPrefix(md, "### ✓ Plan: 1 to create, 0 to update, 0 to delete, 1 attachment to add, 0 to remove\n") {
		t.Errorf("the summary line is not first:\n%s", md)
	}
	wantAll(t, "plan comment", md, "<details><summary>2 changes</summary>", "create policy `test-bk-policy`",
		"<details><summary>Effective policies: 6 of 6 accounts change, 0 would be invalid</summary>")
	if s := f.summary(); s != md+"\n" {
		t.Errorf("the job summary is not the comment's Markdown:\nsummary:\n%s\ncomment:\n%s", s, md)
	}

	// The same plan again: nothing written.
	f.srv.Requests()
	out = f.mustRun(ExitOK, "comment", "--plan", first)
	for _, r := range f.srv.Requests() {
		if r.Method == "POST" && r.Path != "graphql" || r.Method == "PATCH" {
			t.Errorf("an unchanged plan wrote: %s", r)
		}
	}
	if !strings.Contains(out, "unchanged") {
		t.Errorf("stdout = %q", out)
	}

	// Another plan: the same comment, edited.
	smaller := filepath.Join(f.dir, "smaller.json")
	writeSmallerExample(t, smaller)
	second := f.examplePlan("plan2.json", smaller)
	out = f.mustRun(ExitOK, "comment", "--plan", second)
	cs = f.srv.Comments(pr)
	if len(cs) != 1 || !strings.Contains(out, "updated") {
		t.Fatalf("after the second plan: %d comments, stdout %q", len(cs), out)
	}
	if md := body(t, cs[0]); !strings.Contains(md, "Effective policies: 5 of 5 accounts change") {
		t.Errorf("edited comment:\n%s", md)
	}
	f.summary()

	// --pr names the pull request; DIR keys the comment, so another
	// policy directory gets a comment of its own.
	other := f.srv.AddIssue(ghtest.Issue{Title: "Other", PullRequest: true, User: ghtest.Alice})
	f.mustRun(ExitOK, "comment", "--plan", first, "--pr", fmt.Sprint(other))
	f.mustRun(ExitOK, "comment", "other-policies", "--plan", first, "--pr", fmt.Sprint(other))
	if n := len(f.srv.Comments(other)); n != 2 {
		t.Errorf("%d comments on #%d, want one per policy directory", n, other)
	}
}

// writeSmallerExample writes the example's snapshot without one of its
// accounts.
func writeSmallerExample(t *testing.T, path string) {
	t.Helper()
	example, _ := filepath.Abs("../../policies")
	data, err := os.ReadFile(filepath.Join(example, "example-org.snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`(?m)^.*"name": "sandbox-a".*\n`).ReplaceAllString(string(data), "")
	s = strings.Replace(s, `"joined_method": "CREATED"},
  ]`, `"joined_method": "CREATED"}
  ]`, 1)
	if s == string(data) {
		t.Fatal("the example snapshot no longer has the account sandbox-a this test removes")
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCommentLeavesOthersAlone: a comment that carries orgbackup's marker
// but was written by someone else is never edited; orgbackup writes its
// own.
func TestCommentLeavesOthersAlone(t *testing.T) {
	f := newGHFixture(t)
	pr := f.srv.AddIssue(ghtest.Issue{Title: "PR", PullRequest: true, User: ghtest.Alice})
	f.event(pr, "")
	p := f.examplePlan("plan.json", "")

	// Mallory runs orgbackup with her own token: a comment with exactly
	// the marker and content orgbackup would write.
	f.env["GITHUB_TOKEN"] = malloryToken
	f.mustRun(ExitOK, "comment", "--plan", p)
	forged := f.srv.Comments(pr)[0]
	if forged.User.Login != "mallory" {
		t.Fatalf("setup: %+v", forged)
	}
	f.srv.AddComment(pr, ghtest.Mallory, forged.Body+"\n\nApproved, merge away @org/admins")

	f.env["GITHUB_TOKEN"] = botToken
	f.mustRun(ExitOK, "comment", "--plan", p)
	f.mustRun(ExitOK, "comment", "--plan", p)
	cs := f.srv.Comments(pr)
	if len(cs) != 3 {
		t.Fatalf("%d comments, want mallory's two and orgbackup's one", len(cs))
	}
	if cs[0].Body != forged.Body || cs[0].UpdatedAt != forged.UpdatedAt {
		t.Errorf("mallory's comment was edited")
	}
	if cs[2].User.Login != ghtest.Actions.Login || body(t, cs[2]) != body(t, forged) {
		t.Errorf("orgbackup's own comment: %+v", cs[2])
	}
}

// TestCommentWithoutPullRequest: on a push there is no pull request to
// comment on; the plan goes to the job summary and GitHub is not called.
func TestCommentWithoutPullRequest(t *testing.T) {
	f := newGHFixture(t)
	f.event(0, strings.Repeat("ab", 20))
	p := f.examplePlan("plan.json", "")
	f.srv.Requests()
	out := f.mustRun(ExitOK, "comment", "--plan", p)
	if rs := f.srv.Requests(); len(rs) != 0 {
		t.Errorf("called GitHub: %v", rs)
	}
	if !strings.Contains(out, "no pull request to comment on (event push)") {
		t.Errorf("stdout = %q", out)
	}
	if s := f.summary(); !strings.HasPrefix(s, "### ✓ Plan: 1 to create") {
		t.Errorf("summary = %q", s)
	}

	// Outside Actions (no summary file) that is said, not an error.
	delete(f.env, "GITHUB_STEP_SUMMARY")
	if _, _, errb := f.run("comment", "--plan", p); !strings.Contains(errb, "GITHUB_STEP_SUMMARY is not set") {
		t.Errorf("stderr = %q", errb)
	}
}

// TestCommentErrors: what the command refuses, and how it fails.
func TestCommentErrors(t *testing.T) {
	f := newGHFixture(t)
	pr := f.srv.AddIssue(ghtest.Issue{Title: "PR", PullRequest: true, User: ghtest.Alice})
	f.event(pr, "")
	p := f.examplePlan("plan.json", "")
	bad := filepath.Join(f.dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format_version":"0"}`), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"comment"}, ExitUsage, "--plan is required"},
		{[]string{"comment", "--plan", p, "--applied", "maybe"}, ExitUsage, "--applied takes applied or failed"},
		{[]string{"comment", "--plan", p, "--applied", "applied", "--drift-issue"}, ExitUsage, "give one"},
		{[]string{"comment", "--plan", p, "--drift-issue", "--pr", "3"}, ExitUsage, "drop --pr"},
		{[]string{"comment", "--plan", p, "--pr", "0"}, ExitUsage, "--pr takes a pull request number"},
		{[]string{"comment", "--plan", p, "--log", "x"}, ExitUsage, "go with --applied"},
		{[]string{"comment", "a", "b", "--plan", p}, ExitUsage, "at most 1 argument"},
		{[]string{"comment", "--plan", filepath.Join(f.dir, "missing.json")}, ExitFailed, "read plan: open"},
		{[]string{"comment", "--plan", bad}, ExitFailed, `format_version "0"`},
		{[]string{"comment", "--plan", p, "--pr", "99"}, ExitFailed, "create comment on #99"},
	} {
		code, _, errb := f.run(tc.args...)
		if code != tc.code || !strings.Contains(errb, tc.err) {
			t.Errorf("orgbackup %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errb, tc.code, tc.err)
		}
	}
	f.env["GITHUB_TOKEN"] = ""
	if code, _, errb := f.run("comment", "--plan", p); code != ExitFailed || !strings.Contains(errb, "no GitHub token") {
		t.Errorf("without a token: exit %d, %q", code, errb)
	}
	f.env["GITHUB_TOKEN"] = "ghp_revoked"
	if code, _, errb := f.run("comment", "--plan", p); code != ExitFailed || !strings.Contains(errb, "Bad credentials") {
		t.Errorf("with a bad token: exit %d, %q", code, errb)
	}
}

// largeOrg writes a policy directory of n policies, one per OU, and a
// snapshot of an organization with n OUs of per accounts each: every
// policy is created and attached, and each OU's accounts change alike.
func largeOrg(t *testing.T, dir string, n, per int) (policies, snapshot string) {
	t.Helper()
	policies = filepath.Join(dir, "policies")
	if err := os.MkdirAll(policies, 0o755); err != nil {
		t.Fatal(err)
	}
	var cue strings.Builder
	cue.WriteString("package orgbackup\n\n")
	cue.WriteString(`baselines: main: {targets: ["Root"], regions: ["eu-west-1"], role_name: "backup-role", vault_name: "backup-vault"}` + "\n")
	var ous, accounts []string
	for i := range n {
		team := fmt.Sprintf("team-%03d", i)
		fmt.Fprintf(&cue, `policies: %q: {
	targets: ["Root/%s"]
	plans: %q: {
		regions: ["eu-west-1"]
		rules: "nightly": {
			schedule_expression:      "cron(%d %d ? * * *)"
			target_backup_vault_name: "backup-vault"
			lifecycle: delete_after_days: %d
		}
		selections: tags: "tagged": {
			iam_role_arn: "arn:aws:iam::$account:role/backup-role"
			tag_key:      "Backup"
			tag_value: ["On"]
		}
	}
}
`, team, team, team, i%60, i%24, 7+i)
		ou := fmt.Sprintf("ou-ab12-%08d", i)
		ous = append(ous, fmt.Sprintf(`{"id": %q, "name": %q}`, ou, team))
		for j := range per {
			id := fmt.Sprintf("%012d", 100000000000+i*per+j)
			accounts = append(accounts, fmt.Sprintf(`{"id": %q, "name": "%s-acct-%d", "parent_id": %q}`, id, team, j, ou))
		}
	}
	if err := os.WriteFile(filepath.Join(policies, "teams.cue"), []byte(cue.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	snapshot = filepath.Join(dir, "org.json")
	org := fmt.Sprintf(`{"format_version": "1", "source": "hand-written",
  "organization": {"id": "o-a1b2c3d4e5", "management_account_id": "111111111111"},
  "roots": [{"id": "r-ab12", "name": "Root", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}]}],
  "organizational_units": [%s],
  "accounts": [{"id": "111111111111", "name": "management"}, %s]}`, strings.Join(ous, ",\n"), strings.Join(accounts, ",\n"))
	if err := os.WriteFile(snapshot, []byte(org), 0o644); err != nil {
		t.Fatal(err)
	}
	return policies, snapshot
}

// commentLarge plans largeOrg(teams, per) and comments the plan on a new
// pull request, whose number it returns.
func (f *ghFixture) commentLarge(teams, per int) int {
	f.t.Helper()
	pr := f.srv.AddIssue(ghtest.Issue{Title: fmt.Sprintf("%d teams", teams), PullRequest: true, User: ghtest.Alice})
	f.event(pr, "")
	policies, snapshot := largeOrg(f.t, f.dir, teams, per)
	p := filepath.Join(f.dir, "plan.json")
	f.mustRun(ExitOK, "plan", policies, "--org", snapshot, "--out", p)
	f.mustRun(ExitOK, "comment", policies, "--plan", p)
	return pr
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// TestComment3000Accounts: a plan that changes 3,000 accounts in 40
// different ways, with 40 policies to create, is beyond GitHub's comment
// limit. The comment is cut below it (GitHub's fake refuses longer bodies,
// as GitHub does): the summary line first, every change and group of
// accounts listed, the policy documents and effective-policy diffs, which
// go first, shown whole as far as they fit; every <details> and fence
// closed; a note that counts what is shown and links to the run. The job
// summary has everything.
func TestComment3000Accounts(t *testing.T) {
	f := newGHFixture(t)
	pr := f.commentLarge(40, 75)
	cs := f.srv.Comments(pr)
	if len(cs) != 1 {
		t.Fatalf("%d comments", len(cs))
	}
	md := body(t, cs[0])
	if n := utf16Len(cs[0].Body); n > 65536 || n > render.CommentBudget.Chars+200 {
		t.Errorf("comment has %d characters", n)
	}
	if !strings.HasPrefix(md, "### ✓ Plan: 40 to create, 0 to update, 0 to delete, 40 attachments to add, 0 to remove\n") {
		t.Errorf("the summary line is not first: %q", md[:200])
	}
	note := regexp.MustCompile(`(?m)^> truncated: 80 of 80 changes, ([0-9,]+) of 80 diffs and 3,000 of 3,000 accounts shown, to stay within GitHub's size limit\. ` +
		`The rest is in \[the plan artifact and the job summary of this run\]\(<https://github\.example/octo/policies/actions/runs/4242>\)\.$`).FindStringSubmatch(md)
	if note == nil {
		t.Fatalf("no truncation note with counts and link:\n%s", md[:1000])
	}
	checkBalanced(t, md)
	// The documents and diffs go first: every change and every group of
	// accounts is listed, and the first documents, whole, as many as the
	// note says.
	if n := len(regexp.MustCompile(`(?m)^- ➕ `).FindAllString(md, -1)); n != 80 {
		t.Errorf("%d changes listed, want 80", n)
	}
	if n := strings.Count(md, "#### 75 accounts: gain a backup policy"); n != 40 {
		t.Errorf("%d groups of accounts listed, want 40", n)
	}
	docs := strings.Count(md, "<summary>Document</summary>") + strings.Count(md, "<summary>Effective policy diff</summary>")
	if fmt.Sprint(docs) != note[1] || docs < 10 {
		t.Errorf("%d documents and diffs shown, the note says %s", docs, note[1])
	}
	if !strings.Contains(md, "<summary>Document</summary>\n\n  ```diff\n  --- before\n  +++ after\n  @@ -0,0 +1,43 @@\n  +{\n") {
		t.Errorf("the first document is not whole")
	}
	// The job summary has all of it, uncut.
	s := f.summary()
	if strings.Contains(s, "truncated") || strings.Count(s, "<summary>Document</summary>") != 40 || strings.Count(s, "<summary>Effective policy diff</summary>") != 40 {
		t.Errorf("job summary: truncated=%t, %d documents, %d diffs", strings.Contains(s, "truncated"), strings.Count(s, "<summary>Document</summary>"), strings.Count(s, "<summary>Effective policy diff</summary>"))
	}
}

// TestCommentGroupsIdenticalAccounts: 3,000 accounts whose effective policy
// changes the same way read as one group, and the comment is not cut.
func TestCommentGroupsIdenticalAccounts(t *testing.T) {
	f := newGHFixture(t)
	pr := f.commentLarge(1, 3000)
	md := body(t, f.srv.Comments(pr)[0])
	if strings.Contains(md, "truncated") || strings.Count(md, "#### ") != 1 ||
		!strings.Contains(md, "#### 3,000 accounts: gain a backup policy") || !strings.Contains(md, ", and 2,990 more") {
		t.Errorf("3,000 identical changes are not one group:\n%s", md)
	}
	checkBalanced(t, md)
}

// checkBalanced fails unless every <details> is closed and every code
// fence is closed by a fence of its own length.
func checkBalanced(t *testing.T, md string) {
	t.Helper()
	if o, c := strings.Count(md, "<details"), strings.Count(md, "</details>"); o != c {
		t.Errorf("%d <details> opened, %d closed", o, c)
	}
	open := ""
	for _, line := range strings.Split(md, "\n") {
		l := strings.TrimLeft(line, " ")
		fence := regexp.MustCompile("^`{3,}").FindString(l)
		switch {
		case fence == "":
		case open == "":
			open = fence
		case fence == open && strings.TrimRight(l, " ") == fence:
			open = ""
		}
	}
	if open != "" {
		t.Errorf("a %s fence is not closed", open)
	}
}

// emptyPlan saves a plan without changes: no definitions, against the
// example's organization, whose one backup policy is not orgbackup's.
func (f *ghFixture) emptyPlan() string {
	f.t.Helper()
	dir := filepath.Join(f.dir, "empty")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "none.cue"), []byte("package orgbackup\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	example, _ := filepath.Abs("../../policies")
	out := filepath.Join(f.dir, "empty.json")
	f.mustRun(ExitOK, "plan", dir, "--org", filepath.Join(example, "example-org.snapshot.json"), "--out", out, "--detailed-exitcode")
	return out
}

// TestCommentDriftIssue: a scheduled plan that should be empty. Empty and
// no issue: nothing written. Changes: one issue is opened, left alone
// while the plan is the same, and closed, with a last comment, once the
// plan is empty again.
func TestCommentDriftIssue(t *testing.T) {
	f := newGHFixture(t)
	f.event(0, "")
	empty, drift := f.emptyPlan(), f.examplePlan("drift.json", "")

	f.srv.Requests()
	out := f.mustRun(ExitOK, "comment", "--plan", empty, "--drift-issue")
	for _, r := range f.srv.Requests() {
		if r.Method != "GET" && r.Path != "graphql" {
			t.Errorf("an empty plan without an issue wrote: %s", r)
		}
	}
	if !strings.Contains(out, "no drift") || !strings.HasPrefix(f.summary(), "### ✓ No changes.") {
		t.Errorf("stdout = %q", out)
	}

	out = f.mustRun(ExitOK, "comment", "--plan", drift, "--drift-issue")
	is := f.srv.Issues()
	if len(is) != 1 || is[0].State != "open" || is[0].User.Login != ghtest.Actions.Login {
		t.Fatalf("issues after drift: %+v", is)
	}
	if is[0].Title != "orgbackup drift: Plan: 1 to create, 0 to update, 0 to delete, 1 attachment to add, 0 to remove" {
		t.Errorf("title = %q", is[0].Title)
	}
	md := body(t, ghtest.Comment{Body: is[0].Body})
	if !strings.HasPrefix(md, "### ✓ Plan: 1 to create") || !strings.Contains(md, "kept current by orgbackup's scheduled plan") ||
		!strings.Contains(md, "[The run](<https://github.example/octo/policies/actions/runs/4242>)") {
		t.Errorf("issue body:\n%s", md)
	}
	if !strings.Contains(out, fmt.Sprintf("drift issue #%d created", is[0].Number)) {
		t.Errorf("stdout = %q", out)
	}
	f.srv.Requests()
	f.mustRun(ExitOK, "comment", "--plan", drift, "--drift-issue")
	for _, r := range f.srv.Requests() {
		if r.Method == "PATCH" || r.Method == "POST" && r.Path != "graphql" {
			t.Errorf("the same drift wrote: %s", r)
		}
	}

	out = f.mustRun(ExitOK, "comment", "--plan", empty, "--drift-issue")
	is = f.srv.Issues()
	if len(is) != 1 || is[0].State != "closed" || !strings.Contains(out, "closed") {
		t.Fatalf("after the drift is gone: %+v, stdout %q", is, out)
	}
	if cs := f.srv.Comments(is[0].Number); len(cs) != 1 || !strings.HasPrefix(cs[0].Body, "All is well again") {
		t.Errorf("closing comment: %+v", cs)
	}

	// The plan is empty but status finds failed backups: an issue, with
	// status first and open.
	status := filepath.Join(f.dir, "status.md")
	os.WriteFile(status, []byte("### ✗ orgbackup status: 1 account needs attention\n\n- `222222222222`: 3 backup jobs failed\n"), 0o644)
	f.mustRun(ExitOK, "comment", "--plan", empty, "--drift-issue", "--status", status, "--status-failed")
	is = f.srv.Issues()
	if len(is) != 2 || is[1].State != "open" || is[1].Title != "orgbackup status: backups need attention" {
		t.Fatalf("issues with failing status: %+v", is)
	}
	md = body(t, ghtest.Comment{Body: is[1].Body})
	if !strings.HasPrefix(md, "### ✓ No changes.\n") || !strings.Contains(md, "<details open><summary>Status of the backups</summary>\n\n### ✗ orgbackup status: 1 account needs attention") {
		t.Errorf("status in the issue:\n%s", md)
	}
	// Healthy again: closed.
	out = f.mustRun(ExitOK, "comment", "--plan", empty, "--drift-issue", "--status", status)
	if is = f.srv.Issues(); is[1].State != "closed" || !strings.Contains(out, "closed") {
		t.Errorf("healthy status: %+v, stdout %q", is[1], out)
	}
	if code, _, errb := f.run("comment", "--plan", empty, "--status", status); code != ExitUsage || !strings.Contains(errb, "go with --drift-issue") {
		t.Errorf("--status without --drift-issue: exit %d, %q", code, errb)
	}
}

// TestCommentApplied: apply's outcome goes to the pull request merged as
// the pushed commit, in a comment of its own next to the plan comment,
// kept current across re-runs: the calls of the apply log, apply's
// output, and the plan that was reviewed.
func TestCommentApplied(t *testing.T) {
	f := newGHFixture(t)
	sha := strings.Repeat("5e", 20)
	pr := f.srv.AddIssue(ghtest.Issue{Title: "Backups", PullRequest: true, User: ghtest.Alice, MergeCommitSHA: sha})
	f.event(pr, "")
	p := f.examplePlan("plan.json", "")
	f.mustRun(ExitOK, "comment", "--plan", p)
	f.summary()

	f.event(0, sha)
	log := filepath.Join(f.dir, DefaultApplyLog)
	os.WriteFile(log, []byte(`{"time":"2026-01-02T03:04:05Z","phase":"policies","action":"create","operation":"CreatePolicy","policy":"test-bk-policy","policy_id":"p-1","request_id":"req-1","result":"done","note":"created @org/team"}
{"time":"2026-01-02T03:04:06Z","phase":"attach","action":"attach","operation":"AttachPolicy","policy":"test-bk-policy","target":"r-ab12","request_id":"req-2","result":"done","setting":"x"}
`), 0o644)
	out := f.mustRun(ExitOK, "comment", "--plan", p, "--applied", "applied")
	cs := f.srv.Comments(pr)
	if len(cs) != 2 || !strings.Contains(out, fmt.Sprintf("comment on #%d created", pr)) {
		t.Fatalf("comments after apply: %d, stdout %q", len(cs), out)
	}
	md := body(t, cs[1])
	wantAll(t, "outcome comment", md,
		"### ✓ Applied: Plan: 1 to create, 0 to update, 0 to delete, 1 attachment to add, 0 to remove\n",
		"orgbackup apply of commit `5e5e5e5e5e5e` (definitions in `policies`, organization `o-a1b2c3d4e5`) carried out the reviewed plan: 2 calls (2 done).",
		"- ✅ done `CreatePolicy`: `create`, policy `test-bk-policy` (`p-1`) (request `req-1`); created @\u200dorg/team",
		"- ✅ done `AttachPolicy`: `attach`, policy `test-bk-policy`, setting `x`, target `r-ab12` (request `req-2`)",
		"<details><summary>The plan that was reviewed</summary>")
	if s := f.summary(); s != md+"\n" {
		t.Errorf("the job summary is not the outcome")
	}

	// A failed re-run: the same comment, edited; apply's output shown,
	// inert.
	os.WriteFile(log, []byte(`{"result":"failed","operation":"AttachPolicy","action":"attach","error":"AccessDenied: not authorized @org/admins [x](https://evil.example)"}`+"\n"), 0o644)
	output := filepath.Join(f.dir, "apply.txt")
	os.WriteFile(output, []byte("stale plan: the organization changed since the plan was made\n```\n::error::forged\n"), 0o644)
	out = f.mustRun(ExitOK, "comment", "--plan", p, "--applied", "failed", "--apply-output", output)
	cs = f.srv.Comments(pr)
	if len(cs) != 2 || !strings.Contains(out, "updated") {
		t.Fatalf("comments after a failed re-run: %d, stdout %q", len(cs), out)
	}
	md = body(t, cs[1])
	wantAll(t, "failed outcome", md,
		"### ✗ Apply failed: Plan: 1 to create",
		"stopped: 1 call (1 failed). Running the workflow again resumes from where it stopped.",
		"<details open><summary>Output of orgbackup apply</summary>\n\n````text\nstale plan: the organization changed since the plan was made\n```\n::error::forged\n````\n",
		"AccessDenied\\: not authorized @\u200dorg/admins \\[x\\]\\(https\\:\u200b//evil\\.example\\)")
	f.summary()

	// Apply refused before any call: no log; said so.
	os.Remove(log)
	f.mustRun(ExitOK, "comment", "--plan", p, "--applied", "failed", "--apply-output", output)
	if md := body(t, f.srv.Comments(pr)[1]); !strings.Contains(md, "changed nothing: it stopped before its first call") {
		t.Errorf("without a log:\n%s", md)
	}
	// A log named on the command line must exist.
	if code, _, errb := f.run("comment", "--plan", p, "--applied", "failed", "--log", log); code != ExitFailed || !strings.Contains(errb, "read apply log") {
		t.Errorf("missing --log: exit %d, %q", code, errb)
	}

	// A commit pushed without a pull request: the job summary only.
	f.event(0, strings.Repeat("0d", 20))
	if out := f.mustRun(ExitOK, "comment", "--plan", p, "--applied", "applied"); !strings.Contains(out, "was not merged from a pull request") {
		t.Errorf("stdout = %q", out)
	}
}

// wantAll fails for each of wants that md lacks.
func wantAll(t *testing.T, what, md string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(md, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, md)
		}
	}
}
