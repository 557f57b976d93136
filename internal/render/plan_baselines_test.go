package render

import (
	"bytes"
	"testing"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestPlanBaselinesGolden pins the views of a plan with member-baseline
// changes: a key, a StackSet created and deployed, one updated, one
// removed (destructive), and how accounts are covered, the management
// account through its stacks.
func TestPlanBaselinesGolden(t *testing.T) {
	actual, err := org.Parse("org.json", []byte(fixtureOrg))
	if err != nil {
		t.Fatal(err)
	}
	main := &policy.Baseline{Name: "main", Targets: []policy.Target{{Raw: "Root"}}, Regions: []string{"eu-west-1"}, RoleName: "role", RolePath: "/",
		VaultName: "vault", ManagedKMSKey: true, Operation: policy.DefaultOperationPreferences}
	repo := &policy.Repo{Baselines: []*policy.Baseline{main}}
	// The role's StackSet exists with an older template; the vault's does
	// not; a removed baseline's StackSet is still there.
	old := generate.RoleTemplate(&policy.Baseline{Name: "main", RoleName: "role", RolePath: "/"}).Indent()
	owned := map[string]string{policy.TagManagedBy: policy.ManagedBy, policy.TagBaseline: "main"}
	live := &baseline.Live{StackSets: []*baseline.LiveStackSet{
		{Name: "orgbackup-main-role", PermissionModel: "SERVICE_MANAGED", AutoDeployment: true, Template: string(old[:len(old)-2]) + `,"Metadata":{}}`,
			Capabilities: []string{"CAPABILITY_NAMED_IAM"}, Tags: owned, OUs: []string{"r-ab12"}, Regions: []string{"eu-west-1"},
			Instances: []baseline.Instance{{Account: "222222222222", Region: "eu-west-1", Status: "CURRENT"}, {Account: "333333333333", Region: "eu-west-1", Status: "CURRENT"}}},
		{Name: "orgbackup-old-vault", PermissionModel: "SERVICE_MANAGED", AutoDeployment: true, Template: "{}",
			Tags: map[string]string{policy.TagManagedBy: policy.ManagedBy, policy.TagBaseline: "old"}, OUs: []string{"ou-ab12-11111111"}, Regions: []string{"eu-west-1"}},
	}}
	policyDoc := `{"daily": {"regions": ["eu-west-1"], "rules": {"r": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "vault"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/role", "tag_key": "Backup", "tag_value": ["On"]}}}}}`
	plans, err := parseDoc(policyDoc)
	if err != nil {
		t.Fatal(err)
	}
	repo.Policies = []*policy.Policy{{Name: "daily", Targets: []policy.Target{{Raw: "Root"}}, Plans: plans, Pos: main.Pos}}
	p := plan.Make(plan.Input{Repo: repo, Actual: actual, Against: "the live organization", AllowDestroy: true,
		Baselines: func(desired *org.Org) *plan.BaselinePart {
			return baseline.Part(baseline.Input{Repo: repo, Org: desired}, live)
		}})
	for _, f := range []Format{Text, JSON, Markdown} {
		var b bytes.Buffer
		if err := WritePlan(&b, f, &PlanReport{Dir: "policies", Plan: p}, Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "plan-baselines."+string(f)+".golden", b.Bytes())
	}
	seen := map[plan.Action]bool{}
	for _, c := range p.Changes {
		seen[c.Action] = true
	}
	for _, a := range []plan.Action{plan.CreateKMSKey, plan.CreateStackSet, plan.AddStackInstances, plan.UpdateStackSet,
		plan.RemoveStackInstances, plan.DeleteStackSet, plan.CreateStack} {
		if !seen[a] {
			t.Errorf("the plan has no %s change", a)
		}
	}
	if p.Summary.Baselines == 0 || p.Coverage == nil {
		t.Errorf("summary %+v, coverage %v", p.Summary, p.Coverage)
	}
}

func parseDoc(s string) (*doc.Node, error) { return doc.Parse("p.json", []byte(s)) }
