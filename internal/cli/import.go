package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/importer"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

type importOptions struct {
	IO          *IO
	Files       []string
	Out         string
	Targets     []string
	Description string
	Stdout      bool
	Force       bool
	// ExistingBaselines, with --from-org, proposes baselines declaring
	// the roles and vaults the imported policies name as existing.
	ExistingBaselines bool

	// FromOrg imports the organization's backup policies (those named by
	// Policies, or all), from the snapshot Org or the live organization.
	FromOrg  bool
	Policies []string
	Org      string
	Live     LiveOptions
}

func newImportCmd(o *IO, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "import (--json FILE... | --from-org [--policy NAME]...)",
		Short: "Turn existing backup policies into author-form CUE definitions",
		Long: `Import reads Organizations backup policy documents in AWS's operator form
(as the console, "aws organizations describe-policy" or another tool holds
them) and writes one author-form CUE file per document to --out (default:
policies), named after the JSON file. Settings become plain values where
that is exact; everything else keeps its operators, so building the
imported files reproduces the original documents.

With --from-org, import reads the organization's backup policies instead
(all of them, or those named by --policy), from the live organization or
from --org SNAPSHOT, with their descriptions and where they are attached.
A policy orgbackup does not own yet gets adopt: true: the next plan shows
its adoption (orgbackup tags it) and from then on orgbackup manages it.

A document is imported as partial: true only when it leaves out what a
policy attached above it must supply (a plan's regions, rules or
selections, a rule's vault, a selection's role); the comment says what. A
problem of the document itself is validate's to report.

Existing files are never overwritten unless --force is given, and two
files that would become one policy are refused.

Exit status: 0 written (or printed), 1 error (nothing written), 64 usage
error.`,
		Example: `  orgbackup import --json legacy-daily.json --target Root
  aws organizations describe-policy --policy-id p-abcd1234 \
    --query Policy.Content --output text > daily.json
  orgbackup import --json daily.json --stdout
  orgbackup import --from-org --policy legacy-daily
  orgbackup import --from-org --org policies/example-org.snapshot.json --stdout`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q: name the files with --json, or the policies with --from-org --policy", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.FromOrg && len(opts.Files) > 0:
				return usagef("import reads either --json files or the organization (--from-org), not both")
			case !opts.FromOrg && (len(opts.Policies) > 0 || opts.Org != "" || opts.Live != LiveOptions{}):
				return usagef("--policy, --org, --profile, --region and --role-arn go with --from-org")
			case opts.FromOrg && len(opts.Targets) > 0:
				return usagef("--target is for --json; --from-org keeps each policy's attachments")
			case opts.Org != "" && opts.Live != LiveOptions{}:
				return usagef("--org imports from a snapshot file; --profile, --region and --role-arn are for the live organization")
			case !opts.FromOrg && len(opts.Files) == 0:
				return usagef("import needs at least one --json FILE, or --from-org")
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
	cmd.Flags().BoolVar(&opts.FromOrg, "from-org", false, "import the organization's backup policies")
	cmd.Flags().BoolVar(&opts.ExistingBaselines, "existing-baselines", true, "with --from-org: declare the roles and vaults the policies name as existing (baselines with existing: true, in existing-baselines.cue)")
	cmd.Flags().StringArrayVar(&opts.Policies, "policy", nil, "with --from-org: the policy to import, by name (repeatable; default: all)")
	cmd.Flags().StringVar(&opts.Org, "org", "", "with --from-org: read this org snapshot file instead of the live organization")
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

// imported is one file import writes.
type imported struct {
	path string
	data []byte
}

func importRun(opts *importOptions) error {
	var results []imported
	adopted := 0
	if opts.FromOrg {
		rs, n, err := importFromOrg(opts)
		if err != nil {
			return err
		}
		results, adopted = rs, n
	}
	from := map[string]string{} // policy name → where it comes from
	for _, r := range results {
		from[strings.ToLower(strings.TrimSuffix(filepath.Base(r.path), ".cue"))] = "the organization"
	}
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
		results = append(results, imported{path: filepath.Join(opts.Out, name+".cue"), data: src})
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
	if adopted > 0 {
		fmt.Fprintf(opts.IO.Err, "note: %d of the imported policies %s not orgbackup's yet; their definitions say adopt: true, so `orgbackup plan` shows the adoption and apply tags them\n",
			adopted, map[bool]string{true: "is", false: "are"}[adopted == 1])
	}
	if len(opts.Targets) == 0 && !opts.FromOrg {
		fmt.Fprintf(opts.IO.Err, "note: the imported policies are attached nowhere yet; set their targets (or pass --target)\n")
	}
	return nil
}

// importFromOrg writes a definition for each backup policy of the
// organization that opts selects: its document in author form, its
// description, and its targets as they are attached now. A policy
// orgbackup does not own gets adopt: true. Ownership is judged with the
// repository that --out's definitions name in their organization block,
// if any.
func importFromOrg(opts *importOptions) (_ []imported, adopted int, _ error) {
	var o *org.Org
	var err error
	if opts.Org != "" {
		o, err = org.Load(opts.Org)
	} else {
		o, err = readOrg(opts.IO, opts.Live)
	}
	if err != nil {
		return nil, 0, err
	}
	// The definitions already in --out, if they load: their repository
	// decides ownership, and a policy defined there is not imported again.
	existing, diags := loader.Load(opts.Out)
	repository := ""
	if existing != nil && !diags.HasErrors() {
		repository = existing.Repository()
	}
	var all []*org.Policy
	var names []string
	for _, p := range o.Policies() {
		if p.Type == policy.Type && !p.AWSManaged {
			all = append(all, p)
			names = append(names, p.Name)
		}
	}
	selected := all
	if len(opts.Policies) > 0 {
		selected = nil
		for _, name := range opts.Policies {
			p := o.PolicyOfType(policy.Type, name)
			if p == nil || p.AWSManaged {
				hint := "the organization has no backup policies"
				if len(names) > 0 {
					hint = "its backup policies are " + strings.Join(names, ", ")
					if best := suggest.Closest(name, names); best != "" {
						hint = fmt.Sprintf("did you mean %q? %s", best, hint)
					}
				}
				return nil, 0, fmt.Errorf("import policy %q: the organization has no backup policy of that name\n  hint: %s", name, hint)
			}
			if !slices.Contains(selected, p) {
				selected = append(selected, p)
			}
		}
	}
	if len(selected) == 0 {
		return nil, 0, fmt.Errorf("import from the organization: it has no backup policies")
	}
	slices.SortFunc(selected, func(a, b *org.Policy) int { return strings.Compare(a.Name, b.Name) })
	var out []imported
	var defs []importer.Definition
	for _, p := range selected {
		if existing != nil {
			if def := existing.Policy(p.Name); def != nil {
				return nil, 0, fmt.Errorf("import policy %q: %s defines it already\n  hint: to take the live policy over, add adopt: true to that definition", p.Name, def.Pos)
			}
		}
		plans := p.Content.Get("plans")
		if p.Content.Kind != doc.Object || plans == nil || len(p.Content.Fields) != 1 {
			return nil, 0, fmt.Errorf("import policy %q (%s): its content is not a backup policy document (the only top-level key must be \"plans\")", p.Name, p.ID)
		}
		var targets []string
		for _, e := range o.Targets(p) {
			targets = append(targets, targetOf(o, e))
		}
		adopt := !plan.Owned(p, repository)
		if adopt {
			adopted++
		}
		partial, why := importer.Partial(p.Content)
		def := importer.Definition{
			Name:        p.Name,
			Source:      importSource(o, p),
			Description: p.Description,
			Targets:     targets,
			Partial:     partial,
			Why:         why,
			Adopt:       adopt,
			Plans:       importer.AuthorForm(plans),
		}
		defs = append(defs, def)
		src, err := importer.Source("orgbackup", def)
		if err != nil {
			return nil, 0, fmt.Errorf("format policy %q: %w", p.Name, err)
		}
		file := strings.TrimSuffix(path.Base(generate.PolicyFile(p.Name)), ".json") + ".cue"
		out = append(out, imported{path: filepath.Join(opts.Out, file), data: src})
	}
	if opts.ExistingBaselines {
		b, err := existingBaselines(opts, defs, existing)
		if err != nil {
			return nil, 0, err
		}
		if b != nil {
			out = append(out, *b)
		}
	}
	return out, adopted, nil
}

// ExistingBaselinesFile is where import --from-org proposes the baselines
// that declare the imported policies' roles and vaults as existing.
const ExistingBaselinesFile = "existing-baselines.cue"

// existingBaselines proposes, for the roles and vaults the imported
// policies name that no baseline of the repository provides, baselines
// declaring them existing: an organization adopting orgbackup has them
// already, and deploying them would fail with "already exists".
func existingBaselines(opts *importOptions, defs []importer.Definition, repo *policy.Repo) (*imported, error) {
	known := func(k backup.RefKind, name string) bool {
		if repo == nil {
			return false
		}
		return slices.ContainsFunc(repo.Baselines, func(b *policy.Baseline) bool {
			return k == backup.Role && b.RoleName == name || k == backup.Vault && b.VaultName == name
		})
	}
	proposed := importer.ProposeExisting(defs, known)
	if len(proposed) == 0 {
		return nil, nil
	}
	src, err := importer.ExistingSource("orgbackup", proposed)
	if err != nil {
		return nil, fmt.Errorf("format the existing baselines: %w", err)
	}
	fmt.Fprintf(opts.IO.Err, "note: %s declares the roles and vaults the policies name as existing (%d %s): orgbackup will not deploy them; `orgbackup doctor --account ID` checks one account, `orgbackup status` all\n",
		filepath.Join(opts.Out, ExistingBaselinesFile), len(proposed), map[bool]string{true: "baseline", false: "baselines"}[len(proposed) == 1])
	return &imported{path: filepath.Join(opts.Out, ExistingBaselinesFile), data: src}, nil
}

// targetOf writes an attachment as a target: the root as Root, an OU by
// its path when that resolves back to it, an account by its id (names of
// accounts change more often than their ids).
func targetOf(o *org.Org, e *org.Entity) string {
	switch e.Kind {
	case org.Root:
		return "Root"
	case org.OU:
		p := o.Path(e)
		if r, err := o.Resolve(p); err == nil && r == e && !strings.ContainsAny(p, "\n\r") {
			return p
		}
	}
	return e.ID
}

func importSource(o *org.Org, p *org.Policy) string {
	if o.Info.ID != "" {
		return fmt.Sprintf("policy %s of organization %s", p.ID, o.Info.ID)
	}
	return "policy " + p.ID + " of the organization"
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
