package deploy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/loader/loadertest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// world is an organization in moto with a repository to deploy to it.
type world struct {
	t       *testing.T
	srv     *awstest.Server
	fixture *awstest.Org
	repo    *policy.Repo
	desired *org.Org
	cfn     *countingCFN
}

const defs = `package orgbackup

policies: prod: {
	targets: ["Root/prod"]
	plans: daily: {
		regions: ["us-east-1"]
		rules: r: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "backup-vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup-role", tag_key: "Backup", tag_value: ["On"]}
	}
}
policies: dev: {
	targets: ["Root/dev"]
	plans: daily: {
		regions: ["us-east-1"]
		rules: r: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "backup-vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup-role", tag_key: "Backup", tag_value: ["On"]}
	}
}
policies: everyone: {
	targets: ["Root"]
	plans: weekly: {
		regions: ["us-east-1"]
		rules: r: {schedule_expression: "cron(0 5 ? * 1 *)", target_backup_vault_name: "backup-vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup-role", tag_key: "Weekly", tag_value: ["On"]}
	}
}
baselines: main: {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name: "backup-role"
	vault_name: "backup-vault"
	managed_kms_key: true
}
`

func newWorld(t *testing.T) *world {
	srv := awstest.Start(t)
	fx := awstest.NewOrg(t, srv, awstest.OrgSpec{
		OUs:                  []string{"prod", "dev"},
		Accounts:             []awstest.AccountSpec{{Name: "web", OU: "prod"}, {Name: "db", OU: "prod"}, {Name: "test", OU: "dev"}},
		EnableBackupPolicies: true,
		ServiceAccess:        []string{"member.org.stacksets.cloudformation.amazonaws.com"},
	})
	w := &world{t: t, srv: srv, fixture: fx}
	w.repo, w.desired = load(t, fx, defs)
	w.cfn = &countingCFN{Client: cloudformation.NewFromConfig(srv.Config(t)), calls: map[string]int{}}
	return w
}

// load loads definitions and a snapshot of the fixture organization, and
// returns the repository and the desired organization.
func load(t *testing.T, fx *awstest.Org, src string) (*policy.Repo, *org.Org) {
	t.Helper()
	repo := loadertest.Load(t, src)
	snap := map[string]any{
		"format_version": "1",
		"organization":   map[string]any{"id": fx.ID, "management_account_id": fx.Management},
		"roots":          []any{map[string]any{"id": fx.RootID}},
	}
	var ous, accounts []any
	for p, id := range fx.OUs {
		if p != "" {
			ous = append(ous, map[string]any{"id": id, "name": p})
		}
	}
	accounts = append(accounts, map[string]any{"id": fx.Management, "name": "management"})
	parent := map[string]string{"web": "prod", "db": "prod", "test": "dev"}
	for name, id := range fx.Accounts {
		accounts = append(accounts, map[string]any{"id": id, "name": name, "parent_id": fx.OUs[parent[name]]})
	}
	snap["organizational_units"], snap["accounts"] = ous, accounts
	b, _ := json.Marshal(snap)
	actual, err := org.Parse("fixture.json", b)
	if err != nil {
		t.Fatal(err)
	}
	desired := plan.Make(plan.Input{Repo: repo, Actual: actual}).Desired
	return repo, desired
}

// countingCFN counts the CloudFormation calls made through it.
type countingCFN struct {
	*cloudformation.Client
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingCFN) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *countingCFN) n(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

// The calls are counted once they have returned without error. Counted
// as they started, a test that cancels an apply once two operations are
// counted could cancel the second in flight, before CloudFormation had
// it: TestRerunWhileOperationRunsSubmitsNothing then saw one running
// operation instead of two (once, in a .ci/run; not in 8 runs alone).
func (c *countingCFN) CreateStackInstances(ctx context.Context, in *cloudformation.CreateStackInstancesInput, f ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error) {
	out, err := c.Client.CreateStackInstances(ctx, in, f...)
	if err == nil {
		c.count("CreateStackInstances")
	}
	return out, err
}

func (c *countingCFN) UpdateStackSet(ctx context.Context, in *cloudformation.UpdateStackSetInput, f ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error) {
	out, err := c.Client.UpdateStackSet(ctx, in, f...)
	if err == nil {
		c.count("UpdateStackSet")
	}
	return out, err
}

// read reads what is deployed.
func (w *world) read(ctx context.Context) *baseline.Live {
	w.t.Helper()
	live := &baseline.Live{}
	var err error
	if live.StackSets, err = awscfn.ReadStackSets(ctx, w.cfn, ""); err != nil {
		w.t.Fatal(err)
	}
	if live.Stacks, err = awscfn.ReadStacks(ctx, w.cfn, "us-east-1"); err != nil {
		w.t.Fatal(err)
	}
	k, err := awskms.ReadKey(ctx, kms.NewFromConfig(w.srv.Config(w.t)), baseline.KeyAlias, "us-east-1")
	if err != nil {
		w.t.Fatal(err)
	}
	if k != nil {
		live.Keys = append(live.Keys, k)
	}
	return live
}

func (w *world) plan(ctx context.Context) (*baseline.Desired, *baseline.Planned, *baseline.Live) {
	w.t.Helper()
	d := baseline.Desire(baseline.Input{Repo: w.repo, Org: w.desired})
	live := w.read(ctx)
	p := baseline.Plan(w.repo, d, live, "")
	if len(p.Diags) > 0 {
		w.t.Fatalf("plan: %v", p.Diags)
	}
	return d, p, live
}

func (w *world) deployer(d *baseline.Desired, p *baseline.Planned, live *baseline.Live, progress *[]string) *Deployer {
	cfg := w.srv.Config(w.t)
	var mu sync.Mutex
	return &Deployer{
		StackSets: &awscfn.StackSets{API: w.cfn, InputsDigest: "digest", Since: time.Now(), Poll: 50 * time.Millisecond},
		Stacks:    &awscfn.Stacks{API: func(string) awscfn.StackAPI { return w.cfn }, Poll: 50 * time.Millisecond},
		Keys:      &awskms.Keys{API: func(string) awskms.API { return kms.NewFromConfig(cfg) }},
		ReadStackSet: func(ctx context.Context, name string) (*baseline.LiveStackSet, error) {
			return awscfn.ReadStackSet(ctx, w.cfn, name, "")
		},
		Desired: d, Planned: p, KeyARNs: live.KeyARNs(), Health: &baseline.Health{},
		Progress: func(s string) {
			mu.Lock()
			defer mu.Unlock()
			if progress != nil {
				*progress = append(*progress, s)
			}
		},
	}
}

func (w *world) apply(ctx context.Context, dep *Deployer, cs []plan.Change) ([][]apply.Call, error) {
	calls := make([][]apply.Call, len(cs))
	var mu sync.Mutex
	err := dep.ApplyBaselines(ctx, cs, func(i int) apply.Recorder {
		return func(c apply.Call) {
			mu.Lock()
			defer mu.Unlock()
			calls[i] = append(calls[i], c)
		}
	})
	return calls, err
}

func phase(cs []plan.Change, ph plan.Phase) []plan.Change {
	var out []plan.Change
	for _, c := range cs {
		if c.Phase == ph {
			out = append(out, c)
		}
	}
	return out
}

func TestDeployToMoto(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	d, p, live := w.plan(ctx)
	var progress []string
	dep := w.deployer(d, p, live, &progress)
	if _, err := w.apply(ctx, dep, phase(p.Changes, plan.PhaseBaselines)); err != nil {
		t.Fatal(err)
	}
	if fs := dep.Health.Failures(); len(fs) > 0 {
		t.Fatalf("failures: %v", fs)
	}
	if len(progress) == 0 || !strings.Contains(strings.Join(progress, "\n"), "3/3 accounts, 0 failed") {
		t.Errorf("progress: %q", progress)
	}

	// The AWS CLI, as witness: a service-managed StackSet with
	// auto-deployment, targeted at the root, with instances in the three
	// member accounts and not in the management account.
	var ss struct {
		StackSet struct {
			PermissionModel       string
			AutoDeployment        struct{ Enabled bool }
			OrganizationalUnitIds []string
		}
	}
	awstest.CLIJSON(t, w.srv, &ss, "cloudformation", "describe-stack-set", "--stack-set-name", "orgbackup-main-vault")
	if ss.StackSet.PermissionModel != "SERVICE_MANAGED" || !ss.StackSet.AutoDeployment.Enabled || !slices.Equal(ss.StackSet.OrganizationalUnitIds, []string{w.fixture.RootID}) {
		t.Errorf("stack set %+v", ss.StackSet)
	}
	var insts struct {
		Summaries []struct{ Account, Status string }
	}
	awstest.CLIJSON(t, w.srv, &insts, "cloudformation", "list-stack-instances", "--stack-set-name", "orgbackup-main-role")
	var accounts []string
	for _, s := range insts.Summaries {
		accounts = append(accounts, s.Account)
	}
	slices.Sort(accounts)
	want := []string{w.fixture.Accounts["db"], w.fixture.Accounts["test"], w.fixture.Accounts["web"]}
	slices.Sort(want)
	if !slices.Equal(accounts, want) {
		t.Errorf("role instances in %v, want %v", accounts, want)
	}

	// Inside each member, through STS AssumeRole: the role with AWS
	// Backup's managed policies, the vault with orgbackup's key from the
	// management account.
	keyARN := dep.KeyARNs["us-east-1"]
	if !strings.Contains(keyARN, ":"+w.fixture.Management+":key/") {
		t.Fatalf("key %q", keyARN)
	}
	for _, a := range append(want, w.fixture.Management) {
		cfg := w.srv.Config(t)
		if a != w.fixture.Management {
			cfg = w.srv.ConfigAs(t, a)
		}
		role, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("backup-role")})
		if err != nil {
			t.Errorf("account %s: role: %v", a, err)
			continue
		}
		if !strings.HasPrefix(aws.ToString(role.Role.Arn), "arn:aws:iam::"+a+":role/") {
			t.Errorf("account %s: role %s", a, aws.ToString(role.Role.Arn))
		}
		v, err := backup.NewFromConfig(cfg).DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("backup-vault")})
		if err != nil {
			t.Errorf("account %s: vault: %v", a, err)
			continue
		}
		if aws.ToString(v.EncryptionKeyArn) != keyARN {
			t.Errorf("account %s: vault key %s, want %s", a, aws.ToString(v.EncryptionKeyArn), keyARN)
		}
	}

	// Deployed: the next plan is empty.
	if _, p2, _ := w.plan(ctx); len(p2.Changes) > 0 {
		t.Errorf("plan after apply: %+v", p2.Changes)
	}
}

func TestFailedInstanceBlocksExactlyWhatNeedsIt(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	db := w.fixture.Accounts["db"]
	w.srv.FailStackInstances(t, db, "", "Resource handler returned message: \"Access Denied\"")
	d, p, live := w.plan(ctx)
	dep := w.deployer(d, p, live, nil)
	if _, err := w.apply(ctx, dep, phase(p.Changes, plan.PhaseBaselines)); err != nil {
		t.Fatal(err)
	}
	fs := dep.Health.Failures()
	if len(fs) == 0 {
		t.Fatal("no failure recorded")
	}
	for _, f := range fs {
		if f.Account != db || !strings.Contains(f.Reason, "Access Denied") {
			t.Errorf("failure %s, want only account %s with CloudFormation's reason", f, db)
		}
	}
	b := baseline.NewBlocker(dep.Health, w.desired, w.repo)
	for _, tc := range []struct {
		policy, target string
		blocked        bool
	}{
		{"prod", w.fixture.OUs["prod"], true},
		{"dev", w.fixture.OUs["dev"], false},
		{"everyone", w.fixture.RootID, true},
	} {
		reason, blocked := b.Blocks(tc.policy, tc.target)
		if blocked != tc.blocked {
			t.Errorf("attach %s to %s: blocked=%v (%s), want %v", tc.policy, tc.target, blocked, reason, tc.blocked)
		}
		if blocked && !strings.Contains(reason, db) {
			t.Errorf("reason %q does not name the account", reason)
		}
	}

	// Fixed: the next plan redeploys the failed instances, and then
	// nothing is blocked.
	w.srv.FailStackInstances(t, db, "", "")
	d, p, live = w.plan(ctx)
	if !slices.ContainsFunc(p.Changes, func(c plan.Change) bool { return c.Action == plan.UpdateStackSet }) {
		t.Fatalf("no redeploy planned: %+v", p.Changes)
	}
	dep = w.deployer(d, p, live, nil)
	if _, err := w.apply(ctx, dep, phase(p.Changes, plan.PhaseBaselines)); err != nil {
		t.Fatal(err)
	}
	if fs := dep.Health.Failures(); len(fs) > 0 {
		t.Errorf("failures after the fix: %v", fs)
	}
}

func TestRerunWhileOperationRunsSubmitsNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.srv.HoldStackSetOperations(t, true)
	d, p, live := w.plan(ctx)
	saved := phase(p.Changes, plan.PhaseBaselines)

	// The first apply submits its operations and is interrupted while
	// they run.
	first, cancel := context.WithCancel(ctx)
	dep := w.deployer(d, p, live, nil)
	done := make(chan error, 1)
	go func() { _, err := w.apply(first, dep, saved); done <- err }()
	deadline := time.Now().Add(time.Minute)
	for w.cfn.n("CreateStackInstances") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	submitted := w.cfn.n("CreateStackInstances")
	if submitted != 2 {
		t.Fatalf("%d CreateStackInstances before the interruption, want 2", submitted)
	}

	// Apply again while they still run. The fresh plan no longer lists
	// the instances (CloudFormation records the targets when the
	// operation starts), but shows the operations running: the re-run
	// waits for them, polling, and submits nothing new.
	d2, p2, live2 := w.plan(ctx)
	if len(p2.Running) != 2 {
		t.Errorf("the plan shows %d running operations, want 2", len(p2.Running))
	}
	for _, c := range p2.Changes {
		if c.Action == plan.AddStackInstances && !slices.ContainsFunc(saved, func(s plan.Change) bool {
			return s.Action == c.Action && s.Deployment.StackSet == c.Deployment.StackSet
		}) {
			t.Errorf("the fresh plan has a change the saved one does not: %+v", c)
		}
	}
	dep2 := w.deployer(d2, p2, live2, nil)
	released := make(chan time.Time, 1)
	done2 := make(chan time.Time, 1)
	go func() {
		if _, err := w.apply(ctx, dep2, phase(p2.Changes, plan.PhaseBaselines)); err != nil {
			t.Error(err)
		}
		done2 <- time.Now()
	}()
	time.Sleep(time.Second)
	released <- time.Now()
	w.srv.HoldStackSetOperations(t, false)
	if end, rel := <-done2, <-released; end.Before(rel) {
		t.Errorf("the re-run ended before the operations it had to wait for")
	}
	if n := w.cfn.n("CreateStackInstances") + w.cfn.n("UpdateStackSet"); n != submitted {
		t.Errorf("the re-run submitted %d new operations", n-submitted)
	}
	if fs := dep2.Health.Failures(); len(fs) > 0 {
		t.Errorf("failures: %v", fs)
	}
}
