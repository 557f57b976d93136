package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/gh"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/render"
)

// The outcomes --applied takes.
const (
	outcomeApplied = "applied"
	outcomeFailed  = "failed"
)

type commentOptions struct {
	IO         *IO
	Dir        string
	Plan       string
	PR         int
	DriftIssue bool
	Applied    string
	Log        string
	Output     string
	// Status is the Markdown of orgbackup status, for the drift issue;
	// StatusFailed says status found something that needs attention.
	Status       string
	StatusFailed bool
}

func newCommentCmd(o *IO, runF func(*commentOptions) error) *cobra.Command {
	opts := &commentOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "comment [DIR] --plan FILE",
		Short: "Post a saved plan on its pull request, the drift issue or the job summary",
		Long: `Comment reports a plan saved with orgbackup plan --out on GitHub, from a
GitHub Actions step. DIR (default: policies) is the directory the plan was
made from; it tells the comments of several policy directories apart.

Without a mode flag, it keeps one comment on the pull request current: the
summary line first, then the problems, the changes and the accounts whose
effective policy changes, in collapsed sections. It edits the comment it
wrote before (found by a hidden marker and written by the same GitHub
identity; a comment by anyone else is never edited, whatever it contains)
or creates it. The pull request comes from --pr or from the event
(GITHUB_EVENT_PATH); without one, for example on a push, only the job
summary is written.

--drift-issue is for a scheduled plan that should be empty: when the plan
has changes or errors it opens, or updates, one issue saying so; when it
is empty it closes that issue. With --status FILE (what orgbackup status
--output markdown wrote) the issue shows the backups' status too, and
--status-failed (status exited 1) keeps the issue open even when the plan
is empty.

--applied applied|failed reports the outcome of orgbackup apply on the pull
request that was merged (from --pr, or the one whose merge commit is
GITHUB_SHA), with the calls of the apply log (--log, default
` + DefaultApplyLog + ` next to the plan file) and apply's output
(--apply-output).

Every mode also writes the whole report to the job summary
(GITHUB_STEP_SUMMARY). A comment longer than GitHub allows is cut at a
section boundary, with a note and a link to the run, whose summary and plan
artifact have the rest. Names of policies, OUs, accounts and tags and
descriptions are rendered as inert text.

It reads the standard Actions environment: GITHUB_TOKEN (the workflow's
token, with pull-requests: write or issues: write), GITHUB_REPOSITORY,
GITHUB_API_URL (GitHub Enterprise Server too), GITHUB_SERVER_URL,
GITHUB_RUN_ID, GITHUB_SHA, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY.

Exit status: 0 reported (also when there is no pull request to comment
on), 1 the plan cannot be read or GitHub refused, 64 usage error.`,
		Example: `  orgbackup comment --plan plan.json
  orgbackup comment policies --plan plan.json --pr 42
  orgbackup comment --plan plan.json --drift-issue
  orgbackup comment --plan plan.json --applied failed --apply-output apply.txt`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			switch {
			case opts.Plan == "":
				return usagef("--plan is required: the plan file orgbackup plan --out wrote")
			case opts.Applied != "" && opts.Applied != outcomeApplied && opts.Applied != outcomeFailed:
				return usagef("--applied takes %s or %s, not %q", outcomeApplied, outcomeFailed, opts.Applied)
			case opts.DriftIssue && opts.Applied != "":
				return usagef("--drift-issue and --applied are different reports; give one")
			case opts.DriftIssue && cmd.Flags().Changed("pr"):
				return usagef("--drift-issue reports on an issue, not a pull request; drop --pr")
			case opts.PR < 0 || cmd.Flags().Changed("pr") && opts.PR == 0:
				return usagef("--pr takes a pull request number, not %d", opts.PR)
			case opts.Applied == "" && (opts.Log != "" || opts.Output != ""):
				return usagef("--log and --apply-output go with --applied")
			case !opts.DriftIssue && (opts.Status != "" || opts.StatusFailed):
				return usagef("--status and --status-failed go with --drift-issue")
			}
			if runF != nil {
				return runF(opts)
			}
			return commentRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Plan, "plan", "", "the plan file (orgbackup plan --out)")
	f.IntVar(&opts.PR, "pr", 0, "the pull request to comment on (default: from the event, or the merged one on a push)")
	f.BoolVar(&opts.DriftIssue, "drift-issue", false, "open, update or close the drift issue instead of commenting")
	f.StringVar(&opts.Applied, "applied", "", "report apply's outcome on the merged pull request: applied or failed")
	f.StringVar(&opts.Log, "log", "", "with --applied: the apply log (default: "+DefaultApplyLog+" next to the plan file)")
	f.StringVar(&opts.Output, "apply-output", "", "with --applied: a file with apply's output, whose end the comment shows")
	f.StringVar(&opts.Status, "status", "", "with --drift-issue: the Markdown orgbackup status --output markdown wrote")
	f.BoolVar(&opts.StatusFailed, "status-failed", false, "with --drift-issue: orgbackup status found something that needs attention")
	return cmd
}

// commentRun reads the plan, writes the job summary and then reports to
// GitHub in the mode asked for.
func commentRun(opts *commentOptions) error {
	o := opts.IO
	data, err := os.ReadFile(opts.Plan)
	if err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	p, err := plan.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Plan, err)
	}
	env, err := gh.LoadEnv(o.Getenv)
	if err != nil {
		return err
	}
	// The directory keys the comments, so "./policies" is "policies".
	r := &render.PlanReport{Dir: filepath.ToSlash(filepath.Clean(opts.Dir)), Plan: p}
	ctx := context.Background()
	switch {
	case opts.DriftIssue:
		status := ""
		if opts.Status != "" {
			if status, err = readStatus(opts.Status); err != nil {
				return err
			}
		}
		return reportDrift(ctx, o, env, r, status, opts.StatusFailed)
	case opts.Applied != "":
		return reportOutcome(ctx, o, env, opts, r)
	}
	doc := render.PlanDocument(r)
	doc.FullURL, doc.FullText = env.RunURL(), fullPlanText
	if err := writeSummary(o, env, doc); err != nil {
		return err
	}
	pr := opts.PR
	if pr == 0 {
		pr = env.PullRequest
	}
	if pr == 0 {
		fmt.Fprintf(o.Out, "no pull request to comment on (event %s): the plan is in the job summary\n", orNone(env.EventName))
		return nil
	}
	c, me, err := ghClient(ctx, env)
	if err != nil {
		return err
	}
	return upsertComment(ctx, o, c, me, pr, "plan "+r.Dir, doc)
}

// fullPlanText is where a cut plan report sends its reader.
const fullPlanText = "the plan artifact and the job summary of this run"

// reportDrift opens or updates the drift issue when the plan, which should
// be empty, has changes or errors, or status found something that needs
// attention; it closes the issue when all is well.
func reportDrift(ctx context.Context, o *IO, env *gh.Env, r *render.PlanReport, status string, statusFailed bool) error {
	p := r.Plan
	doc := render.PlanDocument(r)
	doc.FullURL, doc.FullText = env.RunURL(), fullPlanText
	if status != "" {
		// The backups' status first when it is why the issue is open.
		sec := render.Section{Summary: "Status of the backups", Open: statusFailed, Body: status}
		if statusFailed {
			doc.Sections = append([]render.Section{sec}, doc.Sections...)
		} else {
			doc.Sections = append(doc.Sections, sec)
		}
	}
	doc.Tail = "This issue is kept current by orgbackup's scheduled plan, which should be empty, and status. " +
		"It is closed when the organization matches the definitions and the backups work again." + runLink(env)
	if err := writeSummary(o, env, doc); err != nil {
		return err
	}
	c, me, err := ghClient(ctx, env)
	if err != nil {
		return err
	}
	key := "drift " + r.Dir
	drift := p.HasChanges() || p.HasErrors()
	if !drift && !statusFailed {
		resolved := "All is well again: the scheduled plan of " + render.Code(r.Dir) + " is empty."
		if status != "" {
			resolved += " Status finds nothing that needs attention."
		}
		res, err := c.UpsertIssue(ctx, me, key, nil, resolved+runLink(env))
		if err != nil {
			return err
		}
		if res.Outcome == gh.Closed {
			fmt.Fprintf(o.Out, "drift issue #%d closed: all is well\n", res.Number)
		} else {
			fmt.Fprintln(o.Out, "no drift: the plan is empty and no drift issue is open")
		}
		return nil
	}
	md, err := renderDoc(doc, render.CommentBudget)
	if err != nil {
		return err
	}
	var title string
	switch {
	case p.HasErrors():
		title = "orgbackup: the plan of the definitions fails (" + plural(p.Summary.Errors, "error", "errors") + ")"
	case drift:
		title = "orgbackup drift: " + p.Summary.Line()
	default:
		title = "orgbackup status: backups need attention"
	}
	res, err := c.UpsertIssue(ctx, me, key, &gh.Issue{Title: title, Content: md}, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "drift issue #%d %s: %s\n", res.Number, res.Outcome, res.URL)
	return nil
}

// maxStatus bounds the status report read for the drift issue; the issue
// is cut well below it anyway.
const maxStatus = 4 << 20

// readStatus reads the Markdown orgbackup status wrote.
func readStatus(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read status: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStatus+1))
	if err != nil {
		return "", fmt.Errorf("read status: %w", err)
	}
	if len(data) > maxStatus {
		return "", fmt.Errorf("read status %s: larger than %d bytes", path, maxStatus)
	}
	return string(data), nil
}

// reportOutcome comments apply's outcome on the merged pull request.
func reportOutcome(ctx context.Context, o *IO, env *gh.Env, opts *commentOptions, r *render.PlanReport) error {
	out := &render.Outcome{Applied: opts.Applied == outcomeApplied, Report: r, Commit: env.SHA}
	logFile := opts.Log
	if logFile == "" {
		logFile = filepath.Join(filepath.Dir(opts.Plan), DefaultApplyLog)
	}
	var err error
	if out.Log, err = readApplyLog(logFile, opts.Log != ""); err != nil {
		return err
	}
	if opts.Output != "" {
		if out.Output, err = tailFile(opts.Output, 100, 20_000); err != nil {
			return err
		}
	}
	doc := render.OutcomeDocument(out)
	doc.FullURL, doc.FullText = env.RunURL(), "the run's log and apply-log artifact"
	if err := writeSummary(o, env, doc); err != nil {
		return err
	}
	c, me, err := ghClient(ctx, env)
	if err != nil {
		return err
	}
	pr := opts.PR
	if pr == 0 {
		pr = env.PullRequest
	}
	if pr == 0 {
		if env.SHA == "" {
			return errors.New("find the merged pull request: GITHUB_SHA is not set; pass --pr")
		}
		if pr, err = c.PullForCommit(ctx, env.SHA); err != nil {
			return err
		}
	}
	if pr == 0 {
		fmt.Fprintf(o.Out, "commit %s was not merged from a pull request: the outcome is in the job summary\n", env.SHA)
		return nil
	}
	return upsertComment(ctx, o, c, me, pr, "apply "+r.Dir, doc)
}

// upsertComment keeps the one comment for key on pull request pr current.
func upsertComment(ctx context.Context, o *IO, c *gh.Client, me gh.Identity, pr int, key string, doc *render.Document) error {
	md, err := renderDoc(doc, render.CommentBudget)
	if err != nil {
		return err
	}
	res, err := c.UpsertComment(ctx, me, pr, key, md)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "comment on #%d %s: %s\n", pr, res.Outcome, res.URL)
	return nil
}

func ghClient(ctx context.Context, env *gh.Env) (*gh.Client, gh.Identity, error) {
	c, err := gh.NewClient(env, nil)
	if err != nil {
		return nil, gh.Identity{}, err
	}
	me, err := c.WhoAmI(ctx)
	if err != nil {
		return nil, gh.Identity{}, err
	}
	return c, me, nil
}

// writeSummary appends doc, within the job summary's budget, to the step's
// summary; outside GitHub Actions there is none, and that is not an error.
func writeSummary(o *IO, env *gh.Env, doc *render.Document) error {
	md, err := renderDoc(doc, render.SummaryBudget)
	if err != nil {
		return err
	}
	err = env.AppendStepSummary(md + "\n")
	if errors.Is(err, gh.ErrNoSummary) {
		fmt.Fprintln(o.Err, "orgbackup: GITHUB_STEP_SUMMARY is not set: no job summary written")
		return nil
	}
	return err
}

func renderDoc(doc *render.Document, b render.Budget) (string, error) {
	md, _, _, err := doc.Render(b)
	return md, err
}

// runLink is " [The run](url)." for the run that reports, or "" outside one.
func runLink(env *gh.Env) string {
	if l := render.Link("The run", env.RunURL()); l != "" {
		return " " + l + "."
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// maxLogLine bounds one line of the apply log, maxLogEntries the lines
// read: the comment shows a few hundred at most, and a damaged log must
// not exhaust memory.
const (
	maxLogLine    = 1 << 20
	maxLogEntries = 100_000
)

// readApplyLog reads the apply log's JSON lines. A missing log is no
// error unless it was asked for by name: apply writes none when it
// refuses before its first call.
func readApplyLog(path string, explicit bool) ([]render.ApplyLogEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read apply log: %w", err)
	}
	defer f.Close()
	var out []render.ApplyLogEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLogLine)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) == maxLogEntries {
			return nil, fmt.Errorf("read apply log %s: more than %d entries", path, maxLogEntries)
		}
		var e render.ApplyLogEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("read apply log %s:%d: %w", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read apply log %s: %w", path, err)
	}
	return out, nil
}

// tailFile returns the last lines (at most maxBytes) of a file.
func tailFile(path string, lines, maxBytes int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read apply output: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("read apply output: %w", err)
	}
	cut := fi.Size() > int64(maxBytes)
	if cut {
		if _, err := f.Seek(fi.Size()-int64(maxBytes), io.SeekStart); err != nil {
			return "", fmt.Errorf("read apply output: %w", err)
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(maxBytes)))
	if err != nil {
		return "", fmt.Errorf("read apply output: %w", err)
	}
	if cut {
		// The first line read is the end of a longer one.
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	s := strings.TrimRight(string(data), "\n")
	all := strings.Split(s, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n"), nil
}
