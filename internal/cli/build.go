package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/render"
)

type buildOptions struct {
	IO    *IO
	Dir   string
	Out   string
	Check bool
}

func newBuildCmd(o *IO, runF func(*buildOptions) error) *cobra.Command {
	opts := &buildOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Generate the Organizations policy documents, baseline templates and manifest",
		Long: `Build validates the definitions in DIR (default: policies) and, if they are
valid, writes to --out (default: dist):

  policies/<name>.json             the policy document exactly as sent to AWS
                                   (AWS operator form, minified)
  policies/<name>.pretty.json      the same document, indented, for review
  baselines/<name>/role.template.json   CloudFormation: the backup IAM role
  baselines/<name>/vault.template.json  CloudFormation: the backup vault
  manifest.json                    policy -> targets and digests, baseline
                                   -> StackSets, Regions and targets

The output is byte-for-byte deterministic. Files from an earlier build that
the definitions no longer produce are removed; nothing else in --out is
touched. With --check, build writes nothing and exits 1 if --out differs
from what it would write, for repositories that commit the output.

Exit status: 0 written (or up to date), 1 invalid definitions or --check
found differences, 64 usage error.`,
		Example: `  orgbackup build
  orgbackup build policies --out dist
  orgbackup build --check                  # in CI, when dist/ is committed`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if opts.Out == "" {
				return usagef("--out must not be empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return buildRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "dist", "output directory")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "write nothing; exit 1 if --out is not what build would write")
	return cmd
}

func buildRun(opts *buildOptions) error {
	if err := overlap(opts.Dir, opts.Out); err != nil {
		return err
	}
	v, repo, err := validate(opts.Dir, "")
	if err != nil {
		return err
	}
	st := opts.IO.Style()
	// Problems go to stderr: stdout is for what build did.
	fmt.Fprint(opts.IO.Err, render.TextDiagnostics(v.Diags, render.Style{}))
	if !v.Valid() {
		fmt.Fprintf(opts.IO.Err, "orgbackup: %s in %s; nothing written\n", countErrors(v.Diags), render.Inert(opts.Dir))
		return &exitError{code: ExitFailed}
	}
	base := loader.DisplayPath(opts.Dir)
	out := generate.Build(repo, func(file string) string {
		if r, err := filepath.Rel(base, file); err == nil {
			return filepath.ToSlash(r)
		}
		return file
	})
	dir, err := openOut(opts.Out, !opts.Check)
	if opts.Check && errors.Is(err, fs.ErrNotExist) {
		dir, err = nil, nil
	}
	if err != nil {
		return err
	}
	if opts.Check {
		var diffs []string
		if dir == nil {
			for _, f := range out.Files {
				diffs = append(diffs, "missing: "+path.Join(opts.Out, f.Path))
			}
		} else {
			defer dir.Close()
			if diffs, err = dir.compare(out); err != nil {
				return err
			}
		}
		if len(diffs) > 0 {
			for _, d := range diffs {
				fmt.Fprintln(opts.IO.Out, render.Inert(d))
			}
			fmt.Fprintf(opts.IO.Out, "%s %s is out of date; run `orgbackup build %s --out %s` and commit the result\n",
				st.Red("✗"), render.Inert(opts.Out), render.Inert(opts.Dir), render.Inert(opts.Out))
			return &exitError{code: ExitFailed}
		}
		fmt.Fprintf(opts.IO.Out, "%s %s is up to date (%d files)\n", st.Green("✓"), render.Inert(opts.Out), len(out.Files))
		return nil
	}
	defer dir.Close()
	written, removed, err := dir.write(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "%s wrote %d files to %s (%s, %s; %d changed, %d removed)\n",
		st.Green("✓"), len(out.Files), render.Inert(opts.Out), plural(len(repo.Policies), "policy", "policies"), plural(len(repo.Baselines), "baseline", "baselines"), written, removed)
	return nil
}

func countErrors(ds diag.List) string {
	n := ds.Count(diag.Error)
	if n == 1 {
		return "1 error"
	}
	return fmt.Sprintf("%d errors", n)
}

// writeAtomic writes one file next to its target and renames it into
// place, for import; build writes through outDir.
func writeAtomic(target string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(target), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".orgbackup-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", target, err)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
