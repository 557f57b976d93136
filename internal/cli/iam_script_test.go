package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/iampolicy"
)

// iamCmds holds the IAM policies orgbackup prints against the calls its
// commands make.
var iamCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"iamcheck": cmdIAMCheck,
}

// cmdIAMCheck: iamcheck POLICY.json COMMAND... compares a policy that
// `orgbackup iam-policy` printed with the calls the fault proxy recorded
// since it started (faultproxy start), made by the COMMANDs the script ran
// through it:
//
//   - none missing: every call is allowed by an action of the policy;
//   - none extra: every action of the policy was called, or is needed
//     only by commands the script did not run (iampolicy's catalog says
//     which), or is one of iampolicy.Exceptions (checked on another call,
//     or called only in situations the script does not make).
//
// It prints the calls' actions and the actions not called, with why. With
// !, the check must fail; the problems go to stderr.
func cmdIAMCheck(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: [!] iamcheck POLICY.json COMMAND...")
	}
	var doc iampolicy.Document
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	allowed := map[string]bool{}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			ts.Fatalf("%s: statement %s is not an Allow", args[0], st.Sid)
		}
		for _, a := range st.Action {
			allowed[a] = true
		}
	}
	ran := args[1:]
	st := stateOf(ts)
	if st.proxy == nil {
		ts.Fatalf("iamcheck: no fault proxy recorded the calls: run 'faultproxy start' before the commands")
	}
	called := map[string]int{}
	for _, c := range st.proxy.Calls() {
		a, needed := iampolicy.Action(c.Service, c.Operation)
		if needed {
			called[a]++
		}
	}
	var problems []string
	for _, a := range sortedKeys(called) {
		fmt.Fprintf(ts.Stdout(), "called %s (%d)\n", a, called[a])
		if !allowed[a] {
			problems = append(problems, fmt.Sprintf("missing: %s is called but %s does not allow it", a, args[0]))
		}
	}
	for _, a := range sortedKeys(allowed) {
		if called[a] > 0 {
			continue
		}
		cmds := iampolicy.Commands(a)
		var others []string
		for _, c := range cmds {
			if !slices.Contains(ran, c) {
				others = append(others, c)
			}
		}
		switch why, excepted := iampolicy.Exceptions[a]; {
		case excepted:
			fmt.Fprintf(ts.Stdout(), "not called %s: %s\n", a, why)
		case len(others) > 0:
			fmt.Fprintf(ts.Stdout(), "not called %s: for %s\n", a, strings.Join(others, ", "))
		default:
			if len(cmds) == 0 {
				problems = append(problems, fmt.Sprintf("extra: %s is allowed, but no command needs it", a))
			} else {
				problems = append(problems, fmt.Sprintf("extra: %s is allowed for %s, which made no such call", a, strings.Join(cmds, ", ")))
			}
		}
	}
	switch {
	case neg && len(problems) == 0:
		ts.Fatalf("iamcheck found nothing wrong with %s", args[0])
	case neg:
		fmt.Fprintln(ts.Stderr(), strings.Join(problems, "\n"))
	case len(problems) > 0:
		ts.Fatalf("%s against the calls of %s:\n%s", args[0], strings.Join(ran, ", "), strings.Join(problems, "\n"))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
