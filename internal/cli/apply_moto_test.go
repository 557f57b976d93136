package cli

// Acceptance tests of apply against moto, with the real binary (the test
// binary doubling as orgbackup, see TestMain) and the AWS CLI as the
// independent witness where it matters. The scenario tests that need a
// loop (a crash after each mutating call in turn, faults) are Go tests;
// the walk-through is a testscript (testdata/script/apply_live.txtar).

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgbackup/orgbackup/internal/awstest"
)

// scenario is an organization with something of every kind for apply to
// do, and a hand-made policy attached to the same targets that it must
// never touch.
type scenario struct {
	srv  *awstest.Server
	org  *awstest.Org
	dir  string // the repository, policies in dir/policies
	hand string // the hand-made policy's id
}

const scenarioPolicies = `package orgbackup

organization: {
	trusted_access:       true
	cross_account_backup: true
}

policies: "fresh": {
	description: "new"
	targets: ["Root/prod", "Root/dev"]
	plans: "p": {
		regions: ["us-east-1"]
		rules: "hourly": {
			schedule_expression:      "cron(0 0/1 ? * * *)"
			target_backup_vault_name: "vault"
		}
		selections: tags: "t": {
			iam_role_arn: "arn:aws:iam::$account:role/role"
			tag_key:      "backup"
			tag_value: ["on"]
		}
	}
}

policies: "changed": {
	description: "changed"
	targets: ["Root/prod"]
	plans: "q": {
		regions: ["us-east-1"]
		rules: "daily": {
			schedule_expression:      "cron(0 5 ? * * *)"
			target_backup_vault_name: "vault"
		}
		selections: tags: "t": {
			iam_role_arn: "arn:aws:iam::$account:role/role"
			tag_key:      "backup"
			tag_value: ["daily"]
		}
	}
}

baselines: "b": {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name:  "role"
	vault_name: "vault"
}
`

// newScenario builds the organization and the repository in moto: the
// BACKUP_POLICY type enabled; "changed" (orgbackup's, old content) on dev;
// "stale" (orgbackup's, no longer defined) on prod; "hand-made" (nobody's)
// on the root and prod.
func newScenario(t *testing.T, srv *awstest.Server) *scenario {
	t.Helper()
	o := awstest.NewOrg(t, srv, awstest.OrgSpec{EnableBackupPolicies: true,
		Accounts: []awstest.AccountSpec{{Name: "web", OU: "prod"}, {Name: "test", OU: "dev"}}})
	c := organizations.NewFromConfig(srv.Config(t))
	ctx := context.Background()
	create := func(name, content string, tags map[string]string, targets ...string) string {
		in := &organizations.CreatePolicyInput{Name: aws.String(name), Type: types.PolicyTypeBackupPolicy,
			Content: aws.String(content), Description: aws.String(name)}
		for k, v := range tags {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		out, err := c.CreatePolicy(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.Policy.PolicySummary.Id)
		for _, tg := range targets {
			if _, err := c.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(tg)}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	ours := map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/backup.cue"}
	// A complete plan named plan, on a schedule.
	doc := func(plan, cron string) string {
		return `{"plans":{"` + plan + `":{"regions":{"@@assign":["us-east-1"]},"rules":{"r":{"schedule_expression":{"@@assign":"` + cron +
			`"},"target_backup_vault_name":{"@@assign":"vault"}}},"selections":{"tags":{"t":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/role"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["` + plan + `"]}}}}}}}`
	}
	s := &scenario{srv: srv, org: o, dir: t.TempDir()}
	s.hand = create("hand-made", doc("manual", "cron(0 3 ? * 1 *)"), map[string]string{"team": "storage"}, o.RootID, o.OUs["prod"])
	create("changed", doc("q", "cron(0 4 ? * * *)"), ours, o.OUs["dev"])
	create("stale", doc("stale", "cron(0 2 ? * * *)"), ours, o.OUs["prod"])
	if err := os.MkdirAll(filepath.Join(s.dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "policies", "backup.cue"), []byte(scenarioPolicies), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// orgbackup runs the binary in the scenario's repository against endpoint.
func (s *scenario) orgbackup(t *testing.T, endpoint string, extraEnv []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := s.command(endpoint, extraEnv, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("orgbackup %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

func (s *scenario) command(endpoint string, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.Command("orgbackup", args...)
	cmd.Dir = s.dir
	env := awstest.IsolatedEnv(awstest.EnvFor(endpoint, s.srv.Region))
	cmd.Env = append(append(env, "NO_COLOR=1"), extraEnv...)
	return cmd
}

// state is everything apply may change, by name, for comparing end
// states: every backup policy with its description, tags, targets and
// content. (The scripts use the AWS CLI as the witness; this loop runs
// often, so it asks through the SDK, straight to moto.)
func (s *scenario) state(t *testing.T) string {
	t.Helper()
	c := organizations.NewFromConfig(s.srv.Config(t))
	ctx := context.Background()
	type summary struct{ Name, ID string }
	var policies []summary
	list, err := c.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Policies {
		policies = append(policies, summary{aws.ToString(p.Name), aws.ToString(p.Id)})
	}
	names := map[string]string{s.org.RootID: "Root"}
	for p, id := range s.org.OUs {
		if p != "" {
			names[id] = p
		}
	}
	for n, id := range s.org.Accounts {
		names[id] = n
	}
	var b strings.Builder
	slices.SortFunc(policies, func(a, b summary) int { return strings.Compare(a.Name, b.Name) })
	for _, p := range policies {
		d, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(p.ID)})
		if err != nil {
			t.Fatal(err)
		}
		tags, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(p.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var ts []string
		for _, tg := range tags.Tags {
			ts = append(ts, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		slices.Sort(ts)
		targets, err := c.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(p.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var tn []string
		for _, tg := range targets.Targets {
			tn = append(tn, names[aws.ToString(tg.TargetId)])
		}
		slices.Sort(tn)
		fmt.Fprintf(&b, "%s %q tags=%v targets=%v\n  %s\n", p.Name, aws.ToString(d.Policy.PolicySummary.Description), ts, tn, aws.ToString(d.Policy.Content))
	}
	return b.String()
}

// reference is the end state of an uninterrupted apply of the scenario and
// the number of mutating calls it makes, measured once per test binary.
var reference struct {
	once  sync.Once
	state string
	calls int
}

func referenceState(t *testing.T, srv *awstest.Server) (string, int) {
	t.Helper()
	reference.once.Do(func() {
		s := newScenario(t, srv)
		s.plan(t)
		p := awstest.NewProxy(t, srv.URL, awstest.ProxyOptions{})
		if _, errb, code := s.orgbackup(t, p.URL, nil, "apply", "plan.json", "policies"); code != ExitOK {
			t.Fatalf("apply: exit %d\n%s", code, errb)
		}
		for _, c := range p.Calls() {
			if c.Mutating {
				reference.calls++
			}
		}
		p.Close()
		reference.state = s.state(t)
		// The end state itself: fresh created where the repository
		// says, changed moved and updated, stale gone, the hand-made
		// policy as it was.
		for _, want := range []string{
			"changed \"changed\" tags=[managed-by=orgbackup orgbackup:source=policies/backup.cue] targets=[prod]",
			"fresh \"new\" tags=[managed-by=orgbackup orgbackup:source=policies/backup.cue] targets=[dev prod]",
			"hand-made \"hand-made\" tags=[team=storage] targets=[Root prod]",
		} {
			if !strings.Contains(reference.state, want+"\n") {
				t.Fatalf("the reference end state lacks %q:\n%s", want, reference.state)
			}
		}
		if strings.Contains(reference.state, "stale") || strings.Count(reference.state, "\n  ") != 3 {
			t.Fatalf("the reference end state has other policies:\n%s", reference.state)
		}
		srv.Reset(t)
	})
	if reference.state == "" {
		t.Fatal("no reference end state")
	}
	return reference.state, reference.calls
}

// plan saves the scenario's plan, made straight against moto.
func (s *scenario) plan(t *testing.T) {
	t.Helper()
	if out, errb, code := s.orgbackup(t, s.srv.URL, nil, "plan", "policies", "--allow-destroy", "--out", "plan.json"); code != ExitOK {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errb)
	}
}

// TestApplyCrashAfterEachMutatingCall kills apply right after its k-th
// mutating call has been answered, for every k, and runs the same saved
// plan again: each re-run resumes, converges to the end state of an
// uninterrupted apply (so no policy exists twice and the hand-made policy
// is as it was), and says it resumed.
func TestApplyCrashAfterEachMutatingCall(t *testing.T) {
	srv := awstest.Start(t)
	want, total := referenceState(t, srv)
	if total < 8 {
		t.Fatalf("the scenario makes only %d mutating calls", total)
	}
	t.Logf("an uninterrupted apply makes %d mutating calls", total)
	for k := 1; k <= total; k++ {
		srv.Reset(t)
		s := newScenario(t, srv)
		s.plan(t)
		p := awstest.NewProxy(t, srv.URL, awstest.ProxyOptions{CrashAfter: k})
		cmd := s.command(p.URL, nil, "apply", "plan.json", "policies")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-p.Crashed():
			cmd.Process.Kill()
			<-done
		case err := <-done:
			t.Fatalf("k=%d: apply ended before its %d-th mutating call: %v\n%s", k, k, err, errb.String())
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("k=%d: apply did not reach its %d-th mutating call", k, k)
		}
		p.Close()
		_, errs, code := s.orgbackup(t, srv.URL, nil, "apply", "plan.json", "policies")
		if code != ExitOK {
			t.Fatalf("k=%d: re-run: exit %d\n%s", k, code, errs)
		}
		if k < total && !strings.Contains(errs, "apply: resuming: ") {
			t.Errorf("k=%d: the re-run does not say it resumes:\n%s", k, errs)
		}
		if got := s.state(t); got != want {
			t.Fatalf("k=%d: end state:\n%s\nwant:\n%s", k, got, want)
		}
	}
}

// TestApplyConvergesThroughFaults puts a fault-injecting proxy between
// apply and moto: 30% of Organizations calls throttled, 10%
// ConcurrentModificationException, 5% server errors, 3% connections
// dropped before and 2% after moto carried the call out. The binary
// retries with its own retryer (with a 1 ms backoff, see fastRetryEnv);
// apply, re-run if a call still fails after all its attempts, converges to
// the same end state.
func TestApplyConvergesThroughFaults(t *testing.T) {
	srv := awstest.Start(t)
	want, _ := referenceState(t, srv)
	s := newScenario(t, srv)
	s.plan(t)
	p := awstest.NewProxy(t, srv.URL, awstest.ProxyOptions{Seed: 6, Rates: map[awstest.Fault]float64{
		awstest.Throttle: 0.3, awstest.Conflict: 0.1, awstest.ServerError: 0.05, awstest.DropBefore: 0.03, awstest.DropAfter: 0.02}})
	runs := 0
	for {
		runs++
		_, errs, code := s.orgbackup(t, p.URL, []string{fastRetryEnv + "=1"}, "apply", "plan.json", "policies")
		if code == ExitOK {
			break
		}
		if runs == 3 {
			t.Fatalf("apply did not converge in %d runs:\n%s", runs, errs)
		}
	}
	p.Close()
	faults := map[awstest.Fault]int{}
	for _, c := range p.Calls() {
		faults[c.Fault]++
	}
	t.Logf("%d runs; calls by fault: %v", runs, faults)
	for _, f := range []awstest.Fault{awstest.Throttle, awstest.Conflict, awstest.ServerError} {
		if faults[f] == 0 {
			t.Errorf("no %s fault was injected: %v", f, faults)
		}
	}
	if got := s.state(t); got != want {
		t.Fatalf("end state:\n%s\nwant:\n%s", got, want)
	}
}

// TestApplyCreatePolicyResponseLost: moto creates the policy, the proxy
// drops the connection before the answer. The SDK retries and gets
// DuplicatePolicyException; apply finds the policy by name, sees its tags,
// adopts it, and goes on: one policy, and the log says what happened.
func TestApplyCreatePolicyResponseLost(t *testing.T) {
	srv := awstest.Start(t)
	want, _ := referenceState(t, srv)
	s := newScenario(t, srv)
	s.plan(t)
	var once sync.Once
	p := awstest.NewProxy(t, srv.URL, awstest.ProxyOptions{
		Rates: map[awstest.Fault]float64{awstest.DropAfter: 1},
		Eligible: func(c awstest.Call) (drop bool) {
			if c.Operation == "CreatePolicy" {
				once.Do(func() { drop = true })
			}
			return drop
		},
	})
	_, errs, code := s.orgbackup(t, p.URL, []string{fastRetryEnv + "=1"}, "apply", "plan.json", "policies", "--log", "apply.jsonl")
	if code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, errs)
	}
	log, err := os.ReadFile(filepath.Join(s.dir, "apply.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(log, []byte(`"operation":"CreatePolicy","policy":"fresh"`)) || !bytes.Contains(log, []byte(`"result":"already-done"`)) ||
		!bytes.Contains(log, []byte(`"note":"adopted p-`)) {
		t.Fatalf("the log does not show the adoption:\n%s", log)
	}
	if got := s.state(t); got != want {
		t.Fatalf("end state:\n%s\nwant:\n%s", got, want)
	}
}
