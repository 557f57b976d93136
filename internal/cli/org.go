package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/spf13/cobra"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/loader"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/render"
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
	AWS      awsenv.Options
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
			if err := checkAWSFlags(opts.AWS); err != nil {
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
	addAWSFlags(cmd, &opts.AWS)
	opts.AWS.Command = "org-snapshot"
	return cmd
}

func orgSnapshotRun(opts *orgSnapshotOptions) error {
	start := time.Now()
	out, prevFile, err := snapshotFiles(opts.Dir, opts.Out, opts.Previous)
	if err != nil {
		return err
	}
	var prev *org.Org
	if prevFile != "" {
		if prev, err = org.Load(prevFile); err != nil {
			return fmt.Errorf("read previous snapshot %s, whose attachment order is kept (fix it, or pass --previous with another snapshot):\n%w", loader.DisplayPath(prevFile), err)
		}
		if opts.Out == "" && prevFile == out && prev.Source != "aws" {
			return usagef("%s was not read from AWS (source %q); org snapshot does not overwrite it unless asked: pass --out %s to replace it, or --out with another file",
				loader.DisplayPath(out), prev.Source, loader.DisplayPath(out))
		}
	}

	ctx := context.Background()
	cfg, err := opts.IO.awsConfig(ctx, opts.AWS)
	if err != nil {
		return err
	}
	r := &awsorg.Reader{
		Org:      organizations.NewFromConfig(cfg),
		Backup:   backup.NewFromConfig(cfg),
		Previous: prev,
		Progress: opts.IO.Err,
	}
	res, err := r.Read(ctx)
	if err != nil {
		return err
	}
	if out == "-" {
		if _, err := opts.IO.Out.Write(res.Org.Encode()); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	} else if err := writeFileAtomic(out, res.Org.Encode()); err != nil {
		return err
	}
	writeSnapshotReport(opts.IO.Err, res, out, prevFile, time.Since(start))
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

// writeFileAtomic replaces path with data so that a reader never sees half
// a file and a failure leaves the old one as it was.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close(), os.Chmod(tmp, 0o644))
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write snapshot %s: %w", loader.DisplayPath(path), err)
	}
	return nil
}

// maxListed bounds the targets listed under the attachment-order note.
const maxListed = 20

// writeSnapshotReport tells, on stderr, what was written, how it was read,
// what could not be, and where attachment order is a guess.
func writeSnapshotReport(w io.Writer, res *awsorg.Result, out, prevFile string, took time.Duration) {
	o := res.Org
	attachments := 0
	for _, e := range append(append([]*org.Entity{o.Root()}, o.OUs()...), o.Accounts()...) {
		attachments += len(o.Attached(e, org.BackupPolicy))
	}
	where := loader.DisplayPath(out)
	if out == "-" {
		where = "stdout"
	}
	fmt.Fprintf(w, "wrote %s: %d OUs, %d accounts, %d backup policies, %d attachments\n",
		where, len(o.OUs()), len(o.Accounts()), len(o.Policies()), attachments)
	fmt.Fprintf(w, "read in %.1f s with %s\n", took.Seconds(), res.Stats)
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
		fmt.Fprintf(w, "attachment order: no API reports it and there is no previous snapshot, so policies are in id order on each target; where two policies on one target set the same key, put them in the order they were attached in %s (%d targets with more than one):\n", where, len(list))
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
