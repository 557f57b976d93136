package status_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/loader/loadertest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
	"github.com/orgbackup/orgbackup/internal/status"
)

const defs = `package orgbackup

policies: all: {
	targets: ["Root"]
	plans: daily: {
		regions: ["us-east-1"]
		rules: r: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup", tag_key: "Backup", tag_value: ["On"]}
	}
}
baselines: main: {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name: "backup"
	vault_name: "vault"
}
`

// broken adds a policy at Root/Workloads/Prod whose plan has no rules: the
// effective policy of the accounts there is invalid (KEY_REQUIRED).
const broken = `
policies: broken: {
	targets: ["Root/Workloads/Prod"]
	partial: true
	plans: weekly: regions: ["us-east-1"]
}
`

// fixture loads the definitions and returns the organization with the
// repository's policies attached (as it is after apply), and everything
// deployed.
func fixture(t *testing.T, src string) (*policy.Repo, *org.Org, *baseline.Live) {
	t.Helper()
	actual, err := org.Load("testdata/org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	repo := loadertest.Load(t, src)
	applied := applied(t, actual, repo)
	live := &baseline.Live{}
	for _, name := range []string{"orgbackup-main-role", "orgbackup-main-vault"} {
		ls := &baseline.LiveStackSet{Name: name, Tags: map[string]string{"managed-by": "orgbackup"}}
		for _, a := range applied.Accounts() {
			if a.ID != "111111111111" {
				ls.Instances = append(ls.Instances, baseline.Instance{Account: a.ID, Region: "us-east-1", Status: "CURRENT", Detailed: "SUCCEEDED"})
			}
		}
		live.StackSets = append(live.StackSets, ls)
		live.Stacks = append(live.Stacks, &baseline.LiveStack{Name: name, Region: "us-east-1", Status: "CREATE_COMPLETE"})
	}
	return repo, applied, live
}

func jobs(now time.Time) []status.Job {
	var out []status.Job
	for i, a := range []string{"111111111111", "222222222222", "333333333333", "444444444444", "666666666666", "777777777777"} {
		out = append(out, status.Job{Kind: status.BackupJob, ID: "job-ok-" + a, Account: a, Region: "us-east-1", State: "COMPLETED", Created: now.Add(-time.Duration(i) * time.Hour)})
	}
	return out
}

func check(t *testing.T, name string, r *status.Report) {
	t.Helper()
	for _, f := range []render.Format{render.Text, render.JSON, render.Markdown} {
		var b bytes.Buffer
		if err := render.WriteStatus(&b, f, r, render.Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, name+"."+string(f)+".golden", b.Bytes())
	}
}

func TestStatusHealthy(t *testing.T) {
	repo, o, live := fixture(t, defs)
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	r := status.Make(status.Input{Org: o, Repo: repo, Scope: o.Root(), Live: live, Jobs: jobs(now), Since: 24 * time.Hour})
	if r.NeedsAttention() {
		t.Errorf("attention: %q", r.Attention)
	}
	check(t, "healthy", r)
}

func TestStatusInvalidPolicy(t *testing.T) {
	repo, o, live := fixture(t, defs+broken)
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	r := status.Make(status.Input{Org: o, Repo: repo, Scope: o.Root(), Live: live, Jobs: jobs(now), Since: 24 * time.Hour})
	if len(r.Attention) != 2 || !strings.Contains(r.Attention[0], "KEY_REQUIRED") {
		t.Errorf("attention: %q", r.Attention)
	}
	check(t, "invalid-policy", r)
}

func TestStatusFailedJobs(t *testing.T) {
	repo, o, live := fixture(t, defs)
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	js := jobs(now)
	for i := range 3 {
		js = append(js, status.Job{Kind: status.BackupJob, ID: "job-bad-" + string(rune('a'+i)), Account: "444444444444", Region: "us-east-1", State: "FAILED",
			Message: "Access denied: the role cannot use the vault's key", Created: now.Add(-time.Hour)})
	}
	js = append(js, status.Job{Kind: status.CopyJob, ID: "copy-1", Account: "222222222222", Region: "us-east-1", State: "FAILED", Message: "Insufficient privileges to copy into the destination vault"})
	// A failing stack instance too.
	live.StackSets[1].Instances[0].Status, live.StackSets[1].Instances[0].Detailed, live.StackSets[1].Instances[0].Reason = "OUTDATED", "FAILED", "Access Denied"
	r := status.Make(status.Input{Org: o, Repo: repo, Scope: o.Root(), Live: live, Jobs: js, Since: 24 * time.Hour})
	if len(r.Failures) != 2 || r.Failures[1].Count != 3 {
		t.Errorf("failures: %+v", r.Failures)
	}
	check(t, "failed-jobs", r)

	// One OU: only its accounts, and only their failures.
	prod := o.Entity("ou-ab12-22222222")
	r = status.Make(status.Input{Org: o, Repo: repo, Scope: prod, Live: live, Jobs: js, Since: 24 * time.Hour})
	if len(r.Accounts) != 2 || len(r.Failures) != 1 || r.Scope != "Root/Workloads/Prod" {
		t.Errorf("scoped: %d accounts, failures %+v, scope %s", len(r.Accounts), r.Failures, r.Scope)
	}
}

func TestStatusJobsUnavailable(t *testing.T) {
	repo, o, live := fixture(t, defs)
	r := status.Make(status.Input{Org: o, Repo: repo, Scope: o.Root(), Live: live, JobsNote: "cross-account monitoring is off", Since: 24 * time.Hour})
	if !r.NeedsAttention() {
		t.Error("jobs that could not be listed must not read as healthy")
	}
}

// applied is the organization once the repository is applied.
func applied(t *testing.T, actual *org.Org, repo *policy.Repo) *org.Org {
	t.Helper()
	o := plan.Make(plan.Input{Repo: repo, Actual: actual}).Desired
	return o
}

// TestStatusManagementStacks: the management account needs its stacks only
// when a backup policy reaches it, as plan deploys them only then.
func TestStatusManagementStacks(t *testing.T) {
	workloads := strings.Replace(defs, `targets: ["Root"]`, `targets: ["Root/Workloads"]`, 1)
	for _, tc := range []struct {
		name, src string
		want      bool // the management account needs attention
	}{
		{"reached", defs, true},
		{"not reached", workloads, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, o, live := fixture(t, tc.src)
			live.Stacks = nil // no stack in the management account
			r := status.Make(status.Input{Org: o, Repo: repo, Scope: o.Root(), Live: live, Since: 24 * time.Hour})
			var mgmt *status.Account
			for i := range r.Accounts {
				if r.Accounts[i].Management {
					mgmt = &r.Accounts[i]
				}
			}
			if mgmt == nil {
				t.Fatal("no management account in the report")
			}
			if mgmt.OK == tc.want {
				t.Errorf("management account OK = %v, attention %q", mgmt.OK, r.Attention)
			}
			if got := r.NeedsAttention(); got != tc.want {
				t.Errorf("NeedsAttention() = %v, attention %q", got, r.Attention)
			}
		})
	}
}
