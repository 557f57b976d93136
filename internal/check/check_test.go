package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/policy"
)

const dailyFile = "policies/daily.cue"

func TestRunValidRepo(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root")
	res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
	if len(res.Diags) != 0 {
		t.Fatalf("diagnostics:\n%s", dump(res.Diags))
	}
	n := utf8.RuneCount(generate.Document(p).Compact())
	want := []Size{{Policy: "daily", Characters: n, Limit: 10000, Margin: 10000 - n}}
	if !slices.Equal(res.Sizes, want) {
		t.Errorf("sizes %+v, want %+v", res.Sizes, want)
	}
}

func TestVaultNotProvided(t *testing.T) {
	vaultPos := textPos(t, dailyFile, dailyPlans, `"main-vault"`)
	path := "policies.daily.plans.daily.rules.hourly.target_backup_vault_name"
	t.Run("no similar name", func(t *testing.T) {
		p := newPolicy(t, "daily", dailyPlans, "Root", "Root/Sandbox")
		b := newBaseline("main", "backup-role", "zz", []string{"us-east-1"}, "Root")
		res := Run(repoOf([]*policy.Policy{p}, b), nil)
		expect(t, only(t, res.Diags, "vault-not-provided"), want{
			severity: diag.Error, code: "vault-not-provided", pos: vaultPos, path: path, value: `"main-vault"`,
			message: []string{`rule "hourly" of plan "daily" names vault "main-vault", but no baseline creates a vault of that name`},
			hint:    []string{`add a baseline that creates it in every account the policy reaches, e.g. baselines: "main-vault": {targets: ["Root", "Root/Sandbox"], regions: ["us-east-1"], vault_name: "main-vault"}`},
			related: []diag.Related{},
		})
		if len(res.Diags) != 1 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("a similar name", func(t *testing.T) {
		p := newPolicy(t, "daily", dailyPlans, "Root")
		b := newBaseline("main", "backup-role", "main_vault", []string{"us-east-1"}, "Root")
		other := newBaseline("other", "", "unrelated", []string{"us-east-1"}, "Root")
		res := Run(repoOf([]*policy.Policy{p}, b, other), nil)
		expect(t, only(t, res.Diags, "vault-not-provided"), want{
			severity: diag.Error, code: "vault-not-provided", pos: vaultPos, path: path, value: `"main-vault"`,
			message: []string{`names vault "main-vault", but no baseline creates a vault of that name`},
			hint: []string{
				`baseline "main" creates vault "main_vault": did you mean "main_vault"?`,
				`change target_backup_vault_name to "main_vault", or the baseline's vault_name to "main-vault"`,
			},
			related: []diag.Related{{Pos: b.VaultNamePos, Label: `baseline "main"`}},
		})
	})
	t.Run("a copy action's vault", func(t *testing.T) {
		const text = `{"daily": {"regions": ["us-east-1"], "rules": {"hourly": {
  "schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "main-vault",
  "copy_actions": {"arn:aws:backup:us-west-2:$account:backup-vault:main-vault2": {}}}},
  "selections": {"resources": {"all": {"iam_role_arn": "arn:aws:iam::$account:role/backup-role", "resource_types": ["*"]}}}}}`
		p := newPolicy(t, "daily", text, "Root")
		res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
		expect(t, only(t, res.Diags, "vault-not-provided"), want{
			severity: diag.Error, code: "vault-not-provided",
			pos:     textPos(t, dailyFile, text, `{}}}}`),
			path:    `policies.daily.plans.daily.rules.hourly.copy_actions."arn:aws:backup:us-west-2:$account:backup-vault:main-vault2"`,
			value:   `"main-vault2"`,
			message: []string{`copy action of rule "hourly" of plan "daily" names vault "main-vault2"`},
			hint:    []string{`did you mean "main-vault"?`, `change the copy action's vault ARN to "main-vault"`},
		})
	})
}

func TestRoleNotProvided(t *testing.T) {
	rolePos := textPos(t, dailyFile, dailyPlans, `"arn:aws:iam::$account:role/backup-role"`)
	path := "policies.daily.plans.daily.selections.tags.tagged.iam_role_arn"
	t.Run("no similar name", func(t *testing.T) {
		p := newPolicy(t, "daily", dailyPlans, "Root")
		b := newBaseline("main", "x", "main-vault", []string{"us-east-1"}, "Root")
		res := Run(repoOf([]*policy.Policy{p}, b), nil)
		expect(t, only(t, res.Diags, "role-not-provided"), want{
			severity: diag.Error, code: "role-not-provided", pos: rolePos, path: path, value: `"backup-role"`,
			message: []string{`selection "tagged" of plan "daily" names role "backup-role", but no baseline creates a role of that name`},
			hint:    []string{`e.g. baselines: "backup-role": {targets: ["Root"], regions: ["us-east-1"], role_name: "backup-role"}`},
		})
	})
	t.Run("a similar name", func(t *testing.T) {
		p := newPolicy(t, "daily", dailyPlans, "Root")
		b := newBaseline("main", "backup_role", "main-vault", []string{"us-east-1"}, "Root")
		res := Run(repoOf([]*policy.Policy{p}, b), nil)
		expect(t, only(t, res.Diags, "role-not-provided"), want{
			severity: diag.Error, code: "role-not-provided", pos: rolePos, path: path, value: `"backup-role"`,
			hint: []string{
				`baseline "main" creates role "backup_role": did you mean "backup_role"?`,
				`change iam_role_arn to "backup_role", or the baseline's role_name to "backup-role"`,
			},
			related: []diag.Related{{Pos: b.RoleNamePos, Label: `baseline "main"`}},
		})
	})
	t.Run("a baseline without the name's position", func(t *testing.T) {
		// Baselines built in code, or from JSON, may lack it; the
		// baseline's own position stands in.
		p := newPolicy(t, "daily", dailyPlans, "Root")
		b := newBaseline("main", "backup_role", "main-vault", []string{"us-east-1"}, "Root")
		b.RoleNamePos = doc.Pos{}
		d := only(t, Run(repoOf([]*policy.Policy{p}, b), nil).Diags, "role-not-provided")
		if len(d.Related) != 1 || d.Related[0].Pos != b.Pos {
			t.Errorf("related %v, want the baseline at %s", d.Related, b.Pos)
		}
	})
	// The role's ARN includes its path: a role created at another path
	// is another ARN, and AWS Backup cannot find the role.
	t.Run("a role path that differs from the baseline's", func(t *testing.T) {
		text := strings.Replace(dailyPlans, "role/backup-role", "role/service-role/backup-role", 1)
		p := newPolicy(t, "daily", text, "Root")
		b := mainBaseline()
		d := only(t, Run(repoOf([]*policy.Policy{p}, b), nil).Diags, "role-path-mismatch")
		expect(t, d, want{
			severity: diag.Error, code: "role-path-mismatch", pos: textPos(t, dailyFile, text, `"arn:aws:iam::$account:role/service-role`),
			path:    "policies.daily.plans.daily.selections.tags.tagged.iam_role_arn",
			value:   `"arn:aws:iam::$account:role/service-role/backup-role"`,
			message: []string{`names role "backup-role" at path "/service-role/", but baseline "main" creates it at path "/"`},
			hint:    []string{`set baselines.main.role_path: "/service-role/", or write the ARN as "arn:aws:iam::$account:role/backup-role"`},
			related: []diag.Related{{Pos: b.RoleNamePos, Label: `baseline "main"`}},
		})
		b.RolePath = "/service-role/"
		if res := Run(repoOf([]*policy.Policy{p}, b), nil); len(res.Diags) != 0 {
			t.Errorf("same path:\n%s", dump(res.Diags))
		}
	})
}

func TestFixedAccountARNs(t *testing.T) {
	const text = `{"daily": {"regions": ["us-east-1"], "rules": {"hourly": {
  "schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "main-vault",
  "copy_actions": {"arn:aws:backup:us-west-2:111122223333:backup-vault:central": {}}}},
  "selections": {"resources": {"all": {"iam_role_arn": "arn:aws:iam::111122223333:role/central", "resource_types": ["*"]}}}}}`
	central := newBaseline("central", "", "central", []string{"us-west-2"}, "111122223333")
	// The copies go to another account; the repository declares
	// cross-account backup (TestCopyToAnotherAccountNeedsCrossAccountBackup).
	yes := true
	repoOf := func(ps []*policy.Policy, bs ...*policy.Baseline) *policy.Repo {
		r := repoOf(ps, bs...)
		r.Organization = &policy.Organization{CrossAccountBackup: &yes}
		return r
	}
	// A selection's role must be the member account's own: a fixed
	// account in a policy that reaches others fails everywhere else.
	t.Run("a role in one account, for the whole organization", func(t *testing.T) {
		p := newPolicy(t, "daily", text, "Root")
		d := only(t, Run(repoOf([]*policy.Policy{p}, newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root"), central), nil).Diags, "role-fixed-account")
		expect(t, d, want{
			severity: diag.Error, code: "role-fixed-account", pos: textPos(t, dailyFile, text, `"arn:aws:iam::111122223333`),
			path:    "policies.daily.plans.daily.selections.resources.all.iam_role_arn",
			value:   `"arn:aws:iam::111122223333:role/central"`,
			message: []string{`selection "all" of plan "daily" names role "central" in account 111122223333, but policy "daily" is attached to Root, which reaches other accounts`},
			hint:    []string{`write the ARN with $account`, `"arn:aws:iam::$account:role/central"`},
			related: []diag.Related{{Pos: p.Targets[0].Pos, Label: `policy "daily" attached here`}},
		})
	})
	t.Run("a role in the one account the policy is attached to", func(t *testing.T) {
		p := newPolicy(t, "daily", text, "111122223333")
		ds := Run(repoOf([]*policy.Policy{p}, newBaseline("main", "central", "main-vault", []string{"us-east-1"}, "111122223333"), central), nil).Diags
		if len(ds) != 0 {
			t.Errorf("diagnostics:\n%s", dump(ds))
		}
	})
	// A copy destination in a fixed account: a baseline must create the
	// vault in that account and Region.
	mainOnly := newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root")
	ownRole := strings.Replace(text, "111122223333:role/central", "$account:role/r", 1)
	withRole := func(b *policy.Baseline) *policy.Baseline { b.RoleName = "r"; return b }
	t.Run("a copy destination no baseline creates", func(t *testing.T) {
		p := newPolicy(t, "daily", ownRole, "Root")
		d := only(t, Run(repoOf([]*policy.Policy{p}, withRole(newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root"))), nil).Diags, "vault-not-provided")
		expect(t, d, want{
			severity: diag.Error, code: "vault-not-provided", pos: textPos(t, dailyFile, ownRole, `{}}}}`),
			value:   `"central"`,
			message: []string{`copy action of rule "hourly" of plan "daily" copies to vault "central" in account 111122223333, but no baseline creates a vault of that name`},
			hint:    []string{`baselines: "central": {targets: ["111122223333"], regions: ["us-west-2"], vault_name: "central", allow_copy_from_organization: true}`},
		})
	})
	t.Run("a copy destination created in another account", func(t *testing.T) {
		p := newPolicy(t, "daily", ownRole, "Root")
		other := newBaseline("central", "", "central", []string{"us-west-2"}, "444455556666")
		d := only(t, Run(repoOf([]*policy.Policy{p}, withRole(newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root")), other), nil).Diags, "vault-not-deployed")
		if !strings.Contains(d.Message, `copies to vault "central" in account 111122223333 (us-west-2), but no baseline creates it there`) {
			t.Errorf("message %q", d.Message)
		}
	})
	t.Run("a copy destination created in another Region", func(t *testing.T) {
		p := newPolicy(t, "daily", ownRole, "Root")
		elsewhere := newBaseline("central", "", "central", []string{"us-east-1"}, "111122223333")
		d := only(t, Run(repoOf([]*policy.Policy{p}, withRole(mainOnly), elsewhere), nil).Diags, "vault-missing-region")
		if !strings.Contains(d.Message, `writes to vault "central" in us-west-2, but baseline "central" does not create it there`) {
			t.Errorf("message %q", d.Message)
		}
	})
	t.Run("a copy destination a baseline creates", func(t *testing.T) {
		p := newPolicy(t, "daily", ownRole, "Root")
		for _, b := range []*policy.Baseline{central, newBaseline("central", "", "central", []string{"us-west-2"}, "Root")} {
			if ds := Run(repoOf([]*policy.Policy{p}, withRole(newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root")), b), nil).Diags; len(ds) != 0 {
				t.Errorf("baseline at %s:\n%s", b.Targets[0].Raw, dump(ds))
			}
		}
	})
	t.Run("a copy destination under an OU needs the organization's structure", func(t *testing.T) {
		p := newPolicy(t, "daily", ownRole, "Root")
		ou := newBaseline("central", "", "central", []string{"us-west-2"}, "Root/Backup")
		repo := repoOf([]*policy.Policy{p}, withRole(newBaseline("main", "", "main-vault", []string{"us-east-1"}, "Root")), ou)
		d := only(t, Run(repo, nil).Diags, "vault-coverage-unknown")
		if d.Severity != diag.Warning || !strings.Contains(d.Hint, "pass --org") {
			t.Errorf("got %s: %s (hint %s)", d.Severity, d.Message, d.Hint)
		}
		r := fakeResolver{covers: map[[2]string]bool{{"Root/Backup", "111122223333"}: true}}
		if ds := Run(repo, r).Diags; len(ds) != 0 {
			t.Errorf("with the structure:\n%s", dump(ds))
		}
	})
}

func TestCopyToAnotherAccountNeedsCrossAccountBackup(t *testing.T) {
	const text = `{"daily": {"regions": ["us-east-1"], "rules": {"hourly": {
  "schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "main-vault",
  "copy_actions": {"arn:aws:backup:us-west-2:111122223333:backup-vault:central": {}}}},
  "selections": {"tags": {"all": {"iam_role_arn": "arn:aws:iam::$account:role/backup-role", "tag_key": "Backup", "tag_value": ["On"]}}}}}`
	p := newPolicy(t, "daily", text, "Root")
	repo := repoOf([]*policy.Policy{p}, mainBaseline())
	res := Run(repo, nil)
	d := only(t, res.Diags, "cross-account-backup")
	if d.Severity != diag.Error || !strings.Contains(d.Message, "copies into account 111122223333") ||
		!strings.Contains(d.Hint, "cross_account_backup: true") || d.Value != `"arn:aws:backup:us-west-2:111122223333:backup-vault:central"` {
		t.Errorf("diagnostic = %+v", d)
	}
	no := false
	repo.Organization = &policy.Organization{CrossAccountBackup: &no, CrossAccountBackupPos: doc.Pos{File: "org.cue", Line: 2, Col: 25}}
	d = only(t, Run(repo, nil).Diags, "cross-account-backup")
	if !strings.Contains(d.Message, "organization.cross_account_backup is false") || len(d.Related) != 1 {
		t.Errorf("diagnostic = %+v", d)
	}
	// A copy within the account ($account) needs nothing.
	p = newPolicy(t, "daily", strings.Replace(text, "111122223333", "$account", 1), "Root")
	mb := mainBaseline()
	mb.Regions = append(mb.Regions, "us-west-2")
	for _, d := range Run(repoOf([]*policy.Policy{p}, mb), nil).Diags {
		if d.Code == "cross-account-backup" {
			t.Errorf("copy within the account: %+v", d)
		}
	}
}

func TestVaultMissingInARegion(t *testing.T) {
	text := strings.Replace(dailyPlans, `["us-east-1"]`, `["us-east-1", "eu-west-1", "ap-south-1"]`, 1)
	p := newPolicy(t, "daily", text, "Root")
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1", "ap-south-1"}, "Root")
	res := Run(repoOf([]*policy.Policy{p}, b), nil)
	expect(t, only(t, res.Diags, "vault-missing-region"), want{
		severity: diag.Error, code: "vault-missing-region",
		pos:     textPos(t, dailyFile, text, `"main-vault"`),
		path:    "policies.daily.plans.daily.rules.hourly.target_backup_vault_name",
		value:   `"main-vault"`,
		message: []string{`rule "hourly" of plan "daily" writes to vault "main-vault" in eu-west-1, but baseline "main" does not create it there`},
		hint:    []string{`add "eu-west-1" to baselines.main.regions (it has "us-east-1", "ap-south-1")`},
		related: []diag.Related{{Pos: b.RegionsPos, Label: `baseline "main" regions`}},
	})
	if len(res.Diags) != 1 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}

	// Roles are global: the baseline's Regions do not matter for them.
	b.Regions = []string{"us-east-1", "eu-west-1", "ap-south-1"}
	if res := Run(repoOf([]*policy.Policy{p}, b), nil); len(res.Diags) != 0 {
		t.Errorf("all Regions provided:\n%s", dump(res.Diags))
	}

	// Two baselines may split the Regions between them.
	b1 := newBaseline("east", "backup-role", "main-vault", []string{"us-east-1"}, "Root")
	b2 := newBaseline("rest", "", "main-vault", []string{"eu-west-1", "ap-south-1"}, "Root")
	if res := Run(repoOf([]*policy.Policy{p}, b1, b2), nil); len(res.Diags) != 0 {
		t.Errorf("Regions split over two baselines:\n%s", dump(res.Diags))
	}
}

func TestNotDeployedToTheTarget(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root/Workloads/Prod")
	for _, tc := range []struct {
		name     string
		baseline []string
		ok       bool
	}{
		{"the same OU", []string{"Root/Workloads/Prod"}, true},
		{"a parent OU", []string{"Root/Workloads"}, true},
		{"the root", []string{"Root"}, true},
		{"one of several", []string{"Root/Sandbox", "Root/Workloads"}, true},
		{"a sibling OU", []string{"Root/Workloads/Dev"}, false},
		{"a child OU", []string{"Root/Workloads/Prod/Web"}, false},
		{"a prefix that is not a parent", []string{"Root/Work"}, false},
		{"an account", []string{"111122223333"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1"}, tc.baseline...)
			res := Run(repoOf([]*policy.Policy{p}, b), nil)
			if tc.ok {
				if len(res.Diags) != 0 {
					t.Errorf("diagnostics:\n%s", dump(res.Diags))
				}
				return
			}
			if len(res.Diags) != 2 {
				t.Fatalf("want vault and role not deployed:\n%s", dump(res.Diags))
			}
			expect(t, only(t, res.Diags, "vault-not-deployed"), want{
				severity: diag.Error, code: "vault-not-deployed",
				pos:     textPos(t, dailyFile, dailyPlans, `"main-vault"`),
				path:    "policies.daily.plans.daily.rules.hourly.target_backup_vault_name",
				value:   `"main-vault"`,
				message: []string{`rule "hourly" of plan "daily" names vault "main-vault" in us-east-1, but no baseline creates it in the accounts under Root/Workloads/Prod, where policy "daily" is attached`},
				hint:    []string{`add "Root/Workloads/Prod" (or a parent of it) to baselines.main.targets`},
				related: []diag.Related{{Pos: p.Targets[0].Pos, Label: `policy "daily" attached here`}, {Pos: b.Pos, Label: `baseline "main"`}},
			})
			expect(t, only(t, res.Diags, "role-not-deployed"), want{
				severity: diag.Error, code: "role-not-deployed",
				pos:     textPos(t, dailyFile, dailyPlans, `"arn:aws:iam`),
				path:    "policies.daily.plans.daily.selections.tags.tagged.iam_role_arn",
				value:   `"backup-role"`,
				message: []string{`selection "tagged" of plan "daily" names role "backup-role", but no baseline creates it in the accounts under Root/Workloads/Prod`},
				hint:    []string{"to baselines.main.targets (it has " + targetList(b.Targets) + ")"},
			})
		})
	}
}

func TestNotDeployedToOneOfSeveralTargets(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root/A", "Root/B")
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1"}, "Root/A")
	res := Run(repoOf([]*policy.Policy{p}, b), nil)
	if got := codes(res.Diags); !slices.Equal(got, []string{
		"error vault-not-deployed policies.daily.plans.daily.rules.hourly.target_backup_vault_name",
		"error role-not-deployed policies.daily.plans.daily.selections.tags.tagged.iam_role_arn",
	}) {
		t.Fatalf("got %q\n%s", got, dump(res.Diags))
	}
	for _, d := range res.Diags {
		if !strings.Contains(d.Message, "under Root/B") || d.Related[0].Pos != p.Targets[1].Pos {
			t.Errorf("%s does not name Root/B: %s %v", d.Code, d.Message, d.Related)
		}
	}
}

func TestCoverage(t *testing.T) {
	const ou = "ou-ab12-abcdefgh"
	p := newPolicy(t, "daily", dailyPlans, ou)
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1"}, "Root/Workloads")

	t.Run("unknown by names alone", func(t *testing.T) {
		res := Run(repoOf([]*policy.Policy{p}, b), nil)
		if got := codes(res.Diags); !slices.Equal(got, []string{
			"warning role-coverage-unknown policies.daily.plans.daily.selections.tags.tagged.iam_role_arn",
			"warning vault-coverage-unknown policies.daily.plans.daily.rules.hourly.target_backup_vault_name",
		}) {
			t.Fatalf("got %q\n%s", got, dump(res.Diags))
		}
		expect(t, only(t, res.Diags, "vault-coverage-unknown"), want{
			severity: diag.Warning, code: "vault-coverage-unknown", pos: p.Targets[0].Pos,
			message: []string{`cannot tell without the organization's structure whether baseline "main" (targets "Root/Workloads") reaches ou-ab12-abcdefgh, where policy "daily" is attached`},
			hint:    []string{"pass --org with an org snapshot", "name targets by path"},
			related: []diag.Related{{Pos: b.Pos, Label: `baseline "main"`}},
		})
	})
	t.Run("known to be covered", func(t *testing.T) {
		r := fakeResolver{covers: map[[2]string]bool{{"Root/Workloads", ou}: true}}
		if res := Run(repoOf([]*policy.Policy{p}, b), r); len(res.Diags) != 0 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("known not to be covered", func(t *testing.T) {
		r := fakeResolver{covers: map[[2]string]bool{{"Root/Workloads", ou}: false}}
		res := Run(repoOf([]*policy.Policy{p}, b), r)
		if got := codes(res.Diags); !slices.Equal(got, []string{
			"error vault-not-deployed policies.daily.plans.daily.rules.hourly.target_backup_vault_name",
			"error role-not-deployed policies.daily.plans.daily.selections.tags.tagged.iam_role_arn",
		}) {
			t.Fatalf("got %q\n%s", got, dump(res.Diags))
		}
	})
	t.Run("an account id is covered by the root by name", func(t *testing.T) {
		p := newPolicy(t, "daily", dailyPlans, "111122223333")
		if res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil); len(res.Diags) != 0 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
}

func TestNotAttached(t *testing.T) {
	// Unattached, nothing is checked against baselines: there are none.
	p := newPolicy(t, "daily", dailyPlans)
	res := Run(repoOf([]*policy.Policy{p}), nil)
	expect(t, only(t, res.Diags, "not-attached"), want{
		severity: diag.Warning, code: "not-attached", pos: p.Pos,
		message: []string{`policy "daily" is attached nowhere (targets is empty)`},
		hint:    []string{`add where it applies, e.g. targets: ["Root"]`},
	})
	if len(res.Diags) != 1 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
}

func TestEmptyBaseline(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root")
	empty := newBaseline("nothing", "", "", []string{"us-east-1"}, "Root")
	res := Run(repoOf([]*policy.Policy{p}, mainBaseline(), empty), nil)
	expect(t, only(t, res.Diags, "empty-baseline"), want{
		severity: diag.Error, code: "empty-baseline", pos: empty.Pos,
		message: []string{`baseline "nothing" provides neither a role nor a vault`},
		hint:    []string{"set role_name, vault_name or both"},
	})
	if len(res.Diags) != 1 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
	// A baseline with only a role or only a vault is fine.
	roleOnly := newBaseline("role", "backup-role", "", []string{"us-east-1"}, "Root")
	vaultOnly := newBaseline("vault", "", "main-vault", []string{"us-east-1"}, "Root")
	if res := Run(repoOf([]*policy.Policy{p}, roleOnly, vaultOnly), nil); len(res.Diags) != 0 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
}

// padded is dailyPlans with a backup plan tag whose value is pad
// characters long, to reach a given document size.
func padded(t *testing.T, pad int) *policy.Policy {
	t.Helper()
	text := strings.Replace(dailyPlans, `"regions"`, fmt.Sprintf(`"backup_plan_tags": {"pad": {"tag_key": "pad", "tag_value": %q}}, "regions"`, strings.Repeat("x", pad)), 1)
	return newPolicy(t, "daily", text, "Root")
}

func TestPolicySize(t *testing.T) {
	base := utf8.RuneCount(generate.Document(padded(t, 0)).Compact())
	for _, tc := range []struct {
		size int
		code string
		sev  diag.Severity
		msg  string
		hint string
	}{
		{size: 9000},
		{size: 9001, code: "policy-near-limit", sev: diag.Warning,
			msg:  `policy "daily" is 9,001 characters minified, within 10% of the 10,000 limit (999 left)`,
			hint: "plan for splitting it before it grows further"},
		{size: 10000, code: "policy-near-limit", sev: diag.Warning, msg: "(0 left)"},
		{size: 10001, code: "policy-too-large", sev: diag.Error,
			msg:  `policy "daily" is 10,001 characters minified; Organizations allows 10,000 (over by 1)`,
			hint: "split its plans over several policies attached to the same targets"},
		{size: 12345, code: "policy-too-large", sev: diag.Error, msg: "(over by 2,345)"},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			p := padded(t, tc.size-base)
			res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
			if want := (Size{Policy: "daily", Characters: tc.size, Limit: 10000, Margin: 10000 - tc.size}); len(res.Sizes) != 1 || res.Sizes[0] != want {
				t.Errorf("sizes %+v, want %+v", res.Sizes, want)
			}
			if tc.code == "" {
				if len(res.Diags) != 0 {
					t.Errorf("diagnostics:\n%s", dump(res.Diags))
				}
				return
			}
			if len(res.Diags) != 1 {
				t.Fatalf("diagnostics:\n%s", dump(res.Diags))
			}
			expect(t, res.Diags[0], want{severity: tc.sev, code: tc.code, pos: p.Pos, message: []string{tc.msg}, hint: []string{tc.hint}})
		})
	}
}

// Characters, not bytes, count towards the quota.
func TestPolicySizeCountsCharacters(t *testing.T) {
	p := padded(t, 0)
	nodeAt(t, p.Plans, "daily", "backup_plan_tags", "pad", "tag_value").Text = strings.Repeat("é", 100)
	res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
	compact := generate.Document(p).Compact()
	if res.Sizes[0].Characters != utf8.RuneCount(compact) || res.Sizes[0].Characters == len(compact) {
		t.Errorf("size %d, runes %d, bytes %d", res.Sizes[0].Characters, utf8.RuneCount(compact), len(compact))
	}
}

// nPolicies makes n complete policies named prefix00, prefix01, …
// attached to target, each with its own plan so that they conflict in
// nothing else.
func nPolicies(t *testing.T, prefix string, n int, target string) []*policy.Policy {
	var ps []*policy.Policy
	for i := range n {
		name := fmt.Sprintf("%s%02d", prefix, i)
		text := strings.Replace(dailyPlans, `"daily"`, fmt.Sprintf("%q", name), 1)
		ps = append(ps, newPolicy(t, name, text, target))
	}
	return ps
}

func TestTooManyAttachments(t *testing.T) {
	t.Run("10 policies", func(t *testing.T) {
		if res := Run(repoOf(nPolicies(t, "p", 10, "Root"), mainBaseline()), nil); len(res.Diags) != 0 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("11 policies", func(t *testing.T) {
		ps := nPolicies(t, "p", 11, "Root")
		res := Run(repoOf(ps, mainBaseline()), nil)
		var related []diag.Related
		for _, p := range ps {
			related = append(related, diag.Related{Pos: p.Targets[0].Pos, Label: fmt.Sprintf("attached by policy %q", p.Name)})
		}
		expect(t, only(t, res.Diags, "too-many-attachments"), want{
			severity: diag.Error, code: "too-many-attachments",
			// The first attachment over the quota.
			pos:     ps[10].Targets[0].Pos,
			message: []string{"11 backup policies would be attached directly to Root; Organizations allows 10"},
			hint:    []string{"merge policies, or attach some to the OUs or accounts below Root"},
			related: related,
		})
		if len(res.Diags) != 1 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("11 policies on different targets", func(t *testing.T) {
		ps := append(nPolicies(t, "p", 10, "Root"), nPolicies(t, "q", 1, "Root/Prod")...)
		if res := Run(repoOf(ps, mainBaseline()), nil); len(res.Diags) != 0 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("with policies attached by others", func(t *testing.T) {
		ps := nPolicies(t, "p", 8, "Root")
		r := fakeResolver{attached: map[string]int{"Root": 3}}
		res := Run(repoOf(ps, mainBaseline()), r)
		expect(t, only(t, res.Diags, "too-many-attachments"), want{
			severity: diag.Error, code: "too-many-attachments",
			// 3 are taken: the repository's 8th is the 11th.
			pos:     ps[7].Targets[0].Pos,
			message: []string{"11 backup policies would be attached directly to Root; Organizations allows 10 (8 from this repository, 3 already attached by others)"},
			hint:    []string{"merge policies"},
		})
		r.attached["Root"] = 2
		if res := Run(repoOf(ps, mainBaseline()), r); len(res.Diags) != 0 {
			t.Errorf("with 2 others:\n%s", dump(res.Diags))
		}
	})
	t.Run("others already fill the quota", func(t *testing.T) {
		ps := nPolicies(t, "p", 1, "Root")
		r := fakeResolver{attached: map[string]int{"Root": 12}}
		res := Run(repoOf(ps, mainBaseline()), r)
		expect(t, only(t, res.Diags, "too-many-attachments"), want{
			severity: diag.Error, code: "too-many-attachments", pos: ps[0].Targets[0].Pos,
			message: []string{"13 backup policies", "(1 from this repository, 12 already attached by others)"},
			hint:    []string{"merge policies"},
		})
	})
}

func TestDuplicatePolicyNames(t *testing.T) {
	a := newPolicy(t, "Daily", strings.Replace(dailyPlans, `"daily"`, `"a"`, 1), "Root")
	b := newPolicy(t, "daily", strings.Replace(dailyPlans, `"daily"`, `"b"`, 1), "Root")
	c := newPolicy(t, "weekly", strings.Replace(dailyPlans, `"daily"`, `"c"`, 1), "Root")
	res := Run(repoOf([]*policy.Policy{a, b, c}, mainBaseline()), nil)
	expect(t, only(t, res.Diags, "duplicate-policy-name"), want{
		severity: diag.Error, code: "duplicate-policy-name", pos: b.Pos,
		message: []string{`policy name "daily" differs from "Daily" only in case`},
		hint:    []string{"rename one of them"},
		related: []diag.Related{{Pos: a.Pos, Label: `policy "Daily"`}},
	})
	if len(res.Diags) != 1 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
}

// partialPolicy is a partial policy that sets one schedule.
func partialPolicy(t *testing.T, name, plan, schedule string, tgts ...string) (*policy.Policy, string) {
	text := fmt.Sprintf(`{%q: {"rules": {"hourly": {"schedule_expression": %q}}}}`, plan, schedule)
	p := newPolicy(t, name, text, tgts...)
	p.Partial = true
	return p, text
}

func TestSameLeafConflicts(t *testing.T) {
	t.Run("different values at one target", func(t *testing.T) {
		a, _ := partialPolicy(t, "a", "daily", "cron(0 5 ? * * *)", "Root/Prod")
		b, btext := partialPolicy(t, "b", "daily", "cron(0 6 ? * * *)", "Root/Dev", "Root/Prod")
		res := Run(repoOf([]*policy.Policy{a, b}), nil)
		expect(t, only(t, res.Diags, "attachment-order"), want{
			severity: diag.Error, code: "attachment-order",
			pos:     textPos(t, "policies/b.cue", btext, `"cron(0 6`),
			path:    "policies.b.plans.daily.rules.hourly.schedule_expression",
			message: []string{`policies "a" and "b" are both attached to Root/Prod and set plans.daily.rules.hourly.schedule_expression to different values ("cron(0 5 ? * * *)" and "cron(0 6 ? * * *)"); which one wins depends on the order they were attached`},
			hint:    []string{"set it in one of the two policies only, or attach one of them to a different target"},
			related: []diag.Related{{Pos: textPos(t, "policies/a.cue", `{"daily": {"rules": {"hourly": {"schedule_expression": "cron(0 5 ? * * *)"}}}}`, `"cron(0 5`), Label: `set by policy "a"`}},
		})
		if len(res.Diags) != 1 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("keys that differ in case are one setting", func(t *testing.T) {
		a, _ := partialPolicy(t, "a", "Daily", "cron(0 5 ? * * *)", "Root")
		b, _ := partialPolicy(t, "b", "daily", "cron(0 6 ? * * *)", "Root")
		res := Run(repoOf([]*policy.Policy{a, b}), nil)
		only(t, res.Diags, "attachment-order")
	})
	for _, tc := range []struct {
		name       string
		schedule   string
		ta, tb     string
		resolverOK bool
	}{
		{name: "equal values at one target", schedule: "cron(0 5 ? * * *)", ta: "Root", tb: "Root"},
		{name: "different values at different targets", schedule: "cron(0 6 ? * * *)", ta: "Root", tb: "Root/Prod"},
		{name: "different values at sibling OUs", schedule: "cron(0 6 ? * * *)", ta: "Root/A", tb: "Root/B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := partialPolicy(t, "a", "daily", "cron(0 5 ? * * *)", tc.ta)
			b, _ := partialPolicy(t, "b", "daily", tc.schedule, tc.tb)
			if res := Run(repoOf([]*policy.Policy{a, b}), nil); len(res.Diags) != 0 {
				t.Errorf("diagnostics:\n%s", dump(res.Diags))
			}
		})
	}
	t.Run("the root by name and by id are the same only to the resolver", func(t *testing.T) {
		a, _ := partialPolicy(t, "a", "daily", "cron(0 5 ? * * *)", "Root")
		b, _ := partialPolicy(t, "b", "daily", "cron(0 6 ? * * *)", "r-ab12")
		if res := Run(repoOf([]*policy.Policy{a, b}), nil); len(res.Diags) != 0 {
			t.Errorf("by name:\n%s", dump(res.Diags))
		}
		res := Run(repoOf([]*policy.Policy{a, b}), sameRoot{})
		only(t, res.Diags, "attachment-order")
	})
}

// sameRoot knows that r-ab12 is the root.
type sameRoot struct{ NameResolver }

func (sameRoot) Same(a, b policy.Target) bool { return a.IsRoot() == b.IsRoot() || a.Raw == b.Raw }

func TestPlanMerges(t *testing.T) {
	planPos := textPos(t, "policies/b.cue", dailyPlans, `{
    "regions"`)
	t.Run("complete policies that overlap", func(t *testing.T) {
		a := newPolicy(t, "a", dailyPlans, "Root")
		b := newPolicy(t, "b", dailyPlans, "Root/Prod")
		// Operator keys are not plans, even when both policies have them.
		for _, p := range []*policy.Policy{a, b} {
			p.Plans.Set("@@operators_allowed_for_child_policies", doc.FromAny([]any{"@@none"}))
		}
		res := Run(repoOf([]*policy.Policy{a, b}, mainBaseline()), nil)
		expect(t, only(t, res.Diags, "plan-merge"), want{
			severity: diag.Warning, code: "plan-merge", pos: planPos,
			path:    "policies.b.plans.daily",
			message: []string{`plan "daily" is defined by policies "a" and "b", which both reach the accounts under Root/Prod; Organizations merges them into one plan there`},
			hint:    []string{"if one refines the other, mark it partial: true; otherwise give the plans different names"},
			related: []diag.Related{{Pos: textPos(t, "policies/a.cue", dailyPlans, `{
    "regions"`), Label: `plan "daily" of policy "a"`}},
		})
		if len(res.Diags) != 1 {
			t.Errorf("diagnostics:\n%s", dump(res.Diags))
		}
	})
	t.Run("the inner policy listed first", func(t *testing.T) {
		a := newPolicy(t, "a", dailyPlans, "Root/Prod")
		b := newPolicy(t, "b", dailyPlans, "Root")
		d := only(t, Run(repoOf([]*policy.Policy{a, b}, mainBaseline()), nil).Diags, "plan-merge")
		if !strings.Contains(d.Message, "under Root/Prod") {
			t.Errorf("message %q", d.Message)
		}
	})
	t.Run("plan names that differ in case", func(t *testing.T) {
		a := newPolicy(t, "a", strings.Replace(dailyPlans, `"daily"`, `"Daily"`, 1), "Root")
		b := newPolicy(t, "b", dailyPlans, "Root")
		d := only(t, Run(repoOf([]*policy.Policy{a, b}, mainBaseline()), nil).Diags, "plan-merge")
		if !strings.Contains(d.Message, `plan "daily" is defined by policies "a" and "b"`) {
			t.Errorf("message %q", d.Message)
		}
	})
	t.Run("one policy, two spellings", func(t *testing.T) {
		// The second spelling is incomplete and reported as such too;
		// only the merge matters here.
		text := strings.Replace(dailyPlans, `"daily"`, `"Daily"`, 1)
		text = strings.TrimSuffix(text, "}") + `, "daily": {"regions": ["us-east-1"]}}`
		a := newPolicy(t, "a", text, "Root")
		ds := Run(repoOf([]*policy.Policy{a}, mainBaseline()), nil).Diags
		d := only(t, ds, "duplicate-key")
		expect(t, d, want{
			severity: diag.Error, code: "duplicate-key", pos: textPos(t, "policies/a.cue", text, `{"regions": ["us-east-1"]}`),
			path:    "policies.a.plans.daily",
			message: []string{`plan "Daily" and "daily" of the policy differ only in case; Organizations treats keys without regard to case, so they are the same plan`},
			hint:    []string{"rename one of them, or merge them into one plan"},
		})
		for _, d := range ds {
			if d.Code == "plan-merge" {
				t.Errorf("a duplicate key is reported twice:\n%s", dump(diag.List{d}))
			}
		}
	})
	for _, tc := range []struct {
		name     string
		ta, tb   string
		partialB bool
	}{
		{name: "a partial policy refines", ta: "Root", tb: "Root/Prod", partialB: true},
		{name: "targets that do not overlap", ta: "Root/A", tb: "Root/B"},
		{name: "coverage unknown", ta: "Root/A", tb: "ou-ab12-abcdefgh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newPolicy(t, "a", dailyPlans, tc.ta)
			b := newPolicy(t, "b", dailyPlans, tc.tb)
			b.Partial = tc.partialB
			for _, d := range Run(repoOf([]*policy.Policy{a, b}, mainBaseline()), nil).Diags {
				if d.Code == "plan-merge" {
					t.Errorf("unexpected:\n%s", dump(diag.List{d}))
				}
			}
		})
	}
}

func TestPartialPoliciesSkipCompleteness(t *testing.T) {
	const text = `{"daily": {"rules": {"hourly": {"start_backup_window_minutes": 120}}}}`
	p := newPolicy(t, "daily", text, "Root")
	p.Partial = true
	if res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil); len(res.Diags) != 0 {
		t.Errorf("partial:\n%s", dump(res.Diags))
	}
	p.Partial = false
	res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
	got := codes(res.Diags)
	wantCodes := []string{
		"error key-required policies.daily.plans.daily",
		"error key-required policies.daily.plans.daily",
		"error key-required policies.daily.plans.daily.rules.hourly",
		"warning schedule-default policies.daily.plans.daily.rules.hourly",
	}
	if !slices.Equal(got, wantCodes) {
		t.Fatalf("complete: got %q\n%s", got, dump(res.Diags))
	}
	expect(t, res.Diags[0], want{
		severity: diag.Error, code: "key-required", pos: textPos(t, dailyFile, text, `{"rules"`),
		path:    "policies.daily.plans.daily",
		message: []string{`plan "daily" is missing required key`},
		hint:    []string{"add "},
	})
	// Partial policies still follow AWS's value rules.
	p.Partial = true
	nodeAt(t, p.Plans, "daily", "rules", "hourly", "start_backup_window_minutes").Text = "30"
	d := only(t, Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags, "invalid-value")
	expect(t, d, want{
		severity: diag.Error, code: "invalid-value", pos: textPos(t, dailyFile, text, "120"),
		path:    "policies.daily.plans.daily.rules.hourly.start_backup_window_minutes",
		value:   `30`,
		message: []string{"start_backup_window_minutes is 30 minutes"},
		hint:    []string{"at least 60"},
	})
}

func TestValueViolations(t *testing.T) {
	text := strings.Replace(dailyPlans, "cron(0 5 ? * * *)", "cron(0/5 * ? * * *)", 1)
	text = strings.Replace(text, `["us-east-1"]`, `["us-east-1", "mars"]`, 1)
	p := newPolicy(t, "daily", text, "Root")
	b := mainBaseline()
	b.Regions = []string{"us-east-1", "mars"}
	res := Run(repoOf([]*policy.Policy{p}, b), nil)
	expect(t, only(t, res.Diags, "schedule-too-frequent"), want{
		severity: diag.Error, code: "schedule-too-frequent", pos: textPos(t, dailyFile, text, `"cron(0/5`),
		path:    "policies.daily.plans.daily.rules.hourly.schedule_expression",
		value:   `"cron(0/5 * ? * * *)"`,
		message: []string{`schedule_expression "cron(0/5 * ? * * *)" runs backups 5 minutes apart`},
		hint:    []string{`use "cron(0 * ? * * *)"`},
	})
	expect(t, only(t, res.Diags, "invalid-value"), want{
		severity: diag.Error, code: "invalid-value", pos: textPos(t, dailyFile, text, `"mars"`),
		path:    "policies.daily.plans.daily.regions.1",
		value:   `"mars"`,
		message: []string{`"mars" is not an AWS Region code`},
		hint:    []string{`"us-east-1"`},
	})
}

// A violation on a node the author did not write (no position) is
// reported at the policy; one on an object carries no value.
func TestValueViolationPositions(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root")
	p.Plans = doc.FromAny(map[string]any{"daily": map[string]any{"regions": []any{"us-east-1"}, "rules": map[string]any{}}})
	res := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil)
	if len(res.Diags) != 2 {
		t.Fatalf("diagnostics:\n%s", dump(res.Diags))
	}
	for _, d := range res.Diags {
		if d.Pos != p.Pos || d.Value != "" {
			t.Errorf("%s at %s value %q, want at %s with no value", d.Code, d.Pos, d.Value, p.Pos)
		}
	}
}

func TestRunOrdersDiagnosticsByPosition(t *testing.T) {
	// Two rules naming one missing vault: two diagnostics at two places,
	// in file order, not rule-name order.
	const text = `{"daily": {"regions": ["us-east-1"], "rules": {
  "b": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "nope"},
  "a": {"schedule_expression": "cron(0 6 ? * * *)", "target_backup_vault_name": "nope"}},
  "selections": {"resources": {"all": {"iam_role_arn": "arn:aws:iam::$account:role/backup-role", "resource_types": ["*"]}}}}}`
	p := newPolicy(t, "daily", text, "Root")
	other := newPolicy(t, "another", strings.Replace(dailyPlans, `"daily"`, `"other"`, 1), "Root")
	res := Run(repoOf([]*policy.Policy{other, p}, mainBaseline()), nil)
	if !slices.IsSortedFunc(res.Diags, func(a, b diag.Diagnostic) int {
		return strings.Compare(fmt.Sprintf("%s:%06d:%06d", a.Pos.File, a.Pos.Line, a.Pos.Col), fmt.Sprintf("%s:%06d:%06d", b.Pos.File, b.Pos.Line, b.Pos.Col))
	}) {
		t.Errorf("not sorted:\n%s", dump(res.Diags))
	}
	if got := codes(res.Diags); !slices.Equal(got, []string{
		"error vault-not-provided policies.daily.plans.daily.rules.b.target_backup_vault_name",
		"error vault-not-provided policies.daily.plans.daily.rules.a.target_backup_vault_name",
	}) {
		t.Errorf("got %q", got)
	}
	// Sizes are in repository order.
	if len(res.Sizes) != 2 || res.Sizes[0].Policy != "another" || res.Sizes[1].Policy != "daily" {
		t.Errorf("sizes %+v", res.Sizes)
	}
}

func TestPolicyWithoutPlans(t *testing.T) {
	p := &policy.Policy{Name: "empty", Pos: posAt(policyFile, 1, 1), Targets: targets(policyFile, "Root")}
	res := Run(repoOf([]*policy.Policy{p}), nil)
	expect(t, only(t, res.Diags, "elements-too-few"), want{
		severity: diag.Error, code: "elements-too-few", pos: p.Pos, path: "policies.empty.plans",
		message: []string{"the policy has 0 plans"}, hint: []string{"add a plan"},
	})
}

func TestNameResolver(t *testing.T) {
	r := NameResolver{}
	tg := func(s string) policy.Target { return policy.Target{Raw: s} }
	if !r.Same(tg("Root"), tg("Root")) || !r.Same(tg("Root/A"), tg("Root/A")) || r.Same(tg("Root"), tg("r-ab12")) || r.Same(tg("Root/A"), tg("Root/a")) {
		t.Error("Same judges by name")
	}
	if c, k := r.Covers(tg("Root/A"), tg("Root/A/B")); !c || !k {
		t.Error("an OU path covers the paths below it")
	}
	if r.Attached(tg("Root")) != 0 {
		t.Error("names know of no other attachments")
	}
}

func TestConfigPath(t *testing.T) {
	for _, tc := range []struct {
		policy string
		path   []string
		want   string
	}{
		{"daily", []string{"plans", "daily", "regions", "0"}, "policies.daily.plans.daily.regions.0"},
		{"test-bk-policy", []string{"plans", "test-bk-plan"}, `policies."test-bk-policy".plans."test-bk-plan"`},
		{"p", []string{"plans", "_hidden", "#def", "a b", `q"uote`, "", "ü", "$account", "x1", "1x"},
			`policies.p.plans."_hidden"."#def"."a b"."q\"uote".""."ü".$account.x1."1x"`},
		{"p", []string{"copy_actions", "arn:aws:backup:us-east-1:$account:backup-vault:v"}, `policies.p.copy_actions."arn:aws:backup:us-east-1:$account:backup-vault:v"`},
		{"p", []string{"-1", "+1"}, `policies.p."-1"."+1"`},
	} {
		if got := configPath(tc.policy, tc.path); got != tc.want {
			t.Errorf("configPath(%q, %q) = %s, want %s", tc.policy, tc.path, got, tc.want)
		}
	}
}

func TestBaselineName(t *testing.T) {
	for in, want := range map[string]string{
		"main-vault":             "main-vault",
		"Main_Vault":             "Main-Vault",
		"2024-vault":             "vault",
		"__":                     "backup",
		"":                       "backup",
		"a..b":                   "a-b",
		strings.Repeat("v", 60):  strings.Repeat("v", 40),
		"vault-":                 "vault",
		"my vault (prod) 2":      "my-vault-prod-2",
		"arn:aws:backup:x:y:z/q": "arn-aws-backup-x-y-z-q",
	} {
		if got := baselineName(in); got != want {
			t.Errorf("baselineName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKMSKeyAlias(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root")
	b := mainBaseline()
	b.VaultKMSKeyARN = "arn:aws:kms:$region:111122223333:alias/backup"
	res := Run(repoOf([]*policy.Policy{p}, b), nil)
	expect(t, only(t, res.Diags, "kms-key-alias"), want{
		severity: diag.Error, code: "kms-key-alias", pos: orPos(b.VaultKMSKeyARNPos, b.Pos),
		message: []string{`vault_kms_key_arn of baseline "main" is an alias ARN`},
		hint:    []string{"aws kms describe-key --key-id alias/backup", "managed_kms_key: true"},
		value:   `"arn:aws:kms:$region:111122223333:alias/backup"`,
	})
	// The key's ARN is fine; so is an alias on resources that exist
	// already, which orgbackup does not create.
	b.VaultKMSKeyARN = "arn:aws:kms:$region:111122223333:key/1234abcd"
	if res := Run(repoOf([]*policy.Policy{p}, b), nil); len(res.Diags) != 0 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
	b.VaultKMSKeyARN, b.Existing = "arn:aws:kms:$region:111122223333:alias/backup", true
	if res := Run(repoOf([]*policy.Policy{p}, b), nil); len(res.Diags) != 0 {
		t.Errorf("diagnostics:\n%s", dump(res.Diags))
	}
}

func TestExistingBaselinesMayOverlap(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root")
	a, b := mainBaseline(), mainBaseline()
	b.Name = "again"
	a.Existing, b.Existing = true, true
	if res := Run(repoOf([]*policy.Policy{p}, a, b), nil); len(res.Diags) != 0 {
		t.Errorf("two existing declarations of one role and vault:\n%s", dump(res.Diags))
	}
	// One of them deploying is a real clash: its stacks would fail.
	b.Existing = false
	if res := Run(repoOf([]*policy.Policy{p}, a, b), nil); len(res.Diags) == 0 {
		t.Error("a deployed baseline over an existing one: want baseline-overlap")
	}
}
