package loader

import (
	"os"
	"path/filepath"
	"strings"
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

// TestLoadSalvages checks that definitions with schema errors still reach
// the checks: every policy and baseline, as written, where each value was
// written, and nothing for definitions that do not parse.
func TestLoadSalvages(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("policies", 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join("policies", "p.cue"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := base + "\n" + inRule + "start_backup_window_minutes: 30\n" + inBaseline + "vault_nmae: \"v\"\npolicies: q: {targets: [\"Root\"], plans: 5}\n"
	write(src)
	at := offsetPos("policies/p.cue", []byte(src), strings.Index(src, "minutes: 30")+len("minutes: "))
	repo, diags := Load("policies")
	if !diags.HasErrors() {
		t.Fatalf("want errors, got:%s", dump(diags))
	}
	if repo == nil || len(repo.Policies) != 2 || len(repo.Baselines) != 1 {
		t.Fatalf("repo = %+v", repo)
	}
	p, q := repo.Policies[0], repo.Policies[1]
	w := p.Plans.Get("plan").Get("rules").Get("r").Get("start_backup_window_minutes")
	if w == nil || w.Text != "30" || w.Pos != at {
		t.Errorf("start window as written: %+v, want 30 at %s", w, at)
	}
	if q.Plans == nil || len(q.Plans.Fields) != 0 {
		t.Errorf("plans that are not an object: %+v", q.Plans)
	}
	if b := repo.Baselines[0]; b.VaultName != "vault" || b.RolePath != "/" {
		t.Errorf("baseline = %+v", b)
	}

	write("package orgbackup\n\npolicies: p: {\n")
	if repo, diags = Load("policies"); repo != nil || !diags.HasErrors() {
		t.Errorf("a file that does not parse: repo %+v, diags:%s", repo, dump(diags))
	}
}
