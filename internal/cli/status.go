package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/observe"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
	"github.com/orgbackup/orgbackup/internal/status"
)

type statusOptions struct {
	IO     *IO
	Dir    string
	OU     string
	Output string
	Since  time.Duration
	Live   LiveOptions
}

func newStatusCmd(o *IO, runF func(*statusOptions) error) *cobra.Command {
	opts := &statusOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "status [DIR]",
		Short: "Show, per account and Region, whether backups are working",
		Long: `Status reads the live organization and reports, for every account (or
those below --ou) and every Region its backup plans run in:

  - whether its effective backup policy is present and valid;
  - the stack instance (or, for the management account, the stack) of each
    baseline that gives it the backup role and vault, and its status;
  - the backup, copy and restore jobs of the last --since (24h), from AWS
    Backup's cross-account monitoring, with failures grouped by account and
    reason.

DIR (default: policies) holds the definitions: its baselines say which
stack instances each account should have.

Run it from the management account or AWS Backup's delegated
administrator; cross-account monitoring needs trusted access for AWS
Backup. It exits non-zero when something needs attention, so it can run
on a schedule.

Exit status: 0 healthy, 1 something needs attention or an error, 64 usage
error.`,
		Example: `  orgbackup status
  orgbackup status --ou Root/Workloads/Prod --since 72h
  orgbackup status --output markdown >> "$GITHUB_STEP_SUMMARY"`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, err := render.ParseFormat(opts.Output, render.Text, render.JSON, render.Markdown); err != nil {
				return &usageError{err: err}
			}
			if opts.Since <= 0 || opts.Since > 30*24*time.Hour {
				return usagef("--since %s: give a duration up to 720h (AWS Backup keeps jobs for 30 days), e.g. --since 24h", opts.Since)
			}
			if err := checkLiveFlags(opts.Live); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: "+render.Formats(render.Text, render.JSON, render.Markdown))
	cmd.Flags().StringVar(&opts.OU, "ou", "", `report only the accounts below this OU, e.g. "Root/Workloads" or an OU id`)
	cmd.Flags().DurationVar(&opts.Since, "since", 24*time.Hour, "how far back to look at jobs")
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

func statusRun(opts *statusOptions) error {
	ctx := context.Background()
	repo, err := loadRepo(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	live := opts.Live
	live.Command = "status"
	o, err := readOrg(opts.IO, live)
	if err != nil {
		return err
	}
	scope := o.Root()
	if opts.OU != "" {
		if scope, err = o.Resolve(opts.OU); err != nil {
			return usagef("--ou %s: %v", opts.OU, err)
		}
	}
	cfg, err := opts.IO.awsConfig(ctx, live)
	if err != nil {
		return err
	}
	regions := statusRegions(o, repo, scope)
	src := observe.Deployed{
		StackSets: cloudformation.NewFromConfig(cfg),
		Stacks:    func(r string) awscfn.StackReadAPI { return cloudformation.NewFromConfig(regional(cfg, r)) },
		Jobs:      func(r string) awsbackup.JobsAPI { return backup.NewFromConfig(regional(cfg, r)) },
	}
	deployed, _, err := observe.Live(ctx, src, regions)
	if err != nil {
		return err
	}
	jobs, note := observe.Jobs(ctx, src, regions, time.Now().Add(-opts.Since))
	// AWS's own judgement of the effective policies, next to orgbackup's.
	var invalid map[string]bool
	if ids, err := awsorg.InvalidAccounts(ctx, organizations.NewFromConfig(cfg)); err == nil {
		invalid = map[string]bool{}
		for _, id := range ids {
			invalid[id] = true
		}
	} else {
		fmt.Fprintf(opts.IO.Err, "note: AWS's list of accounts with an invalid effective policy could not be read (%s); status judges them itself\n", render.Inert(err.Error()))
	}
	r := status.Make(status.Input{Org: o, Repo: repo, Scope: scope, Live: deployed, Jobs: jobs, JobsNote: note, Since: opts.Since, Invalid: invalid})
	if err := render.WriteStatus(opts.IO.Out, render.Format(opts.Output), r, opts.IO.Style()); err != nil {
		return err
	}
	if r.NeedsAttention() {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// statusRegions are the Regions status looks at: those the effective
// policies of the accounts in scope run plans in, and the baselines'.
func statusRegions(o *org.Org, repo *policy.Repo, scope *org.Entity) []string {
	out := baselineRegions(repo)
	eng := effective.NewEngine(o, policy.Type)
	for _, a := range o.AccountsUnder(scope) {
		eff := eng.Effective(eng.State(a))
		if plans := eff.GetFold("plans"); plans != nil && plans.Kind == doc.Object {
			for _, f := range plans.Fields {
				rs, _ := f.Value.GetFold("regions").Strings()
				out = append(out, rs...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
