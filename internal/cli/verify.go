package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/render"
	"github.com/orgbackup/orgbackup/internal/verify"
)

type verifyOptions struct {
	IO       *IO
	Dir      string
	All      bool
	Sample   int
	Accounts []string
	Wait     time.Duration
	Output   string
	Live     LiveOptions
}

func newVerifyCmd(o *IO, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "verify [DIR]",
		Short: "Check that AWS computes the effective policies orgbackup computes",
		Long: `Verify asks AWS, after an apply, for the accounts whose effective backup
policy is invalid (ListAccountsWithInvalidEffectivePolicy: they silently
keep their last valid policy), and for the effective backup policy of a
sample of accounts (DescribeEffectivePolicy), and compares each with the
one orgbackup computes for the definitions in DIR (default: policies)
applied to the live organization. Every difference is reported with the
account, the path in the document and both values.

The sample is deterministic and covers every distinct effective policy:
the --sample lowest account ids (default 1) of each. --all checks every
account; --account checks the ones named. Effective policies change
asynchronously after an apply: --wait keeps asking the accounts that
disagree until they agree or the time is up.

Exit status: 0 AWS agrees, 1 a difference, an invalid account or an
error, 64 usage error.`,
		Example: `  orgbackup verify
  orgbackup verify policies --all --wait 5m
  orgbackup verify --account 111111111111 --output json`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, err := render.ParseFormat(opts.Output, render.Text, render.JSON); err != nil {
				return &usageError{err: err}
			}
			if opts.All && (cmd.Flags().Changed("sample") || len(opts.Accounts) > 0) {
				return usagef("--all checks every account; leave out --sample and --account")
			}
			if opts.Sample < 1 {
				return usagef("--sample %d: give at least 1 account per distinct effective policy", opts.Sample)
			}
			for _, a := range opts.Accounts {
				if !org.IsAccountID(a) {
					return usagef("--account %q is not a 12-digit account id", a)
				}
			}
			if opts.Wait < 0 {
				return usagef("--wait %s: give a duration such as 5m", opts.Wait)
			}
			if err := checkLiveFlags(opts.Live); err != nil {
				return err
			}
			opts.Live.Command = "verify"
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "check every account")
	cmd.Flags().IntVar(&opts.Sample, "sample", 1, "accounts to check per distinct effective policy")
	cmd.Flags().StringArrayVar(&opts.Accounts, "account", nil, "check this account (repeatable)")
	cmd.Flags().DurationVar(&opts.Wait, "wait", 0, "keep asking disagreeing accounts for up to this long (e.g. 5m)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: "+render.Formats(render.Text, render.JSON))
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

func verifyRun(opts *verifyOptions) error {
	o := opts.IO
	repo, err := loadRepo(o, opts.Dir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := o.awsConfig(ctx, opts.Live)
	if err != nil {
		return err
	}
	live := opts.Live.withPrevious(repo)
	actual, err := readOrg(o, live)
	if err != nil {
		return err
	}
	p := plan.Make(plan.Input{Repo: repo, Actual: actual, Rel: repoRel(opts.Dir), Against: "the live organization", NoLiveDigest: true})
	if p.HasErrors() {
		_ = render.WritePlan(o.Err, render.Text, &render.PlanReport{Dir: opts.Dir, Plan: p}, render.Style{})
		return fmt.Errorf("the definitions cannot be applied to the organization as it is, so there is nothing to verify against")
	}
	if n := len(p.Changes); n > 0 {
		fmt.Fprintf(o.Err, "orgbackup: warning: %s not applied yet (run orgbackup plan to see them); differences may come from them\n", countNoun(n, "change is", "changes are"))
	}
	orgs := organizations.NewFromConfig(cfg)
	rep, err := verify.Run(ctx, verify.Options{
		Org:      p.Desired,
		Accounts: opts.Accounts,
		All:      opts.All,
		PerState: opts.Sample,
		Wait:     opts.Wait,
		Effective: func(ctx context.Context, account string) (string, bool, error) {
			return awsorg.EffectivePolicy(ctx, orgs, account)
		},
		Invalid: func(ctx context.Context) ([]string, error) { return awsorg.InvalidAccounts(ctx, orgs) },
	})
	if err != nil {
		return err
	}
	if err := render.WriteVerify(o.Out, render.Format(opts.Output), rep, o.Style()); err != nil {
		return err
	}
	if rep.Failed() {
		return &exitError{code: ExitFailed}
	}
	return nil
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
