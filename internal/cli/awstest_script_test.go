package cli

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/awstest"
)

// Testscript commands backed by internal/awstest, for end-to-end scripts
// against moto. A script that needs moto starts with
//
//	[!moto] skip 'moto or the AWS CLI is not installed'
//	moto start
//
// The [moto] condition is also true whenever CI is set, so on CI a missing
// moto fails the script instead of skipping it.
var awsCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"moto":       cmdMoto,
	"awscli":     cmdAWSCLI,
	"faultproxy": cmdFaultProxy,
	"orgfixture": cmdOrgFixture,
}

// motoCondition reports whether scripts needing moto should run.
func motoCondition(cond string) (bool, error) {
	if cond != "moto" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if os.Getenv("CI") != "" {
		return true, nil
	}
	motoOnce.Do(func() {
		_, errAWS := exec.LookPath("aws")
		errMoto := exec.Command("python3", "-c", "import moto").Run()
		motoOK = errAWS == nil && errMoto == nil
	})
	return motoOK, nil
}

var (
	motoOnce sync.Once
	motoOK   bool
)

// scriptState is what one script's awstest commands share.
type scriptState struct {
	srv   *awstest.Server
	proxy *awstest.Proxy
}

var scriptStates sync.Map // *testscript.TestScript -> *scriptState

func stateOf(ts *testscript.TestScript) *scriptState {
	v, _ := scriptStates.LoadOrStore(ts, &scriptState{})
	return v.(*scriptState)
}

func serverOf(ts *testscript.TestScript) *awstest.Server {
	s := stateOf(ts).srv
	if s == nil {
		ts.Fatalf("moto is not started: run 'moto start' first")
	}
	return s
}

// scriptT adapts a script to awstest.T. Skips become failures: scripts
// decide about skipping with the [moto] condition.
type scriptT struct{ ts *testscript.TestScript }

func (s scriptT) Helper()                         {}
func (s scriptT) Fatalf(f string, a ...any)       { s.ts.Fatalf(f, a...) }
func (s scriptT) Skipf(f string, a ...any)        { s.ts.Fatalf(f, a...) }
func (s scriptT) Logf(f string, a ...any)         { s.ts.Logf(f, a...) }
func (s scriptT) Cleanup(f func())                { s.ts.Defer(f) }
func setEnv(ts *testscript.TestScript, kv string) { k, v, _ := strings.Cut(kv, "="); ts.Setenv(k, v) }

// cmdMoto: moto start [REGION] | reset | fail-instances ACCOUNT REGION|* [REASON...]
// | job KIND ACCOUNT REGION STATE [MESSAGE...] | hold on|off.
//
// start runs a server for the script (reused across scripts, reset) and
// points the script's AWS environment at it: AWS_ENDPOINT_URL, test
// credentials, AWS_REGION/AWS_DEFAULT_REGION, no shared config; MOTO_URL
// keeps moto's own address.
func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: moto start [REGION] | reset | fail-instances ACCOUNT REGION|* [REASON...] | job KIND ACCOUNT REGION STATE [MESSAGE...] | hold on|off")
	}
	t := scriptT{ts}
	switch args[0] {
	case "start":
		opts := []awstest.Option{}
		if len(args) > 1 {
			opts = append(opts, awstest.WithRegion(args[1]))
		}
		st := stateOf(ts)
		st.srv = awstest.StartT(t, opts...)
		ts.Defer(func() { scriptStates.Delete(ts) })
		for _, kv := range st.srv.Env() {
			setEnv(ts, kv)
		}
		ts.Setenv("MOTO_URL", st.srv.URL)
	case "reset":
		serverOf(ts).Reset(t)
	case "fail-instances":
		if len(args) < 3 {
			ts.Fatalf("usage: moto fail-instances ACCOUNT REGION|* [REASON...]")
		}
		region := args[2]
		if region == "*" {
			region = ""
		}
		serverOf(ts).FailStackInstances(t, args[1], region, strings.Join(args[3:], " "))
	case "job":
		if len(args) < 5 {
			ts.Fatalf("usage: moto job backup|copy|restore ACCOUNT REGION STATE [MESSAGE...]")
		}
		state := "State"
		if args[1] == "restore" {
			state = "Status"
		}
		fields := map[string]any{state: args[4]}
		if len(args) > 5 {
			fields["StatusMessage"] = strings.Join(args[5:], " ")
		}
		id := serverOf(ts).SeedJob(t, awstest.Job{Kind: args[1], AccountID: args[2], Region: args[3], Fields: fields})
		fmt.Fprintln(ts.Stdout(), id)
	case "hold":
		serverOf(ts).HoldStackSetOperations(t, len(args) > 1 && args[1] == "on")
	default:
		ts.Fatalf("moto: unknown subcommand %q", args[0])
	}
}

// cmdAWSCLI: awscli [-as ACCOUNT] [-proxy] ARGS... runs the AWS CLI against
// moto directly, as the management account or, with -as, as ACCOUNT through
// its OrganizationAccountAccessRole; -proxy sends it through the script's
// AWS_ENDPOINT_URL (a fault proxy) instead. JSON output (unless --output
// says otherwise) goes to stdout for cmp; with !, the command must fail.
func cmdAWSCLI(ts *testscript.TestScript, neg bool, args []string) {
	srv := serverOf(ts)
	env := srv.Env()
	for len(args) > 0 {
		if args[0] == "-as" && len(args) > 1 {
			env = srv.AssumeRole(scriptT{ts}, args[1], "OrganizationAccountAccessRole").Env(srv)
			args = args[2:]
		} else if args[0] == "-proxy" {
			env = append(env, "AWS_ENDPOINT_URL="+ts.Getenv("AWS_ENDPOINT_URL"))
			args = args[1:]
		} else {
			break
		}
	}
	stdout, stderr, err := awstest.RunCLI(env, args...)
	ts.Stdout().Write(stdout)
	ts.Stderr().Write(stderr)
	if neg {
		if err == nil {
			ts.Fatalf("aws %s succeeded unexpectedly", strings.Join(args, " "))
		}
		return
	}
	if err != nil {
		ts.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
}

// cmdFaultProxy: faultproxy start [flags] | calls [-mutating] | wait-crash [TIMEOUT] | stop.
//
// start puts a fault-injecting proxy between the script's commands and
// moto (AWS_ENDPOINT_URL points at it; PROXY_URL too). Flags: -seed N,
// -throttle R, -conflict R, -5xx R, -drop-before R, -drop-after R (rates
// per Organizations call), -crash-after K, -rate-limits (Organizations'
// documented rates). calls prints one line per call; wait-crash blocks until
// crash mode holds requests, so the script can then kill the client.
func cmdFaultProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: faultproxy start [flags] | calls [-mutating] | wait-crash [TIMEOUT] | stop")
	}
	st := stateOf(ts)
	srv := serverOf(ts)
	switch args[0] {
	case "start":
		fs := flag.NewFlagSet("faultproxy start", flag.ContinueOnError)
		seed := fs.Uint64("seed", 1, "random seed")
		rates := map[awstest.Fault]*float64{}
		for _, f := range awstest.Faults {
			rates[f] = fs.Float64(string(f), 0, "rate of "+string(f))
		}
		crash := fs.Int("crash-after", 0, "hold every request after this many mutating calls")
		limits := fs.Bool("rate-limits", false, "enforce the documented Organizations rates")
		if err := fs.Parse(args[1:]); err != nil {
			ts.Fatalf("faultproxy start: %v", err)
		}
		opts := awstest.ProxyOptions{Seed: *seed, Rates: map[awstest.Fault]float64{}, CrashAfter: *crash}
		for f, r := range rates {
			opts.Rates[f] = *r
		}
		if *limits {
			opts.Limits = awstest.OrganizationsRates
		}
		st.proxy = awstest.NewProxy(scriptT{ts}, srv.URL, opts)
		ts.Setenv("AWS_ENDPOINT_URL", st.proxy.URL)
		ts.Setenv("PROXY_URL", st.proxy.URL)
	case "calls":
		if st.proxy == nil {
			ts.Fatalf("no fault proxy: run 'faultproxy start' first")
		}
		onlyMutating := len(args) > 1 && args[1] == "-mutating"
		for _, c := range st.proxy.Calls() {
			if !onlyMutating || c.Mutating {
				fmt.Fprintln(ts.Stdout(), c)
			}
		}
	case "wait-crash":
		if st.proxy == nil {
			ts.Fatalf("no fault proxy: run 'faultproxy start' first")
		}
		timeout := time.Minute
		if len(args) > 1 {
			d, err := time.ParseDuration(args[1])
			ts.Check(err)
			timeout = d
		}
		select {
		case <-st.proxy.Crashed():
		case <-time.After(timeout):
			ts.Fatalf("fault proxy did not crash within %s", timeout)
		}
	case "stop":
		if st.proxy != nil {
			st.proxy.Close()
			st.proxy = nil
		}
		ts.Setenv("AWS_ENDPOINT_URL", srv.URL)
	default:
		ts.Fatalf("faultproxy: unknown subcommand %q", args[0])
	}
}

// cmdOrgFixture: orgfixture [-enable-backup] [OU_PATH][:ACCOUNT,...]...
// creates an organization in moto (management account 123456789012), e.g.
// "orgfixture -enable-backup prod/web:web1,web2 dev :loose". It sets
// ORG_ID, ROOT_ID, MGMT_ID, OU_<path with / as _> and ACCT_<name>, and
// prints them sorted.
func cmdOrgFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: orgfixture [-enable-backup] [OU_PATH][:ACCOUNT,...]...")
	}
	srv := serverOf(ts)
	spec := awstest.OrgSpec{}
	for _, a := range args {
		if a == "-enable-backup" {
			spec.EnableBackupPolicies = true
			continue
		}
		ou, accounts, _ := strings.Cut(a, ":")
		if ou != "" {
			spec.OUs = append(spec.OUs, ou)
		}
		for _, name := range strings.Split(accounts, ",") {
			if name != "" {
				spec.Accounts = append(spec.Accounts, awstest.AccountSpec{Name: name, OU: ou})
			}
		}
	}
	org := awstest.NewOrg(scriptT{ts}, srv, spec)
	vars := map[string]string{"ORG_ID": org.ID, "ROOT_ID": org.RootID, "MGMT_ID": org.Management}
	for path, id := range org.OUs {
		if path != "" {
			vars["OU_"+strings.ReplaceAll(path, "/", "_")] = id
		}
	}
	for name, id := range org.Accounts {
		vars["ACCT_"+name] = id
	}
	var keys []string
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ts.Setenv(k, vars[k])
		fmt.Fprintf(ts.Stdout(), "%s=%s\n", k, vars[k])
	}
}
