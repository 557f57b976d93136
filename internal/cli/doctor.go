package cli

import (
	"context"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doctor"
	"github.com/orgbackup/orgbackup/internal/observe"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/render"
)

type doctorOptions struct {
	IO      *IO
	Dir     string
	Account string
	Role    string
	Output  string
	Live    LiveOptions
}

// DefaultDoctorRole is the role Organizations creates in the accounts it
// creates, trusting the management account.
const DefaultDoctorRole = "OrganizationAccountAccessRole"

var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	roleNameRe  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

func newDoctorCmd(o *IO, runF func(*doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "doctor --account ID [DIR]",
		Short: "Explain why backups would fail in one member account",
		Long: `Doctor assumes a role (--role, default OrganizationAccountAccessRole) in one
member account and checks, in each Region its effective backup policy
(under the definitions in DIR, default policies) runs plans in:

  - the backup role exists, trusts AWS Backup and has the managed policies
    AWS Backup needs (and those its baseline adds);
  - the vault exists, with the key its baseline gives it, and accepts copies
    from the organization where copies go to it;
  - the vault's key is enabled and its key policy lets the account use it
    through AWS Backup (orgbackup's own keys are read in the management
    account; a key elsewhere is reported as not checkable from here);
  - the organization's backup plans are in the account.

Each gap is explained with its fix. Run it with the management account's
credentials (or --profile, --role-arn).

Exit status: 0 no gap, 1 gaps or an error, 64 usage error.`,
		Example: `  orgbackup doctor --account 222222222222
  orgbackup doctor --account 222222222222 --role AWSControlTowerExecution`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if _, err := render.ParseFormat(opts.Output, render.Text, render.JSON); err != nil {
				return &usageError{err: err}
			}
			if !accountIDRe.MatchString(opts.Account) {
				return usagef("--account %q: give the 12-digit id of the account to check", opts.Account)
			}
			if !roleNameRe.MatchString(opts.Role) {
				return usagef("--role %q: give the name of a role in the account that trusts this one, e.g. %s", opts.Role, DefaultDoctorRole)
			}
			if err := checkLiveFlags(opts.Live); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "the account to check (12 digits)")
	cmd.Flags().StringVar(&opts.Role, "role", DefaultDoctorRole, "the role to assume in the account")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: "+render.Formats(render.Text, render.JSON))
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

func doctorRun(opts *doctorOptions) error {
	ctx := context.Background()
	repo, err := loadRepo(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	live := opts.Live
	live.Command = "doctor"
	actual, err := readOrg(opts.IO, live)
	if err != nil {
		return err
	}
	desired := plan.Make(plan.Input{Repo: repo, Actual: actual}).Desired
	cfg, err := opts.IO.awsConfig(ctx, live)
	if err != nil {
		return err
	}
	// orgbackup's own keys, read in the management account.
	keys := map[string]string{}
	for _, r := range keyRegions(repo) {
		k, err := awskms.ReadKey(ctx, kms.NewFromConfig(regional(cfg, r)), baseline.KeyAlias, r)
		if err != nil {
			return err
		}
		if k != nil {
			keys[r] = k.ARN
		}
	}
	e, err := doctor.Expectations(desired, repo, opts.Account, keys)
	if err != nil {
		return err
	}
	mgmt := account(actual.Info.ManagementAccountID, cfg)
	member := mgmt
	if opts.Account != actual.Info.ManagementAccountID {
		arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", opts.Account, opts.Role)
		mcfg := cfg.Copy()
		mcfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "orgbackup-doctor"
		}))
		if _, err := mcfg.Credentials.Retrieve(ctx); err != nil {
			return fmt.Errorf("assume %s: %w\n  hint: --role names a role in the account that trusts these credentials (Organizations creates %s in the accounts it creates)", arn, err, DefaultDoctorRole)
		}
		member = account(opts.Account, mcfg)
	}
	r := doctor.Run(e, observe.DoctorFacts(ctx, member, mgmt, e))
	if err := render.WriteDoctor(opts.IO.Out, render.Format(opts.Output), r, opts.IO.Style()); err != nil {
		return err
	}
	if r.Gaps() > 0 {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// account gives the clients of one account from its configuration.
func account(id string, cfg aws.Config) *observe.Account {
	return &observe.Account{ID: id, IAM: iam.NewFromConfig(cfg),
		Backup: func(r string) awsbackup.VaultAPI { return backup.NewFromConfig(regional(cfg, r)) },
		KMS:    func(r string) awskms.DescribeAPI { return kms.NewFromConfig(regional(cfg, r)) },
	}
}
