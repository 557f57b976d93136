package loader

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDecodeOrganization checks that the organization block and adopt
// reach policy.Repo with their values and positions.
func TestDecodeOrganization(t *testing.T) {
	dir := t.TempDir()
	src := `package orgbackup

organization: {
	trusted_access:          true
	cross_account_backup:    false
	delegated_administrator: "222222222222"
	repository:              "acme/backup-policies"
}

policies: p: {
	targets: []
	adopt:   true
	partial: true
	plans: daily: regions: ["us-east-1"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "p.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, diags := Load(dir)
	if repo == nil {
		t.Fatalf("load: %v", diags)
	}
	o := repo.Organization
	if o == nil || o.TrustedAccess == nil || !*o.TrustedAccess || o.CrossAccountBackup == nil || *o.CrossAccountBackup ||
		o.DelegatedAdministrator != "222222222222" || o.Repository != "acme/backup-policies" || o.BackupPolicies != "" {
		t.Fatalf("organization = %+v", o)
	}
	if o.Pos.Line != 3 || o.DelegatedAdministratorPos.Line != 6 || o.CrossAccountBackupPos.Line != 5 || o.RepositoryPos.Line != 7 {
		t.Errorf("positions: block %v, delegated %v, cross-account %v, repository %v", o.Pos, o.DelegatedAdministratorPos, o.CrossAccountBackupPos, o.RepositoryPos)
	}
	if repo.Repository() != "acme/backup-policies" {
		t.Errorf("Repository() = %q", repo.Repository())
	}
	if len(repo.Policies) != 1 || !repo.Policies[0].Adopt {
		t.Errorf("policies = %+v", repo.Policies)
	}

	// Without the block there is none, and adopt defaults to false.
	if err := os.WriteFile(filepath.Join(dir, "p.cue"), []byte("package orgbackup\n\npolicies: p: {targets: [], partial: true, plans: daily: regions: [\"us-east-1\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo, diags = Load(dir)
	if repo == nil || repo.Organization != nil || repo.Policies[0].Adopt || repo.Repository() != "" {
		t.Errorf("repo %+v, diags %v", repo, diags)
	}
}
