package baseline

import (
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/plan"
)

func TestBlocker(t *testing.T) {
	other := strings.NewReplacer(`"vault"`, `"other"`, `"arn:aws:iam::$account:role/backup"`, `"arn:aws:iam::$account:role/other"`)
	repo, o := fixture(t,
		policyCUE("prod", `"Root/Workloads/Prod"`, `"us-east-1", "eu-west-1"`),
		policyCUE("sandbox", `"Root/Sandbox"`, `"us-east-1"`),
		other.Replace(policyCUE("prod-other", `"Root/Workloads/Prod"`, `"us-east-1"`)),
		mainBaseline,
		`baselines: other: {targets: ["Root"], regions: ["us-east-1"], role_name: "other", vault_name: "other"}`,
	)
	prod, sandbox := o.Entity("ou-ab12-22222222").ID, o.Entity("ou-ab12-44444444").ID
	for _, tc := range []struct {
		name     string
		failures []Failure
		blocked  map[[2]string]bool // policy, target → blocked
	}{
		{name: "nothing failed"},
		{
			name:     "a vault in one account and Region",
			failures: []Failure{{Baseline: "main", Part: PartVault, Account: "222222222222", Region: "eu-west-1", Reason: "CREATE_FAILED"}},
			blocked:  map[[2]string]bool{{"prod", prod}: true},
		},
		{
			name:     "a vault in a Region the sandbox policy does not use",
			failures: []Failure{{Baseline: "main", Part: PartVault, Account: "666666666666", Region: "eu-west-1", Reason: "x"}},
		},
		{
			name:     "a role",
			failures: []Failure{{Baseline: "main", Part: PartRole, Account: "666666666666", Region: "us-east-1", Reason: "x"}},
			blocked:  map[[2]string]bool{{"sandbox", sandbox}: true},
		},
		{
			name:     "a whole StackSet",
			failures: []Failure{{Baseline: "other", Part: PartVault, Reason: "operation FAILED"}},
			blocked:  map[[2]string]bool{{"prod-other", prod}: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Health{}
			for _, f := range tc.failures {
				h.Add(f)
			}
			b := NewBlocker(h, o, repo)
			for _, pt := range [][2]string{{"prod", prod}, {"sandbox", sandbox}, {"prod-other", prod}} {
				reason, blocked := b.Blocks(pt[0], pt[1])
				if blocked != tc.blocked[pt] {
					t.Errorf("Blocks(%s, %s) = %v (%s), want %v", pt[0], pt[1], blocked, reason, tc.blocked[pt])
				}
				if blocked && !strings.Contains(reason, tc.failures[0].Reason) {
					t.Errorf("reason %q does not say why", reason)
				}
				if r2, b2 := b.BlocksPolicy(pt[0]); b2 != blocked || r2 != reason {
					t.Errorf("BlocksPolicy(%s) = %v, want %v", pt[0], b2, blocked)
				}
			}
		})
	}
}

func TestOperationID(t *testing.T) {
	c := plan.Change{Action: plan.AddStackInstances, Phase: plan.PhaseBaselines,
		Deployment: &plan.Deployment{Baseline: "main", StackSet: "orgbackup-main-role", OrganizationalUnits: []string{"r-ab12"}, Regions: []string{"us-east-1"}}}
	id := OperationID("digest", c, 0)
	if id != OperationID("digest", c, 0) {
		t.Error("not deterministic")
	}
	if !strings.HasPrefix(id, "orgbackup-") || len(id) > 128 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		t.Errorf("id %q does not match StackSets' pattern [a-zA-Z0-9][-a-zA-Z0-9]*", id)
	}
	c2 := c
	c2.Deployment = &plan.Deployment{Baseline: "main", StackSet: "orgbackup-main-role", OrganizationalUnits: []string{"ou-ab12-11111111"}, Regions: []string{"us-east-1"}}
	for _, other := range []string{OperationID("other digest", c, 0), OperationID("digest", c2, 0), OperationID("digest", c, 1)} {
		if other == id {
			t.Errorf("different inputs, same id %s", id)
		}
	}
}
