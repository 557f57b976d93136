package cli

import (
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/render"
)

type planOptions struct {
	IO               *IO
	Dir              string
	Org              string
	Out              string
	Output           string
	DetailedExitcode bool
	AllowDestroy     bool
	Live             LiveOptions
}

func newPlanCmd(o *IO, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show what applying the definitions would change in the organization",
		Long: `Plan compares the definitions in DIR (default: policies) with the
organization and lists, in the order apply makes them, every change:
organization settings the repository declares (the BACKUP_POLICY type,
trusted access, cross-account backup, a delegated administrator),
policies to create, update (content or description), adopt or tag,
attachments to add and remove, and managed policies the repository no
longer defines, to detach and delete. It shows every account's
effective-policy change, and fails on every account whose effective policy
would become invalid.

orgbackup owns only the policies it tagged managed-by=orgbackup (and, when
the organization block names a repository, orgbackup:repository with it).
It never changes anything else; a repository policy whose name an unowned
policy already has is an error until its definition says adopt: true.
Detaching from the root and removing a managed policy are destructive:
they are listed first, and apply carries them out only if the plan was made
with --allow-destroy.

Without --org, plan reads the live organization with the SDK's credential
chain (or --profile, --region, --role-arn); with --org it plans against a
snapshot file, offline. --out writes the plan for orgbackup apply.

Exit status: 0 success (with --detailed-exitcode: no changes), 1 error or a
plan that cannot be applied, 2 changes present (only with
--detailed-exitcode), 64 usage error.`,
		Example: `  orgbackup plan --out plan.json
  orgbackup plan policies --org policies/example-org.snapshot.json
  orgbackup plan --output markdown --detailed-exitcode`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, err := render.ParseFormat(opts.Output, render.Text, render.JSON, render.Markdown); err != nil {
				return &usageError{err: err}
			}
			if opts.Org != "" && (opts.Live.Profile != "" || opts.Live.Region != "" || opts.Live.RoleARN != "") {
				return usagef("--org plans against a snapshot file; --profile, --region and --role-arn are for the live organization")
			}
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: "+render.Formats(render.Text, render.JSON, render.Markdown))
	cmd.Flags().StringVar(&opts.Org, "org", "", "plan against this org snapshot file instead of the live organization")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the plan (JSON) to this file, for orgbackup apply")
	cmd.Flags().BoolVar(&opts.DetailedExitcode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	cmd.Flags().BoolVar(&opts.AllowDestroy, "allow-destroy", false, "let apply carry out the plan's destructive changes (detach from the root, delete)")
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

func planRun(opts *planOptions) error {
	repo, err := loadRepo(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	var actual *org.Org
	var deployed *baseline.Live
	against := "the live organization"
	if opts.Org != "" {
		actual, err = loadOrg(opts.Org)
		if err != nil {
			return err
		}
		against = loader.DisplayPath(opts.Org)
	} else {
		actual, err = readOrg(opts.IO, opts.Live.withPrevious(repo))
		if err != nil {
			return err
		}
		if deployed, err = readBaselines(opts.IO, opts.Live, repo); err != nil {
			return err
		}
	}
	rel := repoRel(opts.Dir)
	p := plan.Make(plan.Input{Repo: repo, Actual: actual, AllowDestroy: opts.AllowDestroy, Rel: rel, Against: against,
		Baselines: baselinePart(repo, rel, deployed)})
	if opts.Out != "" {
		if err := writeAtomic(opts.Out, p.Encode()); err != nil {
			return err
		}
	}
	r := &render.PlanReport{Dir: opts.Dir, Plan: p}
	if err := render.WritePlan(opts.IO.Out, render.Format(opts.Output), r, opts.IO.Style()); err != nil {
		return err
	}
	switch {
	case p.HasErrors():
		return &exitError{code: ExitFailed}
	case opts.DetailedExitcode && p.HasChanges():
		return &exitError{code: ExitChanges}
	}
	return nil
}
