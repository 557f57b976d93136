// Package cli wires orgbackup's commands. It is the only package that knows
// about flags, environment variables, standard streams and exit codes;
// commands parse their flags, call the pure packages and render.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/render"
)

// Exit codes. They are part of the interface scripts and CI depend on.
const (
	ExitOK = 0
	// ExitFailed: the input is invalid, problems were found, or the
	// command failed.
	ExitFailed = 1
	// ExitChanges: `plan --detailed-exitcode` found changes to make, as
	// Terraform's -detailed-exitcode does. No other outcome exits 2, so a
	// pipeline that applies on 2 can trust it.
	ExitChanges = 2
	// ExitInvalidEffective: `effective` merged the policies, and the result
	// is an effective policy AWS would reject.
	ExitInvalidEffective = 3
	// ExitUsage: the command line itself is wrong. It is EX_USAGE from
	// BSD's sysexits.h rather than the customary 2, because 2 means
	// "changes present" under --detailed-exitcode: a mistyped flag in a CI
	// step must never read as "there is something to apply".
	ExitUsage = 64
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3"
// (make build does). Without it, version reports what the Go toolchain
// recorded in the binary: the module version for `go install
// github.com/orgbackup/orgbackup/cmd/orgbackup@v1.2.3`, the commit for a
// build from a checkout.
var Version = "dev"

// version returns the version to report.
func version() string {
	if Version != "dev" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	return versionOf(bi)
}

// versionOf reads a version from build information: the main module's
// version when it is a release (go install module@version), otherwise
// "dev" with the VCS revision and whether the tree was modified.
func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev (" + rev[:min(12, len(rev))]
	if modified == "true" {
		v += ", modified"
	}
	return v + ")"
}

// IO is a command's view of the world outside: streams, environment and
// working directory. Tests substitute their own.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	OutTTY bool
	// InTTY says whether In is a terminal someone can answer a question
	// on (apply's confirmation).
	InTTY  bool
	Getenv func(string) string
	// ReadOrg reads the live organization; tests substitute their own.
	// Nil means this build cannot, and live commands say so.
	ReadOrg OrgReader
	// ReadBaselines reads the deployed baselines; nil means plans do not
	// see them and say so.
	ReadBaselines BaselineReader
	// AWSConfig builds the AWS configuration of the clients the live
	// commands use besides the reader (apply, verify, status, doctor, the
	// baselines reader); nil means awsenv.Load. Tests point it at a fake.
	AWSConfig func(context.Context, awsenv.Options) (aws.Config, error)
}

// Style returns how to style text for o.Out: colour only on a terminal, and
// never when NO_COLOR is set (https://no-color.org).
func (o *IO) Style() render.Style {
	return render.Style{Color: o.OutTTY && o.Getenv("NO_COLOR") == "" && o.Getenv("TERM") != "dumb"}
}

func systemIO() *IO {
	o := &IO{
		In:      os.Stdin,
		Out:     os.Stdout,
		Err:     os.Stderr,
		OutTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		InTTY:   term.IsTerminal(int(os.Stdin.Fd())),
		Getenv:  os.Getenv,
		ReadOrg: readLiveOrg,
	}
	o.ReadBaselines = readLiveBaselines(o)
	return o
}

// Main runs orgbackup with the process's arguments and returns the exit
// code. It is the only place an exit code is decided, but for the memory
// watchdog's exit 1 (guardMemory), and the only place that tunes the
// process (tuneGC): tests call Run.
func Main() int {
	tuneGC(os.Getenv)
	guardMemory(maxMemory(os.Getenv, os.Stderr), os.Stderr, os.Exit)
	return Run(os.Args[1:], systemIO())
}

// Run runs orgbackup with args.
func Run(args []string, o *IO) (code int) {
	defer recoverFailure(o, &code)
	root := newRoot(o)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(o.Err, "%s\n", render.InertText("orgbackup: "+err.Error()))
		fmt.Fprintf(o.Err, "Run '%s --help' for usage.\n", render.Inert(commandPath(root, args)))
		return ExitUsage
	}
	// Errors name files and values the user (or a pull request) chose.
	fmt.Fprintf(o.Err, "%s\n", render.InertText("orgbackup: "+err.Error()))
	return ExitFailed
}

// recoverFailure turns a panic into exit status 1 and a message: an
// unrecovered panic would print a stack dump and exit 2, which means
// "changes" to a CI step that runs plan --detailed-exitcode.
func recoverFailure(o *IO, code *int) {
	if r := recover(); r != nil {
		fmt.Fprintf(o.Err, "orgbackup: internal error: %s\n  hint: please report this, with the command and the input that caused it\n", render.Inert(fmt.Sprint(r)))
		*code = ExitFailed
	}
}

// exitError ends a command with a code after it has printed its results,
// e.g. validate finding errors.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a mistake on the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// isCobraUsage recognises cobra's own command-line errors, which it returns
// as plain errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "flag needs an argument") ||
		strings.HasPrefix(s, "invalid argument") || strings.HasPrefix(s, "required flag")
}

func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil {
		return root.CommandPath()
	}
	return c.CommandPath()
}

func newRoot(o *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "orgbackup",
		Short: "AWS Organizations backup policies as code",
		Long: `orgbackup puts AWS Organizations backup policies under git.

Policies and member baselines (the backup role and vault every member
account needs, with exactly the names the policies use) are written in CUE
in policies/. orgbackup checks them offline, generates the Organizations
policy documents and the baseline CloudFormation templates, and shows what
every account's effective policy would be before anything is applied.`,
		Example: `  orgbackup validate policies          # check the definitions
  orgbackup build policies --out dist  # write policy JSON, templates, manifest
  orgbackup preview policies           # effective policy of every account
  orgbackup plan --out plan.json       # what applying would change in AWS`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
		// Without subcommand orgbackup prints help; an unknown word is an
		// error, not silent help.
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetOut(o.Out)
	root.SetErr(o.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	// cobra's completion command: orgbackup completion bash|zsh|fish|powershell.
	root.CompletionOptions.HiddenDefaultCmd = false
	root.AddCommand(
		newValidateCmd(o, nil),
		newBuildCmd(o, nil),
		newImportCmd(o, nil),
		newEffectiveCmd(o, nil),
		newPreviewCmd(o, nil),
		newPlanCmd(o, nil),
		newOrgCmd(o),
		newInitCmd(o, nil),
		newCommentCmd(o, nil),
		newIAMPolicyCmd(o, nil),
		newApplyCmd(o, nil),
		newVerifyCmd(o, nil),
		newStatusCmd(o, nil),
		newDoctorCmd(o, nil),
		newVersionCmd(o),
	)
	// cobra adds its completion command when it runs, if there are other
	// commands; made here, an unknown shell is a usage error rather than
	// silent help.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if orgSized[c.Name()] {
			c.PreRun = func(*cobra.Command, []string) { useOrgMemoryLimit() }
		}
		if c.Name() == "completion" {
			c.Args = noArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				return usagef("name the shell: %s bash|zsh|fish|powershell", cmd.CommandPath())
			}
		}
	}
	return root
}

// orgSized names the commands that compute every account's effective
// policy, whose memory grows with the organization (see orgMemoryLimit).
var orgSized = map[string]bool{"preview": true, "plan": true, "effective": true, "apply": true, "verify": true}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("%s takes at most %d argument(s), got %d: %s", cmd.CommandPath(), n, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

func newVersionCmd(o *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the orgbackup version",
		Long: `Version prints the orgbackup version: the one set when the binary was
built (make build sets it from git describe), else the module version go
install recorded, else "dev" and the commit it was built from.

Exit status: 0, 64 usage error.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(o.Out, "orgbackup %s\n", version())
			return nil
		},
	}
}
