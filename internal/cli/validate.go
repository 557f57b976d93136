package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
)

// DefaultDir is where policy definitions live when no directory is given.
const DefaultDir = "policies"

type validateOptions struct {
	IO     *IO
	Dir    string
	Output string
	Org    string
}

func newValidateCmd(o *IO, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check policy definitions against the schema and AWS's rules",
		Long: `Validate checks the policy definitions in DIR (default: policies) offline:
the CUE schema (every key, type and AWS constraint), and the rules CUE alone
cannot express:

  - every vault and role a policy names is created, with exactly that name,
    by a baseline deployed wherever the policy is attached, in every Region
    of the plan (otherwise backups there fail silently);
  - each minified policy document fits Organizations' 10,000-character limit;
  - at most 10 policies are attached directly to one target;
  - two policies at one target do not set the same setting (attachment-order trap);
  - plans of the same name in several policies that would merge are pointed out;
  - schedules run at most hourly; lifecycles, windows and quotas hold.

Every problem names file:line:col, what is wrong, and how to fix it.

Exit status: 0 valid (warnings allowed), 1 invalid, 64 usage error.`,
		Example: `  orgbackup validate
  orgbackup validate policies --output json
  orgbackup validate --output github       # annotations on the pull request
  orgbackup validate --org policies/example-org.snapshot.json`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, err := render.ParseFormat(opts.Output, render.Text, render.JSON, render.GitHub, render.Markdown); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: "+render.Formats(render.Text, render.JSON, render.GitHub, render.Markdown))
	cmd.Flags().StringVar(&opts.Org, "org", "", "org snapshot file, to check targets given by id against the organization's structure")
	return cmd
}

func validateRun(opts *validateOptions) error {
	v, _, err := validate(opts.Dir, opts.Org)
	if err != nil {
		return err
	}
	format := render.Format(opts.Output)
	if err := render.WriteValidation(opts.IO.Out, format, v, opts.IO.Style()); err != nil {
		return err
	}
	if format == render.GitHub {
		// Annotations show at most ten of each kind; the job summary gets
		// the whole list.
		if path := opts.IO.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
			if err := appendFile(path, func(f *os.File) error { return render.WriteValidation(f, render.Markdown, v, render.Style{}) }); err != nil {
				fmt.Fprintf(opts.IO.Err, "orgbackup: writing job summary: %s\n", render.Inert(err.Error()))
			}
		}
	}
	if !v.Valid() {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// validate loads and checks dir, against the org snapshot orgFile if it
// is given; repo is nil if the definitions do not load without errors.
func validate(dir, orgFile string) (*check.Report, *policy.Repo, error) {
	repo, diags := loader.Load(dir)
	var r check.Resolver
	var o *org.Org
	if repo != nil && orgFile != "" {
		var err error
		if o, err = org.Load(orgFile); err != nil {
			return nil, nil, err
		}
		r = effective.NewResolver(o, repo)
	}
	rep := check.NewReport(dir, repo, diags, r)
	if diags.HasErrors() {
		// What the loader could read of definitions with errors is for
		// the checks only.
		return rep, nil, nil
	}
	if o != nil {
		rep.Coverage = coverage(o, repo)
	}
	return rep, repo, nil
}

func appendFile(path string, write func(*os.File) error) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// coverage works out how each account of o that the repository's policies
// reach gets its role and vaults, with the policies attached.
func coverage(o *org.Org, repo *policy.Repo) *plan.Coverage {
	desired := plan.Make(plan.Input{Repo: repo, Actual: o}).Desired
	return baseline.NewCoverage(baseline.Desire(baseline.Input{Repo: repo, Org: desired}), repo)
}
