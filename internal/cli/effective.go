package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
)

// The policy types whose inheritance rules effective implements; AWS
// documents the same rules for all three.
var effectiveTypes = []string{"BACKUP_POLICY", "TAG_POLICY", "AISERVICES_OPT_OUT_POLICY"}

type effectiveOptions struct {
	IO         *IO
	Levels     []string
	PolicyType string
	Org        string
	Policies   string
	Account    string
	OU         string
	Current    bool
}

func newEffectiveCmd(o *IO, runF func(*effectiveOptions) error) *cobra.Command {
	opts := &effectiveOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "effective ([DIR] (--account ID | --ou PATH) [--org SNAPSHOT] | --level FILE[,FILE...]...)",
		Short: "Compute an effective policy with Organizations' inheritance rules",
		Long: `Effective computes the effective policy an account gets: the merge of the
policies attached to the root, each OU on its path and the account itself,
under the inheritance operators (@@assign, @@append, @@remove,
@@operators_allowed_for_child_policies). It prints it as AWS renders it
(operators removed, keys lower-cased) as canonical JSON on stdout.

From raw documents: each --level is one level, from the root downwards,
listing the documents attached there in attachment order (the first
attached wins a conflict at one level).

From an organization: the definitions in DIR (default: policies), like
every other command, attached to the organization snapshot --org (default:
the *.snapshot.json in DIR) as they would be after apply; --current uses
the snapshot's attachments only. --account ID prints that account's
policy; --ou PATH prints an object with the effective policy of every
account below the OU, keyed by account id.

Diagnostics go to stderr: operators a parent forbids (ignored, as AWS
ignores them), same-level overrides, and for backup policies every reason
the merged policy would be invalid, with the account, the contributing
policies and the path to the problem.

Exit status: 0 valid, 3 merged but invalid, 1 input error, 64 usage error.`,
		Example: `  orgbackup effective --level root.json --level ou-prod.json,ou-prod-2.json --level account.json
  orgbackup effective --policy-type TAG_POLICY --level root-tags.json --level ou-tags.json
  orgbackup effective policies --account 222222222222
  orgbackup effective policies --org policies/example-org.snapshot.json --ou Root/Workloads`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !containsString(effectiveTypes, opts.PolicyType) {
				return usagef("unknown --policy-type %q (want %s)", opts.PolicyType, strings.Join(effectiveTypes, ", "))
			}
			switch {
			case len(args) == 1 && cmd.Flags().Changed("policies"):
				return usagef("name the policy directory once: as the argument, not also with --policies")
			case len(args) == 1:
				opts.Policies = args[0]
			}
			switch {
			case len(opts.Levels) > 0:
				if opts.Org != "" || len(args) > 0 || opts.Account != "" || opts.OU != "" || opts.Current {
					return usagef("--level merges documents on its own; DIR, --org, --account, --ou and --current name an organization instead")
				}
			case opts.Account != "" || opts.OU != "":
				if opts.Account != "" && opts.OU != "" {
					return usagef("name one of --account ID or --ou PATH, not both")
				}
				if opts.PolicyType != policy.Type && !opts.Current {
					return usagef("the definitions in %s are backup policies; for %s add --current to use the snapshot's attachments", opts.Policies, opts.PolicyType)
				}
			default:
				return usagef("name the policies to merge: an account or OU of the organization ([DIR] --account ID | --ou PATH), or documents (--level FILE[,FILE...], repeated per level)")
			}
			if runF != nil {
				return runF(opts)
			}
			if len(opts.Levels) > 0 {
				return effectiveLevelsRun(opts)
			}
			return effectiveOrgRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.Levels, "level", nil, "policy documents attached at one level, comma-separated in attachment order (repeat from the root down)")
	f.StringVar(&opts.PolicyType, "policy-type", policy.Type, "policy type: "+strings.Join(effectiveTypes, "|"))
	f.StringVar(&opts.Org, "org", "", "org snapshot file (default: the *.snapshot.json in DIR)")
	f.StringVar(&opts.Policies, "policies", DefaultDir, "the policy directory")
	// The directory is an argument, as for every other command.
	f.MarkDeprecated("policies", "pass the policy directory as an argument: orgbackup effective DIR --account ID")
	f.StringVar(&opts.Account, "account", "", "account id")
	f.StringVar(&opts.OU, "ou", "", "OU path or id: every account below it")
	f.BoolVar(&opts.Current, "current", false, "use the snapshot's attachments as they are, without the definitions")
	return cmd
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func effectiveLevelsRun(opts *effectiveOptions) error {
	var levels []inherit.Level
	for i, spec := range opts.Levels {
		lvl := inherit.Level{Target: fmt.Sprintf("level %d", i+1)}
		for _, file := range strings.Split(spec, ",") {
			if file == "" {
				return usagef("--level %q has an empty file name", spec)
			}
			data, err := doc.ReadFile(file, loader.MaxFileSize)
			if err != nil {
				return fmt.Errorf("read %s: %w", file, unwrapPath(err))
			}
			name := loader.DisplayPath(file)
			n, err := doc.Parse(name, data)
			if err != nil {
				var se *doc.SyntaxError
				if errors.As(err, &se) && se.Hint != "" {
					return fmt.Errorf("%w\n  hint: %s", err, se.Hint)
				}
				return err
			}
			if n.Kind != doc.Object {
				return fmt.Errorf("%s: a policy document is a JSON object", n.Pos)
			}
			lvl.Policies = append(lvl.Policies, inherit.Policy{ID: name, Name: name, Doc: n})
		}
		levels = append(levels, lvl)
	}
	s := inherit.Merge(levels...)
	eff := s.EffectiveWith(inherit.KeyCaseOf(opts.PolicyType))
	if _, err := opts.IO.Out.Write(eff.Indent()); err != nil {
		return err
	}
	writeNotes(opts.IO, s.Notes())
	if opts.PolicyType != policy.Type {
		return nil
	}
	problems := effective.Validate(s, eff, nil, nil, nil)
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the effective policy is invalid (%s); AWS would keep the account's last valid policy:\n", plural(len(problems), "problem", "problems"))
	for _, p := range problems {
		render.WriteProblem(&b, p, render.Style{}, "  ")
	}
	fmt.Fprint(opts.IO.Err, render.InertText(b.String()))
	return &exitError{code: ExitInvalidEffective}
}

func writeNotes(o *IO, notes []inherit.Note) {
	for _, n := range notes {
		fmt.Fprintf(o.Err, "note: %s\n", render.Inert(n.String()))
	}
}

func effectiveOrgRun(opts *effectiveOptions) error {
	var actual *org.Org
	var repo *policy.Repo
	if opts.Current {
		file := opts.Org
		if file == "" {
			// The definitions may not even load: the snapshot is found
			// without them.
			found, _ := filepath.Glob(filepath.Join(opts.Policies, "*"+loader.SnapshotSuffix))
			if len(found) != 1 {
				return usagef("%d snapshot files in %s; choose one with --org", len(found), render.Inert(opts.Policies))
			}
			file = found[0]
		}
		o, err := org.Load(file)
		if err != nil {
			return err
		}
		actual = o
	} else {
		r, o, _, err := loadRepoAndOrg(opts.IO, opts.Policies, opts.Org)
		if err != nil {
			return err
		}
		repo, actual = r, o
	}
	target := opts.Account
	if target == "" {
		target = opts.OU
	}
	o := actual
	var ours func(string) bool
	var bl *effective.Baselines
	if repo != nil {
		p := plan.Make(plan.Input{Repo: repo, Actual: actual, Rel: repoRel(opts.Policies), NoLiveDigest: true})
		var errs diag.List
		for _, d := range render.ProblemDiags(p.Problems) {
			// Invalid accounts are this command's own report, below.
			if d.Severity == diag.Error && d.Code != plan.CodeInvalidEffective {
				errs = append(errs, d)
			}
		}
		if len(errs) > 0 {
			fmt.Fprint(opts.IO.Err, render.TextDiagnostics(errs, render.Style{}))
			return &exitError{code: ExitFailed}
		}
		desired := p.Desired
		o = desired
		bl = effective.NewBaselines(desired, repo.Baselines)
		ours = func(id string) bool {
			p := desired.Policy(id)
			return p != nil && repo.Policy(p.Name) != nil
		}
	}
	ent, err := o.Resolve(target)
	if err != nil {
		return err
	}
	if opts.Account != "" && ent.Kind != org.Account {
		return usagef("%s is %s, not an account; use --ou", target, ent.Kind)
	}
	if opts.OU != "" && ent.Kind == org.Account {
		return usagef("%s is an account; use --account", target)
	}
	eng := effective.NewEngine(o, opts.PolicyType)
	label := effective.Label(o)
	accounts := o.AccountsUnder(ent)
	out := doc.NewObject(doc.Pos{})
	invalid := 0
	var b strings.Builder
	for _, a := range accounts {
		s := eng.State(a)
		// Accounts of one OU share a state; the engine merges it once.
		eff := eng.Effective(s)
		if opts.Account != "" {
			out = eff
		} else {
			out.Fields = append(out.Fields, doc.Field{Key: a.ID, Value: eff})
		}
		for _, n := range s.Notes() {
			fmt.Fprintf(&b, "note: account %s (%s): %s\n", a.ID, o.Path(a), n.String())
		}
		if opts.PolicyType != policy.Type {
			continue
		}
		problems := effective.Validate(s, eff, bl.For(a), ours, label)
		if len(problems) == 0 {
			continue
		}
		invalid++
		fmt.Fprintf(&b, "account %s (%s): the effective backup policy is invalid; AWS would keep the account's last valid policy:\n", a.ID, o.Path(a))
		for _, p := range problems {
			render.WriteProblem(&b, p, render.Style{}, "  ")
		}
	}
	if _, err := opts.IO.Out.Write(out.Indent()); err != nil {
		return err
	}
	fmt.Fprint(opts.IO.Err, render.InertText(b.String()))
	if invalid > 0 {
		return &exitError{code: ExitInvalidEffective}
	}
	return nil
}
