package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

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
	v, repo, err := validate(opts.Dir, "")
	if err != nil {
		return err
	}
	st := opts.IO.Style()
	// Problems go to stderr: stdout is for what build did.
	if len(v.Diags) > 0 {
		var b strings.Builder
		for _, d := range v.Diags {
			render.WriteDiagnostic(&b, d, render.Style{})
			b.WriteByte('\n')
		}
		fmt.Fprint(opts.IO.Err, b.String())
	}
	if !v.Valid() {
		fmt.Fprintf(opts.IO.Err, "orgbackup: %s in %s; nothing written\n", countErrors(v.Diags), opts.Dir)
		return &exitError{code: ExitFailed}
	}
	base := loader.DisplayPath(opts.Dir)
	out := generate.Build(repo, func(file string) string {
		if r, err := filepath.Rel(base, file); err == nil {
			return filepath.ToSlash(r)
		}
		return file
	})
	if opts.Check {
		diffs, err := compareOutput(opts.Out, out)
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			for _, d := range diffs {
				fmt.Fprintln(opts.IO.Out, d)
			}
			fmt.Fprintf(opts.IO.Out, "%s %s is out of date; run `orgbackup build %s --out %s` and commit the result\n",
				st.Red("✗"), opts.Out, opts.Dir, opts.Out)
			return &exitError{code: ExitFailed}
		}
		fmt.Fprintf(opts.IO.Out, "%s %s is up to date (%d files)\n", st.Green("✓"), opts.Out, len(out.Files))
		return nil
	}
	written, removed, err := writeOutput(opts.Out, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "%s wrote %d files to %s (%s, %s; %d changed, %d removed)\n",
		st.Green("✓"), len(out.Files), opts.Out, plural(len(repo.Policies), "policy", "policies"), plural(len(repo.Baselines), "baseline", "baselines"), written, removed)
	return nil
}

func countErrors(ds diag.List) string {
	n := ds.Count(diag.Error)
	if n == 1 {
		return "1 error"
	}
	return fmt.Sprintf("%d errors", n)
}

// compareOutput lists how dir differs from out: missing, changed, and stale
// files among those build manages.
func compareOutput(dir string, out *generate.Output) ([]string, error) {
	var diffs []string
	want := map[string]bool{}
	for _, f := range out.Files {
		want[f.Path] = true
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, "missing: "+path.Join(dir, f.Path))
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		case !bytes.Equal(have, f.Data):
			diffs = append(diffs, "differs: "+path.Join(dir, f.Path))
		}
	}
	stale, err := managedFiles(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range stale {
		if !want[p] {
			diffs = append(diffs, "stale:   "+path.Join(dir, p))
		}
	}
	return diffs, nil
}

// managedFiles lists the files an earlier build wrote to dir, according to
// its manifest. Only those may ever be removed: --out might point at a
// directory that holds other things too.
func managedFiles(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, generate.ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", generate.ManifestFile, err)
	}
	var m generate.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		// Not ours, or damaged: remove nothing.
		return nil, nil
	}
	var files []string
	for _, p := range m.Policies {
		files = append(files, p.Document, p.Pretty)
	}
	for _, b := range m.Baselines {
		for _, s := range b.StackSets {
			files = append(files, s.Template)
		}
	}
	files = slices.DeleteFunc(files, func(p string) bool {
		return !generate.Owned(p) || p != path.Clean(p) || strings.HasPrefix(p, "../") || path.IsAbs(p)
	})
	slices.Sort(files)
	return slices.Compact(files), nil
}

// writeOutput writes out to dir, replacing each file atomically so an
// interrupted build never leaves a half-written document behind.
func writeOutput(dir string, out *generate.Output) (written, removed int, err error) {
	stale, err := managedFiles(dir)
	if err != nil {
		return 0, 0, err
	}
	want := map[string]bool{}
	for _, f := range out.Files {
		want[f.Path] = true
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if have, err := os.ReadFile(target); err == nil && bytes.Equal(have, f.Data) {
			continue
		}
		if err := writeAtomic(target, f.Data); err != nil {
			return written, removed, err
		}
		written++
	}
	for _, p := range stale {
		if want[p] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, removed, fmt.Errorf("remove stale %s: %w", p, err)
		}
		removed++
	}
	return written, removed, nil
}

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
