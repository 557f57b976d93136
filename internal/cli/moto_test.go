package cli

// Testscript commands for end-to-end tests of the live reader against moto
// (started with awstest's "moto start"), with the AWS CLI as the
// independent witness: the CLI builds an organization, the real orgbackup
// binary reads it.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// liveCmds are the testscript commands for scripts that read an
// organization that the AWS CLI built in moto.
var liveCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"capture":     cmdCapture,
	"snapsummary": cmdSnapSummary,
}

// cmdCapture runs a command and sets VAR to its output, trimmed:
// capture VAR cmd args...
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: capture VAR command [args...]")
	}
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ts.Fatalf("%s: %v\n%s", strings.Join(args[1:], " "), err, ts.ReadFile("stderr"))
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// cmdSnapSummary prints a snapshot by names rather than ids, which moto
// makes up anew each run, so that scripts can compare it with a file.
// Attachments are listed by name, sorted: their order is the reader's
// business, tested elsewhere.
func cmdSnapSummary(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snapsummary FILE")
	}
	o, err := org.Load(ts.MkAbs(args[0]))
	ts.Check(err)
	w := ts.Stdout()
	fmt.Fprintf(w, "source %s, captured %v\n", o.Source, !o.CapturedAt.IsZero())
	var types []string
	for _, pt := range o.Root().PolicyTypes {
		types = append(types, pt.Type+"="+pt.Status)
	}
	fmt.Fprintf(w, "policy types: %s\n", strings.Join(types, ", "))
	var lines []string
	for _, e := range append(append([]*org.Entity{o.Root()}, o.OUs()...), o.Accounts()...) {
		var names []string
		for _, p := range o.Attached(e, policy.Type) {
			names = append(names, p.Name)
		}
		slices.Sort(names)
		lines = append(lines, fmt.Sprintf("%s: %s\n", o.Path(e), strings.Join(names, ", ")))
	}
	for _, p := range o.Policies() {
		var tags []string
		for k, v := range p.Tags {
			tags = append(tags, k+"="+v)
		}
		slices.Sort(tags)
		lines = append(lines, fmt.Sprintf("policy %s (%s): tags [%s] content %s\n", p.Name, p.Description, strings.Join(tags, " "), p.Content.Compact()))
	}
	slices.Sort(lines) // ids, which decide the order in the file, are moto's random ones
	fmt.Fprint(w, strings.Join(lines, ""))
	s := o.Settings
	fmt.Fprintf(w, "trusted services: %s\n", orUnknown(s.TrustedServices != nil, strings.Join(s.TrustedServices, ", ")))
	fmt.Fprintf(w, "delegated administrators: %s\n", orUnknown(s.DelegatedAdministrators != nil, fmt.Sprint(s.DelegatedAdministrators)))
	fmt.Fprintf(w, "backup global settings: %s\n", orUnknown(s.BackupGlobalSettings != nil, fmt.Sprint(s.BackupGlobalSettings)))
}

func orUnknown(known bool, s string) string {
	if !known {
		return "unknown"
	}
	return s
}
