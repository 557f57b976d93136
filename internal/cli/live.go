package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/org"
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
}

// OrgReader reads the live organization. Progress for large organizations
// goes to progress (stderr).
type OrgReader func(ctx context.Context, lo LiveOptions, progress io.Writer) (*org.Org, error)

// errNoLiveReader is what a build without the live reader says.
var errNoLiveReader = errors.New("reading the live organization is not available in this build; pass --org SNAPSHOT to plan against a snapshot file")

// readLiveOrg is the production OrgReader.
//
// TODO(live-read): wire the live reader here (awsenv config from lo, then
// the awsorg reader); until then plans need --org.
func readLiveOrg(context.Context, LiveOptions, io.Writer) (*org.Org, error) {
	return nil, errNoLiveReader
}

// addLiveFlags registers the flags shared by commands that reach AWS.
func addLiveFlags(cmd *cobra.Command, lo *LiveOptions) {
	cmd.Flags().StringVar(&lo.Profile, "profile", "", "AWS shared-config profile (default: the SDK's credential chain)")
	cmd.Flags().StringVar(&lo.Region, "region", "", "AWS Region for the API calls (default: from the environment or profile)")
	cmd.Flags().StringVar(&lo.RoleARN, "role-arn", "", "IAM role to assume before reading the organization")
}

// readOrg reads the live organization with o's reader.
func readOrg(o *IO, lo LiveOptions) (*org.Org, error) {
	read := o.ReadOrg
	if read == nil {
		return nil, errNoLiveReader
	}
	return read(context.Background(), lo, o.Err)
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
