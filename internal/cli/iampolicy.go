package cli

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/iampolicy"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

type iamPolicyOptions struct {
	IO          *IO
	Dir         string
	Role        string
	Trust       bool
	Repository  string
	Environment string
	Account     string
	OIDCHost    string
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	ghRepoRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	envRe     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,255}$`)
	hostRe    = regexp.MustCompile(`^[A-Za-z0-9.-]+(/[A-Za-z0-9_./-]+)?$`)
)

func newIAMPolicyCmd(o *IO, runF func(*iamPolicyOptions) error) *cobra.Command {
	opts := &iamPolicyOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "iam-policy --role plan|apply [DIR]",
		Short: "Print the IAM policy (or --trust, the trust policy) of the plan or apply role",
		Long: `Iam-policy prints, as JSON, the least-privilege IAM policy of one of the two
roles orgbackup runs with in GitHub Actions, for the definitions in DIR
(default: policies); with --trust, the role's trust policy for GitHub's OIDC
provider instead.

  plan   reads the organization, its backup policies and settings,
         orgbackup's StackSets and stacks (and its KMS keys when a baseline
         uses them), and, for status, AWS Backup's jobs; nothing else.
         Assumed by pull requests (repo:OWNER/REPO:pull_request) and by
         the read-only jobs on main (repo:OWNER/REPO:ref:refs/heads/main):
         the plan before apply and the scheduled status and drift run.
  apply  the plan role's reads, plus exactly the changes orgbackup makes:
         create backup policies tagged managed-by=orgbackup; update, tag,
         attach, detach and delete only backup policies with that tag (and
         orgbackup:repository, when the organization block names the
         repository); enable the BACKUP_POLICY type; the organization
         settings DIR declares; StackSets named orgbackup-*. Assumed only
         by jobs in the protected environment (--environment).

The management account and organization ids come from the snapshot in DIR
when it was read from AWS (orgbackup org snapshot), or --account; otherwise
ARNs name any account, and the trust policy the placeholder
MANAGEMENT_ACCOUNT_ID, which you must replace. The repository comes from
--repository, the organization block's repository, or GITHUB_REPOSITORY.

Exit status: 0 printed, 1 invalid definitions, 64 usage error.`,
		Example: `  orgbackup iam-policy --role plan > plan-policy.json
  orgbackup iam-policy --role plan --trust --repository acme/backup-policies > plan-trust.json
  orgbackup iam-policy --role apply --environment org-prod policies`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			switch {
			case opts.Role != string(iampolicy.Plan) && opts.Role != string(iampolicy.Apply):
				return usagef("--role takes plan or apply, not %q", opts.Role)
			case opts.Repository != "" && !ghRepoRe.MatchString(opts.Repository):
				return usagef("--repository %q is not OWNER/NAME", opts.Repository)
			case !envRe.MatchString(opts.Environment):
				return usagef("--environment %q is not a GitHub environment name", opts.Environment)
			case opts.Account != "" && !accountRe.MatchString(opts.Account):
				return usagef("--account %q is not a 12-digit account id", opts.Account)
			case !hostRe.MatchString(opts.OIDCHost):
				return usagef("--oidc-host %q is not a host name (with an optional path)", opts.OIDCHost)
			}
			if runF != nil {
				return runF(opts)
			}
			return iamPolicyRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Role, "role", "", "the role: plan (read-only) or apply")
	f.BoolVar(&opts.Trust, "trust", false, "print the role's trust policy (GitHub OIDC) instead of its permissions")
	f.StringVar(&opts.Repository, "repository", "", "the GitHub repository (OWNER/NAME) whose workflows assume the role")
	f.StringVar(&opts.Environment, "environment", "org-prod", "the protected GitHub environment the apply job runs in")
	f.StringVar(&opts.Account, "account", "", "the management account id (default: from an org snapshot read from AWS in DIR)")
	f.StringVar(&opts.OIDCHost, "oidc-host", iampolicy.DefaultOIDCHost, "GitHub's OIDC provider: HOST/_services/token on GitHub Enterprise Server")
	return cmd
}

func iamPolicyRun(opts *iamPolicyOptions) error {
	o := opts.IO
	repo, err := loadRepo(o, opts.Dir)
	if err != nil {
		return err
	}
	s := iampolicy.Scope{
		Account:     opts.Account,
		Repository:  opts.Repository,
		Environment: opts.Environment,
		OIDCHost:    opts.OIDCHost,
		Policies:    len(repo.Policies) > 0,
		Baselines:   slices.ContainsFunc(repo.Baselines, (*policy.Baseline).Deployed),
		ManagedKeys: slices.ContainsFunc(repo.Baselines, func(b *policy.Baseline) bool { return b.ManagedKMSKey }),
	}
	if b := repo.Organization; b != nil {
		s.TrustedAccess = b.TrustedAccess != nil && *b.TrustedAccess
		s.CrossAccountBackup = b.CrossAccountBackup != nil
		s.DelegatedAdmin = b.DelegatedAdministrator
		s.OwnerTag = b.Repository
	}
	if len(repo.Snapshots) == 1 {
		actual, err := org.Load(repo.Snapshots[0])
		if err != nil {
			return err
		}
		// Only a snapshot read from AWS knows the real ids; the starter's
		// placeholder and hand-written examples do not.
		if actual.Source == "aws" {
			if s.Account == "" {
				s.Account = actual.Info.ManagementAccountID
			}
			s.Organization = actual.Info.ID
		}
	}
	if s.Repository == "" {
		s.Repository = repo.Repository()
	}
	if s.Repository == "" {
		if r := o.Getenv("GITHUB_REPOSITORY"); ghRepoRe.MatchString(r) {
			s.Repository = r
		}
	}
	role := iampolicy.Role(opts.Role)
	if !opts.Trust {
		if s.Account == "" {
			fmt.Fprintln(o.Err, "orgbackup: the management account id is not known (no snapshot from `orgbackup org snapshot` in "+opts.Dir+", no --account): the ARNs name any account")
		}
		_, err := o.Out.Write(iampolicy.Permissions(role, s).JSON())
		return err
	}
	if s.Account == "" {
		fmt.Fprintf(o.Err, "orgbackup: replace %s with the management account id, or pass --account\n", iampolicy.Placeholder)
	}
	if s.Repository == "" {
		return usagef("the trust policy needs the repository: pass --repository OWNER/NAME (or set repository in the organization block)")
	}
	_, err = o.Out.Write(iampolicy.Trust(role, s).JSON())
	return err
}
