package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

func newOrgCmd(o *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Work with the organization itself",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newOrgSnapshotCmd(o, nil))
	return cmd
}

type orgSnapshotOptions struct {
	IO       *IO
	Dir      string
	Out      string // "-" is stdout
	Previous string
	Live     LiveOptions
}

// DefaultSnapshot is the file org snapshot writes in the policy directory
// when the directory has no snapshot yet.
const DefaultSnapshot = "org" + loader.SnapshotSuffix

func newOrgSnapshotCmd(o *IO, runF func(*orgSnapshotOptions) error) *cobra.Command {
	opts := &orgSnapshotOptions{IO: o}
	cmd := &cobra.Command{
		Use:   "snapshot [DIR]",
		Short: "Read the organization from AWS into a snapshot file",
		Long: `Snapshot reads the organization from AWS Organizations and AWS Backup and
writes it as a snapshot (internal/org/FORMAT.md, "source": "aws"), the
actual state preview and plan compare the definitions with: the root and
its enabled policy types, every OU and account, every backup policy with
its content, tags and targets, trusted service access, AWS Backup's
delegated administrators and its global settings. It only reads.

The snapshot goes to --out, by default the *.snapshot.json file in DIR
(default: policies), or DIR/` + DefaultSnapshot + ` when there is none, so
that preview and plan find it. A snapshot that was written by hand is not
overwritten unless --out names it.

No API returns the order in which policies were attached to a target,
which decides conflicts between them. The order is kept from the previous
snapshot (--previous, by default the file being replaced or the one in
DIR), and attachments it lacks are appended in policy id order; the
command lists the targets where it did that.

Credentials, Region and endpoint come from the AWS SDK's standard settings
(environment, shared config files, SSO, instance or web identity roles;
AWS_ENDPOINT_URL for an emulator), adjusted by --profile, --region and
--role-arn. It calls Organizations at the documented per-operation rates,
so a large organization takes a while; progress goes to stderr. It needs
the read-only IAM actions listed in the README ("What orgbackup needs in
IAM").

Exit status: 0 written, 1 failed (nothing is written), 64 usage error.`,
		Example: `  orgbackup org snapshot                           # policies/*.snapshot.json
  orgbackup org snapshot --profile mgmt --region eu-west-1
  orgbackup org snapshot --role-arn arn:aws:iam::111122223333:role/orgbackup-plan
  orgbackup org snapshot --out - > org.snapshot.json`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if err := checkLiveFlags(opts.Live); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return orgSnapshotRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "file to write, - for stdout (default: the *.snapshot.json in DIR, or DIR/"+DefaultSnapshot+")")
	cmd.Flags().StringVar(&opts.Previous, "previous", "", "snapshot whose attachment order to keep (default: the file being replaced, or the *.snapshot.json in DIR)")
	addLiveFlags(cmd, &opts.Live)
	return cmd
}

func orgSnapshotRun(opts *orgSnapshotOptions) error {
	out, prevFile, err := snapshotFiles(opts.Dir, opts.Out, opts.Previous)
	if err != nil {
		return err
	}
	if opts.Out == "" && prevFile == out {
		// The file to be replaced: only if it came from AWS.
		if prev, err := org.Load(prevFile); err == nil && prev.Source != "aws" {
			return usagef("%s was not read from AWS (source %q); org snapshot does not overwrite it unless asked: pass --out %s to replace it, or --out with another file",
				loader.DisplayPath(out), prev.Source, loader.DisplayPath(out))
		}
	}
	lo := opts.Live
	lo.Previous, lo.Command = prevFile, "org-snapshot"
	o, err := readOrg(opts.IO, lo)
	if err != nil {
		return err
	}
	where := "stdout"
	if out == "-" {
		if _, err := opts.IO.Out.Write(o.Encode()); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	} else {
		if err := writeAtomic(out, o.Encode()); err != nil {
			return err
		}
		where = loader.DisplayPath(out)
	}
	attachments := 0
	for _, e := range append(append([]*org.Entity{o.Root()}, o.OUs()...), o.Accounts()...) {
		attachments += len(o.Attached(e, policy.Type))
	}
	fmt.Fprintf(opts.IO.Err, "wrote %s: %d OUs, %d accounts, %d backup policies, %d attachments\n",
		where, len(o.OUs()), len(o.Accounts()), len(o.Policies()), attachments)
	return nil
}

// snapshotFiles decides where the snapshot goes and whose attachment order
// it keeps (see the command's help).
func snapshotFiles(dir, out, previous string) (string, string, error) {
	found, dirErr := findSnapshots(dir)
	if out == "" {
		if dirErr != nil {
			return "", "", fmt.Errorf("find the snapshot in %s: %w (pass the policy directory, or --out FILE)", dir, dirErr)
		}
		switch len(found) {
		case 0:
			out = filepath.Join(dir, DefaultSnapshot)
		case 1:
			out = found[0]
		default:
			return "", "", usagef("%d snapshot files in %s (%s); choose the one to write with --out", len(found), dir, displayAll(found))
		}
	}
	switch {
	case previous != "":
	case out != "-" && fileExists(out):
		previous = out
	case len(found) == 1:
		previous = found[0]
	}
	return out, previous, nil
}

// findSnapshots lists the snapshot files below dir as the loader finds
// them for preview (hidden directories, cue.mod and testdata skipped), so
// that the file written is the one preview reads.
func findSnapshots(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "cue.mod" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, loader.SnapshotSuffix) {
			found = append(found, p)
		}
		return nil
	})
	slices.Sort(found)
	return found, err
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func displayAll(ps []string) string {
	d := make([]string, len(ps))
	for i, p := range ps {
		d[i] = loader.DisplayPath(p)
	}
	return strings.Join(d, ", ")
}
