package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/starter"
)

// Commit is the full commit SHA orgbackup was built from, set at build
// time with -ldflags "-X ...cli.Commit=<sha>" (the Makefile and the
// action do). `init` pins the workflows it writes to it.
var Commit = ""

type initOptions struct {
	IO         *IO
	Dir        string
	Force      bool
	ActionRef  string
	ActionRepo string
}

func newInitCmd(o *IO, runF func(*initOptions) error) *cobra.Command {
	opts := &initOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a starter policy repository: policies, workflows, README",
		Long: `Init writes, into DIR (default: the current directory), a starter repository
for a team that keeps its backup policies in a repository of its own:

  policies/backup.cue            an example policy and member baseline
  policies/org.snapshot.json     a placeholder organization for offline previews
  .github/workflows/orgbackup-pr.yml     pull requests: validate, preview, live plan comment
  .github/workflows/orgbackup-apply.yml  merge to main: plan, then apply in environment org-prod
  .github/workflows/orgbackup-drift.yml  daily: drift issue
  README.md, .gitignore          setup notes

It validates, builds and previews as it is. The workflows use the orgbackup
action pinned to the full commit SHA this orgbackup was built from, or to
--action-ref. Init never overwrites a file unless --force is given.

Exit status: 0 written, 1 a file exists (nothing written) or writing failed,
64 usage error.`,
		Example: `  mkdir backup-policies && cd backup-policies && git init
  orgbackup init
  orgbackup init ../backup-policies --action-ref 0123456789abcdef0123456789abcdef01234567`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.ActionRef == "" {
				opts.ActionRef = Commit
			}
			if opts.ActionRef == "" {
				return usagef("this orgbackup build does not know the commit it was built from; pass --action-ref with the full commit SHA of %s to pin the workflows to", opts.ActionRepo)
			}
			if _, err := starter.Action(opts.ActionRepo, opts.ActionRef, ""); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace files that exist")
	cmd.Flags().StringVar(&opts.ActionRef, "action-ref", "", "full commit SHA of the orgbackup action the workflows use (default: the commit this orgbackup was built from)")
	cmd.Flags().StringVar(&opts.ActionRepo, "action-repo", "orgbackup/orgbackup", "repository of the orgbackup action (OWNER/NAME), e.g. a mirror on GitHub Enterprise Server")
	return cmd
}

func initRun(opts *initOptions) error {
	version := Version
	if version == "dev" || version == "local" {
		version = ""
	}
	uses, err := starter.Action(opts.ActionRepo, opts.ActionRef, version)
	if err != nil {
		return err
	}
	wrote, err := starter.Write(opts.Dir, starter.Files(uses), opts.Force)
	for _, p := range wrote {
		fmt.Fprintf(opts.IO.Out, "wrote %s\n", filepath.ToSlash(p))
	}
	if err != nil {
		return err
	}
	policies := filepath.ToSlash(filepath.Join(opts.Dir, "policies"))
	fmt.Fprintf(opts.IO.Out, "\nNext: orgbackup validate %s && orgbackup preview %s\n", policies, policies)
	fmt.Fprintf(opts.IO.Out, "Then set up the roles, the environment and the variables: %s, \"Setting up (once)\"\n",
		filepath.ToSlash(filepath.Join(opts.Dir, "README.md")))
	return nil
}
