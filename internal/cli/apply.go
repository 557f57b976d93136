package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/render"
)

// DefaultApplyLog is the apply log's name when --log is not given: next to
// the plan file, or in the working directory.
const DefaultApplyLog = "orgbackup-apply.log.jsonl"

type applyOptions struct {
	IO           *IO
	Dir          string
	PlanFile     string
	AutoApprove  bool
	AllowDestroy bool
	LogFile      string
	Live         LiveOptions
}

func newApplyCmd(o *IO, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "apply [PLAN] [DIR]",
		Short: "Make the organization what the definitions say, safely",
		Long: `Apply carries out a plan against the live organization.

With PLAN (a file written by orgbackup plan --out), apply reads the
organization again and plans again first. It goes ahead only if the fresh
plan comes from the same definitions and options and every change it finds
is one PLAN lists (a re-run after a failure finds the part not yet done, and
resumes). Otherwise PLAN is stale: apply changes nothing and shows the
difference. Without PLAN, apply plans, shows the plan and asks for "yes";
--auto-approve skips the question (required when stdin is not a terminal).

Changes run one at a time: organization prerequisites, member baselines,
policies (create, update, adopt, tag), attachments, then detachments and
deletions. Destructive changes (detaching from the root, removing a policy
the repository no longer defines) run only if the plan was made with
--allow-destroy. orgbackup never changes a policy that is not its own (tag
managed-by=orgbackup), and checks that again as it applies.

Every mutating call is a JSON line in the apply log (--log, default
orgbackup-apply.log.jsonl next to PLAN or in the working directory), with
the operation, target, AWS request id and result. If apply fails or is
interrupted, run it again: every step is idempotent.

Exit status: 0 applied (or nothing to do), 1 failed, refused (stale plan,
destructive changes without --allow-destroy, a plan with errors) or
cancelled, 64 usage error.`,
		Example: `  orgbackup plan --out plan.json && orgbackup apply plan.json
  orgbackup apply plan.json policies --log apply.jsonl
  orgbackup apply --auto-approve          # plan and apply in one step (CI)`,
		Args: maxArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.positionals(args); err != nil {
				return err
			}
			if err := checkLiveFlags(opts.Live); err != nil {
				return err
			}
			opts.Live.Command = "apply"
			if opts.PlanFile != "" && opts.AllowDestroy {
				return usagef("--allow-destroy is part of the plan: make it with `orgbackup plan --allow-destroy --out %s` and apply that", opts.PlanFile)
			}
			if opts.PlanFile == "" && !opts.AutoApprove && !o.InTTY {
				return usagef("apply without a plan file asks for confirmation, and stdin is not a terminal: pass --auto-approve, or run `orgbackup plan --out plan.json`, review it, and `orgbackup apply plan.json`")
			}
			if opts.LogFile == "" {
				opts.LogFile = DefaultApplyLog
				if opts.PlanFile != "" {
					opts.LogFile = filepath.Join(filepath.Dir(opts.PlanFile), DefaultApplyLog)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AutoApprove, "auto-approve", false, "apply without asking (without a plan file)")
	cmd.Flags().BoolVar(&opts.AllowDestroy, "allow-destroy", false, "without a plan file: also carry out destructive changes")
	cmd.Flags().StringVar(&opts.LogFile, "log", "", "append the apply log (JSON lines) to this file (default: "+DefaultApplyLog+" next to PLAN)")
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

// positionals sorts PLAN from DIR: a file is the plan, a directory the
// definitions; a name that does not exist is a plan if it ends in .json.
func (opts *applyOptions) positionals(args []string) error {
	opts.Dir = ""
	for _, a := range args {
		fi, err := os.Stat(a)
		isPlan := err == nil && !fi.IsDir() || err != nil && strings.HasSuffix(a, ".json")
		switch {
		case isPlan && opts.PlanFile == "":
			opts.PlanFile = a
		case !isPlan && opts.Dir == "":
			opts.Dir = a
		case isPlan:
			return usagef("two plan files: %s and %s", opts.PlanFile, a)
		default:
			return usagef("two definition directories: %s and %s", opts.Dir, a)
		}
	}
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	return nil
}

func applyRun(opts *applyOptions) error {
	o := opts.IO
	repo, err := loadRepo(o, opts.Dir)
	if err != nil {
		return err
	}
	var saved *plan.Plan
	allowDestroy := opts.AllowDestroy
	if opts.PlanFile != "" {
		data, err := os.ReadFile(opts.PlanFile)
		if err != nil {
			return fmt.Errorf("read plan: %w", err)
		}
		if saved, err = plan.Decode(data); err != nil {
			return fmt.Errorf("%s: %w", opts.PlanFile, err)
		}
		allowDestroy = saved.AllowDestroy
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := o.awsConfig(ctx, opts.Live)
	if err != nil {
		return err
	}
	orgs := organizations.NewFromConfig(cfg)
	applier := &awsorg.Applier{API: orgs, Repository: repo.Repository()}

	logf := &lazyLog{path: opts.LogFile}
	defer logf.Close()

	live := opts.Live.withPrevious(repo)
	st := o.Style()
	errStyle := render.Style{} // stderr is not known to be a terminal
	rel := repoRel(opts.Dir)
	baselines := newBaselineApply(o, cfg, repo, rel, opts.Live)
	defer baselines.report(o.Err)
	ro := apply.Options{
		Saved: saved,
		Read:  func(context.Context) (*org.Org, error) { return readOrg(o, live) },
		Plan: func(actual *org.Org) (*plan.Plan, error) {
			return baselines.plan(ctx, plan.Input{Repo: repo, Actual: actual, AllowDestroy: allowDestroy, Rel: rel, Against: "the live organization"})
		},
		Org:       applier,
		Settings:  &awsbackup.Settings{API: backup.NewFromConfig(cfg)},
		Baselines: baselines.deployer,
		Blocked:   baselines.blocked,
		Waiter:    applier,
		Log:       logf,
		Progress:  func(c plan.Change, e apply.Entry) { render.WriteApplyStep(o.Err, c, e, errStyle) },
	}
	if saved == nil {
		ro.Confirm = func(p *plan.Plan) (bool, error) {
			if err := render.WritePlan(o.Out, render.Text, &render.PlanReport{Dir: opts.Dir, Plan: p}, st); err != nil {
				return false, err
			}
			if opts.AutoApprove {
				return true, nil
			}
			return confirm(o.In, o.Out)
		}
	}
	rep, err := apply.Run(ctx, ro)
	if logf.err != nil && err == nil {
		err = fmt.Errorf("write the apply log: %w", logf.err)
	}
	if rep != nil {
		render.WriteResume(o.Err, rep.Resume)
	}
	var stale *apply.StaleError
	var destroy *apply.DestroyError
	var perr *apply.PlanError
	switch {
	case errors.As(err, &stale):
		render.WriteStale(o.Err, stale, errStyle)
		return &exitError{code: ExitFailed}
	case errors.As(err, &destroy):
		render.WriteDestroyRefusal(o.Err, destroy, errStyle)
		return &exitError{code: ExitFailed}
	case errors.As(err, &perr):
		if rep != nil && rep.Fresh != nil {
			_ = render.WritePlan(o.Err, render.Text, &render.PlanReport{Dir: opts.Dir, Plan: rep.Fresh}, errStyle)
		}
		return err
	case errors.Is(err, apply.ErrNotConfirmed):
		fmt.Fprintln(o.Err, "orgbackup: "+err.Error())
		return &exitError{code: ExitFailed}
	case err != nil && logf.f != nil:
		return fmt.Errorf("%w\nThe apply log is %s. Run the same command again to continue: every step is idempotent", err, opts.LogFile)
	case err != nil:
		return err
	}
	render.WriteApplySummary(o.Out, rep, opts.LogFile, st)
	return nil
}

// lazyLog appends to a file it opens on the first write, so that an
// apply that changes nothing (refused, stale, nothing to do) leaves no
// empty log behind. The first error sticks and is reported at the end;
// the apply itself goes on, since stopping half-way would be worse.
type lazyLog struct {
	path string
	f    *os.File
	err  error
}

func (a *lazyLog) Write(b []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if a.f == nil {
		a.f, a.err = os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if a.err != nil {
			return 0, a.err
		}
	}
	n, err := a.f.Write(b)
	if err != nil {
		a.err = err
	}
	return n, err
}

func (a *lazyLog) Close() error {
	if a.f == nil {
		return nil
	}
	return a.f.Close()
}

// confirm asks for "yes", as Terraform does: anything else cancels.
func confirm(in io.Reader, out io.Writer) (bool, error) {
	fmt.Fprint(out, "\nDo you want to apply these changes to the organization?\n  Only 'yes' will be accepted: ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}

// awsConfig builds the AWS configuration of apply's and verify's own
// clients (the reader builds its own the same way): IO.AWSConfig when set,
// otherwise awsenv.Load.
func (o *IO) awsConfig(ctx context.Context, lo LiveOptions) (aws.Config, error) {
	if o.AWSConfig != nil {
		return o.AWSConfig(ctx, lo.awsenv())
	}
	return awsenv.Load(ctx, lo.awsenv())
}
