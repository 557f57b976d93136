package baseline

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/plan"
)

func TestPlanFreshOrganization(t *testing.T) {
	repo, o := fixture(t, policyCUE("org-wide", `"Root"`, `"us-east-1", "eu-west-1"`), mainBaseline)
	p := planFor(t, repo, o, nil)
	if len(p.Diags) > 0 {
		t.Fatalf("diags: %v", p.Diags)
	}
	want := `create-stack-set orgbackup-main-role regions=us-east-1
add-stack-instances orgbackup-main-role ous=r-ab12 regions=us-east-1
create-stack-set orgbackup-main-vault regions=us-east-1,eu-west-1
add-stack-instances orgbackup-main-vault ous=r-ab12 regions=us-east-1,eu-west-1
create-stack orgbackup-main-role @us-east-1
create-stack orgbackup-main-vault @us-east-1
create-stack orgbackup-main-vault @eu-west-1
`
	if d := cmp.Diff(want, summary(p.Changes)); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	golden.Check(t, "fresh.changes.json", changesJSON(t, p.Changes))

	// Deterministic: the same inputs plan the same bytes.
	again := planFor(t, repo, o, nil)
	if string(changesJSON(t, again.Changes)) != string(changesJSON(t, p.Changes)) {
		t.Error("a second plan of the same inputs differs")
	}

	// Once deployed, nothing is left to do.
	if p2 := planFor(t, repo, o, deployed(t, o, p.Changes)); len(p2.Changes) > 0 || len(p2.Diags) > 0 {
		t.Errorf("plan after deployment:\n%s%v", summary(p2.Changes), p2.Diags)
	}
}

func TestPlanManagementAccountOnlyWhenReached(t *testing.T) {
	repo, o := fixture(t, policyCUE("workloads", `"Root/Workloads"`, `"us-east-1"`), mainBaseline)
	p := planFor(t, repo, o, nil)
	for _, c := range p.Changes {
		if c.Action == plan.CreateStack {
			t.Errorf("a stack in the management account, which no policy reaches: %s", summary([]plan.Change{c}))
		}
	}
}

func TestPlanAccountTargets(t *testing.T) {
	repo, o := fixture(t, policyCUE("two", `"222222222222", "666666666666"`, `"us-east-1"`), `baselines: main: {
	targets: ["222222222222", "666666666666", "Root/Workloads/Dev", "111111111111"]
	regions: ["us-east-1"]
	role_name: "backup"
	vault_name: "vault"
}
`)
	p := planFor(t, repo, o, nil)
	got := summary(p.Changes)
	for _, want := range []string{
		"add-stack-instances orgbackup-main-role ous=ou-ab12-33333333 regions=us-east-1\n",
		"add-stack-instances orgbackup-main-role ous=ou-ab12-22222222,ou-ab12-44444444 accounts=222222222222,666666666666 regions=us-east-1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "111111111111 ") || strings.Contains(got, "create-stack ") {
		// The management account is a target, but no policy reaches it.
		t.Errorf("management account deployed:\n%s", got)
	}
	if p2 := planFor(t, repo, o, deployed(t, o, p.Changes)); len(p2.Changes) > 0 {
		t.Errorf("plan after deployment:\n%s", summary(p2.Changes))
	}
}

func TestPlanChanges(t *testing.T) {
	base := []string{policyCUE("org-wide", `"Root/Workloads"`, `"us-east-1"`), `baselines: main: {
	targets: ["Root/Workloads/Prod", "Root/Sandbox"]
	regions: ["us-east-1", "eu-west-1"]
	role_name: "backup"
	vault_name: "vault"
}
`}
	repo, o := fixture(t, base...)
	live := deployed(t, o, planFor(t, repo, o, nil).Changes)

	for _, tc := range []struct {
		name string
		cue  []string
		want string
	}{
		{
			name: "template",
			cue: []string{base[0], strings.Replace(base[1], `vault_name: "vault"`, `vault_name: "vault"
	allow_copy_from_organization: true`, 1)},
			want: "update-stack-set orgbackup-main-vault regions=us-east-1,eu-west-1\n",
		},
		{
			name: "targets",
			cue:  []string{base[0], strings.Replace(base[1], `"Root/Workloads/Prod", "Root/Sandbox"`, `"Root/Workloads/Prod", "Root/Workloads/Dev"`, 1)},
			want: `add-stack-instances orgbackup-main-role ous=ou-ab12-33333333 regions=us-east-1
add-stack-instances orgbackup-main-vault ous=ou-ab12-33333333 regions=us-east-1,eu-west-1
remove-stack-instances! orgbackup-main-role ous=ou-ab12-44444444 regions=us-east-1 (delete phase)
remove-stack-instances! orgbackup-main-vault ous=ou-ab12-44444444 regions=eu-west-1,us-east-1 (delete phase)
`,
		},
		{
			name: "regions",
			cue:  []string{base[0], strings.Replace(base[1], `["us-east-1", "eu-west-1"]`, `["us-east-1", "ap-northeast-1"]`, 1)},
			want: `add-stack-instances orgbackup-main-vault ous=ou-ab12-22222222,ou-ab12-44444444 regions=ap-northeast-1
remove-stack-instances! orgbackup-main-vault ous=ou-ab12-22222222,ou-ab12-44444444 regions=eu-west-1 (delete phase)
`,
		},
		{
			name: "role moves Region",
			cue:  []string{base[0], strings.Replace(base[1], `["us-east-1", "eu-west-1"]`, `["eu-west-1", "us-east-1"]`, 1)},
			want: `remove-stack-instances! orgbackup-main-role ous=ou-ab12-22222222,ou-ab12-44444444 regions=us-east-1
add-stack-instances orgbackup-main-role ous=ou-ab12-22222222,ou-ab12-44444444 regions=eu-west-1
`,
		},
		{
			name: "removed",
			cue:  []string{base[0], `baselines: other: {targets: ["Root/Workloads"], regions: ["us-east-1"], role_name: "backup", vault_name: "vault", existing: true}`},
			want: `remove-stack-instances! orgbackup-main-role ous=ou-ab12-22222222,ou-ab12-44444444 regions=us-east-1 (delete phase)
delete-stack-set! orgbackup-main-role (delete phase)
remove-stack-instances! orgbackup-main-vault ous=ou-ab12-22222222,ou-ab12-44444444 regions=eu-west-1,us-east-1 (delete phase)
delete-stack-set! orgbackup-main-vault (delete phase)
`,
		},
		{
			name: "now existing",
			cue: []string{base[0], strings.Replace(base[1], `vault_name: "vault"`, `vault_name: "vault"
	existing: true`, 1)},
			want: `remove-stack-instances! orgbackup-main-role ous=ou-ab12-22222222,ou-ab12-44444444 regions=us-east-1 retain (delete phase)
delete-stack-set! orgbackup-main-role (delete phase)
remove-stack-instances! orgbackup-main-vault ous=ou-ab12-22222222,ou-ab12-44444444 regions=eu-west-1,us-east-1 retain (delete phase)
delete-stack-set! orgbackup-main-vault (delete phase)
`,
		},
		{
			name: "operation preferences only travel with changes",
			cue: []string{base[0], strings.Replace(base[1], `vault_name: "vault"`, `vault_name: "vault"
	operation_preferences: max_concurrent_percentage: 100`, 1)},
			want: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, o := fixture(t, tc.cue...)
			p := planFor(t, repo, o, live)
			if len(p.Diags) > 0 {
				t.Fatalf("diags: %v", p.Diags)
			}
			if d := cmp.Diff(tc.want, summary(p.Changes)); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
		})
	}
}

func TestPlanOwnership(t *testing.T) {
	repo, o := fixture(t, policyCUE("org-wide", `"Root"`, `"us-east-1"`), mainBaseline)
	live := deployed(t, o, planFor(t, repo, o, nil).Changes)
	for _, ss := range live.StackSets {
		ss.Tags = map[string]string{"owner": "someone"}
	}
	live.Stacks[0].Tags = nil
	// A StackSet of orgbackup's name space that is not orgbackup's.
	live.StackSets = append(live.StackSets, &LiveStackSet{Name: "orgbackup-foreign-vault", Tags: map[string]string{"owner": "x"}})
	p := planFor(t, repo, o, live)
	var codes []string
	for _, d := range p.Diags {
		codes = append(codes, d.Code)
	}
	if d := cmp.Diff([]string{"stack-set-not-owned", "stack-set-not-owned", "stack-not-owned"}, codes); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
	for _, c := range p.Changes {
		if c.Deployment.StackSet == "orgbackup-foreign-vault" || c.Deployment.StackSet == "orgbackup-main-role" || c.Deployment.StackSet == "orgbackup-main-vault" {
			t.Errorf("planned a change to a StackSet orgbackup does not own: %s", summary([]plan.Change{c}))
		}
	}

	// With a repository configured, only StackSets tagged with it are ours.
	d := Desire(Input{Repo: repo, Org: o, Repository: "acme/backup"})
	live = deployed(t, o, planFor(t, repo, o, nil).Changes)
	if p := Plan(repo, d, live, "acme/backup"); len(p.Diags) != 5 {
		t.Errorf("want the 2 StackSets and 3 stacks of another repository refused, got %v", p.Diags)
	}
}

func TestPlanExistingDeploysNothing(t *testing.T) {
	repo, o := fixture(t, policyCUE("org-wide", `"Root"`, `"us-east-1"`), strings.Replace(mainBaseline, `vault_name: "vault"`, `vault_name: "vault"
	existing: true`, 1))
	p := planFor(t, repo, o, nil)
	if len(p.Changes) > 0 || len(p.Diags) > 0 {
		t.Errorf("existing baseline planned:\n%s%v", summary(p.Changes), p.Diags)
	}
}

func TestPlanInstancesAndOperations(t *testing.T) {
	repo, o := fixture(t, policyCUE("org-wide", `"Root/Workloads"`, `"us-east-1"`), `baselines: main: {targets: ["Root/Workloads"], regions: ["us-east-1"], vault_name: "vault"}`)
	live := deployed(t, o, planFor(t, repo, o, nil).Changes)
	ls := live.StackSets[0]
	ls.Instances[0].Status, ls.Instances[0].Detailed, ls.Instances[0].Reason = "OUTDATED", "FAILED", "Resource handler returned message: \"Access Denied\""

	p := planFor(t, repo, o, live)
	if got := summary(p.Changes); got != "update-stack-set orgbackup-main-vault regions=us-east-1\n" {
		t.Errorf("want a redeploy of the failed instance, got:\n%s", got)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "Access Denied") {
		t.Errorf("notes: %q", p.Notes)
	}

	// While an operation runs, instances are on their way: no redeploy,
	// and apply is told to wait.
	ls.Operation = &Operation{ID: "orgbackup-abc", Action: "CREATE", Status: "RUNNING"}
	p = planFor(t, repo, o, live)
	if len(p.Changes) > 0 {
		t.Errorf("changes while an operation runs:\n%s", summary(p.Changes))
	}
	if len(p.Running) != 1 || p.Running[0].ID != "orgbackup-abc" {
		t.Errorf("running: %+v", p.Running)
	}
}

func TestPlanWithoutRecordedOUs(t *testing.T) {
	// Some emulators record no OU on a StackSet or its instances: an OU
	// whose accounts all have instances counts as deployed.
	repo, o := fixture(t, policyCUE("org-wide", `"Root/Workloads"`, `"us-east-1"`), `baselines: main: {targets: ["Root/Workloads", "Root/Empty"], regions: ["us-east-1"], vault_name: "vault"}`)
	live := deployed(t, o, planFor(t, repo, o, nil).Changes)
	for _, ls := range live.StackSets {
		ls.OUs = nil
		for i := range ls.Instances {
			ls.Instances[i].OU = ""
		}
	}
	p := planFor(t, repo, o, live)
	want := "add-stack-instances orgbackup-main-vault ous=ou-ab12-55555555 regions=us-east-1\n"
	if got := summary(p.Changes); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPlanManagedKeys(t *testing.T) {
	repo, o := fixture(t, policyCUE("org-wide", `"Root"`, `"us-east-1"`), strings.Replace(mainBaseline, `vault_name: "vault"`, `vault_name: "vault"
	managed_kms_key: true`, 1))
	p := planFor(t, repo, o, nil)
	got := summary(p.Changes)
	if !strings.HasPrefix(got, "create-kms-key alias/orgbackup/backup-vaults @eu-west-1\ncreate-kms-key alias/orgbackup/backup-vaults @us-east-1\n") {
		t.Errorf("keys first, one per Region:\n%s", got)
	}
	golden.Check(t, "key-policy.us-east-1.json", []byte(p.Changes[1].After))
	live := deployed(t, o, p.Changes)
	if p2 := planFor(t, repo, o, live); len(p2.Changes) > 0 {
		t.Errorf("plan after deployment:\n%s", summary(p2.Changes))
	}
	// A key policy changed by hand is set back; a key that is not ours is
	// refused.
	live.Keys[0].Policy = `{"Version":"2012-10-17","Statement":[]}`
	live.Keys[1].Tags = nil
	p2 := planFor(t, repo, o, live)
	if got := summary(p2.Changes); got != "update-kms-key-policy alias/orgbackup/backup-vaults @eu-west-1\n" {
		t.Errorf("got:\n%s", got)
	}
	if len(p2.Diags) != 1 || p2.Diags[0].Code != "key-not-owned" {
		t.Errorf("diags: %v", p2.Diags)
	}
}
