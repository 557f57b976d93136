package importer

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/loader/loadertest"
)

// brownfield is an organization's existing policies: two name the same
// role and vault, one a vault of its own; one copies to a central vault in
// a fixed account.
func brownfield(t *testing.T) []Definition {
	plan := func(vault, role, regions, extra string) string {
		return `{"daily": {"regions": {"@@assign": [` + regions + `]}, "rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "` + vault + `"}` + extra + `}}, "selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/` + role + `"}, "tag_key": {"@@assign": "Backup"}, "tag_value": {"@@assign": ["On"]}}}}}}`
	}
	return []Definition{
		{Name: "prod", Targets: []string{"Root/Prod"}, Plans: AuthorForm(parse(t, plan("corp-vault", "corp-backup", `"us-east-1"`, `, "copy_actions": {"arn:aws:backup:us-east-1:999999999999:backup-vault:central": {"lifecycle": {"delete_after_days": {"@@assign": "30"}}}}`)))},
		{Name: "dev", Targets: []string{"Root/Dev"}, Plans: AuthorForm(parse(t, plan("corp-vault", "corp-backup", `"us-east-1", "eu-west-1"`, "")))},
		{Name: "sandbox", Targets: []string{"ou-ab12-abcdefgh"}, Plans: AuthorForm(parse(t, plan("sandbox_vault", "corp-backup", `"eu-west-1"`, "")))},
	}
}

func TestProposeExisting(t *testing.T) {
	defs := brownfield(t)
	got := ProposeExisting(defs, nil)
	want := []Existing{
		{Name: "existing-corp-vault", VaultName: "corp-vault", Targets: []string{"Root/Dev", "Root/Prod"}, Regions: []string{"eu-west-1", "us-east-1"}, Policies: []string{"dev", "prod"}},
		{Name: "existing-sandbox-vault", VaultName: "sandbox_vault", Targets: []string{"ou-ab12-abcdefgh"}, Regions: []string{"eu-west-1"}, Policies: []string{"sandbox"}},
		{Name: "existing-central", VaultName: "central", Targets: []string{"999999999999"}, Regions: []string{"us-east-1"}, Policies: []string{"prod"}},
		{Name: "existing-corp-backup", RoleName: "corp-backup", Targets: []string{"Root/Dev", "Root/Prod", "ou-ab12-abcdefgh"}, Regions: []string{"eu-west-1", "us-east-1"}, Policies: []string{"dev", "prod", "sandbox"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("proposals (-want +got):\n%s", d)
	}
	// A name a repository baseline provides already is not proposed.
	got = ProposeExisting(defs, func(k backup.RefKind, name string) bool { return k == backup.Role })
	if len(got) != 3 || got[0].RoleName != "" {
		t.Errorf("with the role known: %+v", got)
	}
	// Policies naming exactly one role and one vault get one baseline.
	got = ProposeExisting(defs[1:2], nil)
	if len(got) != 1 || got[0].RoleName != "corp-backup" || got[0].VaultName != "corp-vault" {
		t.Errorf("paired: %+v", got)
	}
}

// The proposals, written next to the imported policies, make a repository
// that validates: every role and vault the policies name is provided.
func TestExistingSourceValidates(t *testing.T) {
	defs := brownfield(t)
	src, err := ExistingSource("orgbackup", ProposeExisting(defs, nil))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "existing-baselines.cue.golden", src)
	all := string(src)
	for _, d := range defs {
		d.Source = "the organization"
		s, err := Source("orgbackup", d)
		if err != nil {
			t.Fatal(err)
		}
		all += "\n" + strings.TrimPrefix(string(s), "package orgbackup\n")
	}
	repo := loadertest.Load(t, all)
	for _, b := range repo.Baselines {
		if !b.Existing {
			t.Errorf("baseline %s is not declared existing", b.Name)
		}
	}
	res := check.Run(repo, nil)
	for _, d := range res.Diags {
		if strings.Contains(d.Code, "not-provided") || strings.Contains(d.Code, "not-deployed") || strings.Contains(d.Code, "missing-region") {
			t.Errorf("validate: %s: %s", d.Code, d.Message)
		}
	}
}
