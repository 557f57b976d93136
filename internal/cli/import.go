package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/importer"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
)

type importOptions struct {
	IO          *IO
	Files       []string
	Out         string
	Targets     []string
	Description string
	Stdout      bool
	Force       bool
}

func newImportCmd(o *IO, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "import --json FILE...",
		Short: "Turn existing backup policy JSON into author-form CUE definitions",
		Long: `Import reads Organizations backup policy documents in AWS's operator form
(as the console, "aws organizations describe-policy" or another tool holds
them) and writes one author-form CUE file per document to --out (default:
policies), named after the JSON file. Settings become plain values where
that is exact; everything else keeps its operators, so building the
imported files reproduces the original documents.

Existing files are never overwritten unless --force is given.`,
		Example: `  orgbackup import --json legacy-daily.json --target Root
  aws organizations describe-policy --policy-id p-abcd1234 \
    --query Policy.Content --output text > daily.json
  orgbackup import --json daily.json --stdout`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q: name the files with --json", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(opts.Files) == 0 {
				return usagef("import needs at least one --json FILE")
			}
			if runF != nil {
				return runF(opts)
			}
			return importRun(opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Files, "json", nil, "policy document JSON file (repeatable)")
	cmd.Flags().StringVar(&opts.Out, "out", DefaultDir, "directory to write the .cue files to")
	cmd.Flags().StringArrayVar(&opts.Targets, "target", nil, `where the imported policies are attached, e.g. "Root" (repeatable)`)
	cmd.Flags().StringVar(&opts.Description, "description", "", "description of the imported policies")
	cmd.Flags().BoolVar(&opts.Stdout, "stdout", false, "print the CUE to standard output instead of writing files")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite existing .cue files")
	return cmd
}

func importRun(opts *importOptions) error {
	type result struct {
		path string
		data []byte
	}
	var results []result
	from := map[string]string{} // policy name → the file it comes from
	for _, file := range opts.Files {
		// The policy is named after the file; check the name before
		// reading anything, so a mistake costs nothing.
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if name == "" || strings.HasPrefix(name, ".") {
			return fmt.Errorf("%s: cannot name a policy after this file: the name would be %q, and the CUE file written a hidden one\n  hint: rename the file to the policy's name, e.g. daily-backups.json", file, name)
		}
		if n := utf8.RuneCountInString(name); n > policy.MaxNameLength {
			return fmt.Errorf("%s: the policy would be named after the file, but %d characters is longer than Organizations allows (%d)\n  hint: rename the file to a shorter policy name", file, n, policy.MaxNameLength)
		}
		if first, dup := from[strings.ToLower(name)]; dup {
			// Two files of one base name would both become policies/<name>.cue:
			// the second would silently replace the first.
			return fmt.Errorf("%s and %s would both be imported as policy %q (%s)\n  hint: rename one of the files; the file name is the policy's name; nothing was written", first, file, name, filepath.Join(opts.Out, name+".cue"))
		}
		from[strings.ToLower(name)] = file
		data, err := doc.ReadFile(file, loader.MaxFileSize)
		if err != nil {
			return fmt.Errorf("read %s: %w", file, unwrapPath(err))
		}
		display := loader.DisplayPath(file)
		n, err := doc.Parse(display, data)
		if err != nil {
			hint := `import reads a backup policy document: {"plans": {...}}`
			var se *doc.SyntaxError
			if errors.As(err, &se) && se.Hint != "" {
				hint = se.Hint
			}
			return fmt.Errorf("%v\n  hint: %s", err, hint)
		}
		plans := n.Get("plans")
		if n.Kind != doc.Object || plans == nil || len(n.Fields) != 1 {
			return fmt.Errorf("%s: not a backup policy document: the only top-level key must be \"plans\"\n  hint: for `aws organizations describe-policy` output, extract .Policy.Content first", n.Pos)
		}
		// Partial only when a parent policy must supply what the document
		// leaves out; problems of its own are validate's to report.
		partial, why := importer.Partial(n)
		src, err := importer.Source("orgbackup", importer.Definition{
			Name:        name,
			Source:      filepath.Base(file),
			Description: opts.Description,
			Targets:     opts.Targets,
			Partial:     partial,
			Why:         why,
			Plans:       importer.AuthorForm(plans),
		})
		if err != nil {
			return fmt.Errorf("format %s: %w", file, err)
		}
		results = append(results, result{path: filepath.Join(opts.Out, name+".cue"), data: src})
	}
	if opts.Stdout {
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(opts.IO.Out)
			}
			opts.IO.Out.Write(r.data)
		}
		return nil
	}
	// Check every destination before writing any, so a refusal leaves
	// nothing half-imported.
	if !opts.Force {
		for _, r := range results {
			if _, err := os.Stat(r.path); err == nil {
				return fmt.Errorf("%s exists; not overwriting it\n  hint: pass --force to replace it, or --out to write elsewhere", r.path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("stat %s: %w", r.path, err)
			}
		}
	}
	for _, r := range results {
		if err := writeAtomic(r.path, r.data); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "wrote %s\n", render.Inert(r.path))
	}
	if len(opts.Targets) == 0 {
		fmt.Fprintf(opts.IO.Err, "note: the imported policies are attached nowhere yet; set their targets (or pass --target)\n")
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
