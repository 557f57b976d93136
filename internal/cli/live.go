package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
)

// LiveOptions select the organization a live command reads and the
// credentials it uses: the SDK's default chain, or a profile, a Region and
// a role to assume. Endpoints come from the SDK's standard settings
// (AWS_ENDPOINT_URL and friends), so an emulator needs no flag.
type LiveOptions struct {
	Profile string
	Region  string
	RoleARN string
	// Previous is the snapshot whose attachment order the reader keeps (no
	// API returns it); "" for none.
	Previous string
	// Command names the command in the session name of RoleARN's
	// assumed role ("orgbackup-<command>"), for CloudTrail.
	Command string
}

// awsenv returns the options awsenv builds the AWS configuration from.
func (lo LiveOptions) awsenv() awsenv.Options {
	return awsenv.Options{Profile: lo.Profile, Region: lo.Region, RoleARN: lo.RoleARN, Command: lo.Command}
}

// checkLiveFlags checks the flags before anything is read or called.
func checkLiveFlags(lo LiveOptions) error {
	if lo.RoleARN != "" {
		if err := awsenv.CheckRoleARN(lo.RoleARN); err != nil {
			return &usageError{err: err}
		}
	}
	return nil
}

// OrgReader reads the live organization. Progress for large organizations
// goes to progress (stderr).
type OrgReader func(ctx context.Context, lo LiveOptions, progress io.Writer) (*org.Org, error)

// errNoLiveReader is what a build without the live reader says.
var errNoLiveReader = errors.New("reading the live organization is not available in this build; pass --org SNAPSHOT to plan against a snapshot file")

// readLiveOrg is the production OrgReader: the SDK's configuration as
// awsenv builds it, and awsorg.Reader.
var readLiveOrg = liveReader(func(ctx context.Context, o awsenv.Options) (aws.Config, error) { return awsenv.Load(ctx, o) })

// liveReader returns an OrgReader that reads with awsorg.Reader, through
// the real SDK clients built from the configuration config returns
// (in-process tests return a fake's), and reports on progress how the read
// went: the calls made, what could not be read, and where attachment order
// is a guess.
func liveReader(config func(context.Context, awsenv.Options) (aws.Config, error)) OrgReader {
	return func(ctx context.Context, lo LiveOptions, progress io.Writer) (*org.Org, error) {
		if progress == nil {
			progress = io.Discard
		}
		var prev *org.Org
		if lo.Previous != "" {
			var err error
			if prev, err = org.Load(lo.Previous); err != nil {
				return nil, fmt.Errorf("read previous snapshot %s, whose attachment order is kept (fix it, or pass --previous with another snapshot):\n%w", loader.DisplayPath(lo.Previous), err)
			}
		}
		cfg, err := config(ctx, lo.awsenv())
		if err != nil {
			return nil, err
		}
		start := time.Now()
		r := &awsorg.Reader{Org: organizations.NewFromConfig(cfg), Backup: backup.NewFromConfig(cfg), Previous: prev, Progress: progress}
		res, err := r.Read(ctx)
		if err != nil {
			return nil, err
		}
		writeReadReport(progress, res, lo.Previous, time.Since(start))
		return res.Org, nil
	}
}

// maxListed bounds the targets listed under the attachment-order note.
const maxListed = 20

// writeReadReport tells how a read went: the calls, what could not be read,
// and where attachment order is a guess.
func writeReadReport(w io.Writer, res *awsorg.Result, prevFile string, took time.Duration) {
	o := res.Org
	fmt.Fprintf(w, "read the organization in %.1f s with %s\n", took.Seconds(), res.Stats)
	if res.AccountsByParent {
		fmt.Fprintln(w, "accounts were listed per parent: this endpoint's ListAccounts gives no account paths")
	}
	for _, u := range res.Unknown {
		fmt.Fprintf(w, "not recorded, unknown: %s\n", render.Inert(u))
	}
	if len(res.Appended) == 0 {
		return
	}
	list := res.Appended
	if prevFile == "" {
		// Nothing to keep: every attachment was appended. The order
		// only matters where a target has more than one policy.
		list = slices.DeleteFunc(slices.Clone(list), func(a awsorg.Appended) bool { return len(a.Appended) < 2 })
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(w, "attachment order: no API reports it and there is no previous snapshot, so policies are in id order on each target; where two policies on one target set the same key, write them in the snapshot in the order they were attached (%d targets with more than one):\n", len(list))
	} else {
		fmt.Fprintf(w, "attachment order: no API reports it; kept the order in %s and appended, in policy id order, the attachments it lacks on %d targets:\n",
			loader.DisplayPath(prevFile), len(list))
	}
	for i, a := range list {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %d more\n", len(list)-maxListed)
			break
		}
		line := fmt.Sprintf("  %s: %s", render.Inert(o.Path(o.Entity(a.Target))), strings.Join(a.Appended, ", "))
		if len(a.Kept) > 0 {
			line += " after " + strings.Join(a.Kept, ", ")
		}
		fmt.Fprintln(w, line)
	}
}

// withPrevious returns lo reading with the repository's snapshot, when it
// has one, as the previous one: its attachment order is kept.
func (lo LiveOptions) withPrevious(repo *policy.Repo) LiveOptions {
	if len(repo.Snapshots) == 1 {
		lo.Previous = repo.Snapshots[0]
	}
	return lo
}

// addLiveFlags registers the flags shared by commands that reach AWS.
func addLiveFlags(cmd *cobra.Command, lo *LiveOptions) {
	cmd.Flags().StringVar(&lo.Profile, "profile", "", "AWS shared-config profile (default: AWS_PROFILE, or the SDK's credential chain)")
	cmd.Flags().StringVar(&lo.Region, "region", "", "AWS Region for the API calls (default: from the environment or profile, else "+awsenv.DefaultRegion+")")
	cmd.Flags().StringVar(&lo.RoleARN, "role-arn", "", "IAM role to assume before reading the organization")
}

// readOrg reads the live organization with o's reader.
func readOrg(o *IO, lo LiveOptions) (*org.Org, error) {
	read := o.ReadOrg
	if read == nil {
		return nil, errNoLiveReader
	}
	actual, err := read(context.Background(), lo, o.Err)
	if errors.Is(err, awsorg.ErrCredentials) {
		return nil, fmt.Errorf("%w\n(commands that take --org SNAPSHOT work offline from a snapshot file instead)", err)
	}
	return actual, err
}

// repoRel returns a function that turns a definition file (as the loader
// names it, relative to the working directory) into the path the plan
// records and tags policies with: relative to the git repository that
// holds dir, slash-separated, so plans made from different directories,
// locally and in CI, agree. Outside a repository it is the path as given.
func repoRel(dir string) func(string) string {
	root := gitRoot(dir)
	return func(file string) string {
		if root == "" || file == "" {
			return filepath.ToSlash(file)
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return filepath.ToSlash(file)
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil {
			return filepath.ToSlash(file)
		}
		return filepath.ToSlash(rel)
	}
}

// gitRoot finds the nearest directory at or above dir holding .git.
func gitRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
