package loader

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/policy"
)

func TestDecodeDeployment(t *testing.T) {
	dir := t.TempDir()
	src := base + `
baselines: c: {
	targets: ["Root"]
	regions: ["us-east-1"]
	vault_name: "vault"
	managed_kms_key: true
	operation_preferences: {max_concurrent_percentage: 50, region_concurrency: "PARALLEL"}
}
baselines: d: {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name: "existing-role"
	existing: true
}
`
	if err := os.WriteFile(filepath.Join(dir, "p.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, diags := Load(dir)
	if repo == nil || diags.HasErrors() {
		t.Fatalf("load:%s", dump(diags))
	}
	type got struct {
		Existing, Managed bool
		Op                policy.OperationPreferences
	}
	want := map[string]got{
		"b": {Op: policy.DefaultOperationPreferences},
		"c": {Managed: true, Op: policy.OperationPreferences{MaxConcurrentPercentage: 50, FailureTolerancePercentage: 10, RegionConcurrency: "PARALLEL"}},
		"d": {Existing: true, Op: policy.DefaultOperationPreferences},
	}
	have := map[string]got{}
	for _, b := range repo.Baselines {
		have[b.Name] = got{Existing: b.Existing, Managed: b.ManagedKMSKey, Op: b.Operation}
		if b.Existing && !b.ExistingPos.IsValid() {
			t.Errorf("baseline %s: no position for existing", b.Name)
		}
	}
	if d := cmp.Diff(want, have); d != "" {
		t.Errorf("decoded baselines (-want +got):\n%s", d)
	}
}
