package check

import (
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Each test here is a definition that passed validate and failed when
// deployed (issue 9, "Deploy failures that pass validate today").

func TestUnknownRegions(t *testing.T) {
	// The same typo in the policy and the baseline: the reference check
	// is satisfied, and the plan runs nowhere.
	text := strings.Replace(dailyPlans, `["us-east-1"]`, `["us-east-1", "us-eats-1"]`, 1)
	p := newPolicy(t, "daily", text, "Root")
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1", "us-eats-1"}, "Root")
	b.RegionPos = []doc.Pos{posAt(baselineFile, 20, 12), posAt(baselineFile, 20, 25)}
	ds := Run(repoOf([]*policy.Policy{p}, b), nil).Diags
	if got := codes(ds); len(got) != 2 {
		t.Fatalf("got %q\n%s", got, dump(ds))
	}
	expect(t, ds[0], want{
		severity: diag.Error, code: "unknown-region", pos: b.RegionPos[1],
		path: "baselines.main.regions.1", value: `"us-eats-1"`,
		message: []string{`"us-eats-1" is not an AWS Region`},
		hint:    []string{`did you mean "us-east-1"?`, `declare it: new_regions: ["us-eats-1"]`},
	})
	expect(t, ds[1], want{
		severity: diag.Error, code: "unknown-region", pos: textPos(t, dailyFile, text, `"us-eats-1"`),
		path: "policies.daily.plans.daily.regions.1", value: `"us-eats-1"`,
		message: []string{`"us-eats-1" is not an AWS Region`},
	})

	// A Region AWS opened after this release is declared.
	repo := repoOf([]*policy.Policy{p}, b)
	repo.NewRegions = []policy.Target{{Raw: "us-eats-1", Pos: posAt("policies/regions.cue", 3, 15)}}
	if ds := Run(repo, nil).Diags; len(ds) != 0 {
		t.Errorf("declared Region:\n%s", dump(ds))
	}
	repo.NewRegions = append(repo.NewRegions, policy.Target{Raw: "us-east-1", Pos: posAt("policies/regions.cue", 3, 28)})
	d := only(t, Run(repo, nil).Diags, "known-region")
	if d.Severity != diag.Warning || d.Pos.Col != 28 {
		t.Errorf("got %s at %s", d.Severity, d.Pos)
	}

	// Copy destinations and KMS keys name Regions too.
	copyText := strings.Replace(dailyPlans, `"lifecycle": {"delete_after_days": 35}`,
		`"copy_actions": {"arn:aws:backup:eu-wst-1:$account:backup-vault:main-vault": {}}`, 1)
	p = newPolicy(t, "daily", copyText, "Root")
	b = newBaseline("main", "backup-role", "main-vault", []string{"us-east-1", "eu-wst-1"}, "Root")
	b.VaultKMSKeyARN = "arn:aws:kms:$region:111122223333:key/k"
	var got []string
	for _, d := range Run(repoOf([]*policy.Policy{p}, b), nil).Diags {
		got = append(got, d.Code+" "+d.Path)
	}
	want := []string{
		"unknown-region baselines.main.regions.1",
		`unknown-region policies.daily.plans.daily.rules.hourly.copy_actions."arn:aws:backup:eu-wst-1:$account:backup-vault:main-vault"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	b = mainBaseline()
	b.VaultKMSKeyARN = "arn:aws:kms:us-est-1:111122223333:key/k"
	b.VaultKMSKeyARNPos = posAt(baselineFile, 23, 22)
	d = only(t, Run(repoOf(nil, b), nil).Diags, "unknown-region")
	if d.Pos != b.VaultKMSKeyARNPos || !strings.Contains(d.Hint, `did you mean "us-east-1"?`) {
		t.Errorf("KMS key: %s at %s (hint %s)", d.Message, d.Pos, d.Hint)
	}
}

func TestKMSKeyRegion(t *testing.T) {
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1", "eu-west-1"}, "Root")
	b.VaultKMSKeyARN = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234"
	b.VaultKMSKeyARNPos = posAt(baselineFile, 23, 22)
	d := only(t, Run(repoOf(nil, b), nil).Diags, "kms-key-region")
	expect(t, d, want{
		severity: diag.Error, code: "kms-key-region", pos: b.VaultKMSKeyARNPos,
		path: "baselines.main.vault_kms_key_arn", value: `"arn:aws:kms:us-east-1:111122223333:key/mrk-1234"`,
		message: []string{`vault_kms_key_arn of baseline "main" is a key in us-east-1, but the baseline creates its vault in eu-west-1 too`},
		hint:    []string{`"arn:aws:kms:$region:111122223333:key/mrk-1234"`, "or create the vault in us-east-1 only"},
		related: []diag.Related{{Pos: b.RegionsPos, Label: `baseline "main" regions`}},
	})
	// (An alias ARN is refused on its own: kms-key-alias.)
	for _, arn := range []string{"arn:aws:kms:$region:111122223333:key/mrk-1234", "arn:aws:kms:us-east-1:111122223333:key/other"} {
		b.VaultKMSKeyARN = arn
		b.Regions = []string{"us-east-1"}
		if ds := Run(repoOf(nil, b), nil).Diags; len(ds) != 0 {
			t.Errorf("%s:\n%s", arn, dump(ds))
		}
	}
}

func TestOverlappingBaselines(t *testing.T) {
	a := newBaseline("org", "backup-role", "main-vault", []string{"us-east-1", "eu-west-1"}, "Root")
	b := newBaseline("prod", "backup-role", "main-vault", []string{"eu-west-1"}, "Root/Prod")
	b.Pos, b.RoleNamePos, b.VaultNamePos = posAt("policies/prod.cue", 1, 1), posAt("policies/prod.cue", 5, 14), posAt("policies/prod.cue", 6, 15)
	ds := Run(repoOf(nil, a, b), nil).Diags
	if got := codes(ds); strings.Join(got, ",") != "error baseline-overlap ,error baseline-overlap " {
		t.Fatalf("got %q\n%s", got, dump(ds))
	}
	expect(t, ds[0], want{
		severity: diag.Error, code: "baseline-overlap", pos: b.RoleNamePos,
		message: []string{`baselines "org" and "prod" both create role "backup-role" in the accounts under Root/Prod; the second one's stacks fail there because the role already exists`},
		hint:    []string{"remove role_name from one of them"},
		related: []diag.Related{{Pos: a.RoleNamePos, Label: `baseline "org"`}},
	})
	expect(t, ds[1], want{
		severity: diag.Error, code: "baseline-overlap", pos: b.VaultNamePos,
		message: []string{`baselines "org" and "prod" both create vault "main-vault" in eu-west-1 in the accounts under Root/Prod`},
		hint:    []string{"drop the shared Regions from one of them"},
		related: []diag.Related{{Pos: a.VaultNamePos, Label: `baseline "org"`}},
	})
	// Different Regions, or targets that do not overlap, are fine; so are
	// targets whose overlap cannot be told without the organization.
	for _, tc := range []struct {
		name   string
		mutate func(b *policy.Baseline)
	}{
		{"a vault in other Regions, no role", func(b *policy.Baseline) { b.Regions = []string{"ap-south-1"}; b.RoleName = "" }},
		{"other accounts", func(b *policy.Baseline) { a.Targets = targets(baselineFile, "Root/Dev") }},
		{"ids", func(b *policy.Baseline) { a.Targets = targets(baselineFile, "ou-ab12-11111111") }},
	} {
		b := newBaseline("prod", "backup-role", "main-vault", []string{"eu-west-1"}, "Root/Prod")
		tc.mutate(b)
		if ds := Run(repoOf(nil, a, b), nil).Diags; len(ds) != 0 {
			t.Errorf("%s:\n%s", tc.name, dump(ds))
		}
	}
}

// With an org snapshot, targets are checked against the organization: a
// misspelt OU is an error, not a warning to pass --org.
func TestTargetsAgainstTheOrganization(t *testing.T) {
	p := newPolicy(t, "daily", dailyPlans, "Root/Workload")
	b := newBaseline("main", "backup-role", "main-vault", []string{"us-east-1"}, "ou-ab12-99999999")
	r := fakeResolver{unknown: map[string]string{
		"Root/Workload":    `no OU "Workload" under Root`,
		"ou-ab12-99999999": "no organizational unit ou-ab12-99999999 in the snapshot",
	}}
	ds := Run(repoOf([]*policy.Policy{p}, b), r).Diags
	if got := codes(ds); strings.Join(got, ",") != "error unknown-target ,error unknown-target " {
		t.Fatalf("got %q\n%s", got, dump(ds))
	}
	expect(t, ds[0], want{
		severity: diag.Error, code: "unknown-target", pos: b.Targets[0].Pos, value: `"ou-ab12-99999999"`,
		message: []string{`baseline "main" is attached to "ou-ab12-99999999": no organizational unit ou-ab12-99999999 in the snapshot`},
		hint:    []string{"did you mean"},
	})
	expect(t, ds[1], want{
		severity: diag.Error, code: "unknown-target", pos: p.Targets[0].Pos, value: `"Root/Workload"`,
		message: []string{`policy "daily" is attached to "Root/Workload": no OU "Workload" under Root`},
		hint:    []string{"did you mean"},
	})
	for _, d := range ds {
		if strings.Contains(d.Hint, "--org") {
			t.Errorf("hint to pass --org although it was passed: %s", d.Hint)
		}
	}

	// Backup policies not enabled: nothing can be attached until plan
	// enables the type, which it does first.
	r = fakeResolver{disabled: true}
	p = newPolicy(t, "daily", dailyPlans, "Root")
	d := only(t, Run(repoOf([]*policy.Policy{p}, mainBaseline()), r).Diags, "backup-policies-disabled")
	expect(t, d, want{
		severity: diag.Notice, code: "backup-policies-disabled", pos: p.Targets[0].Pos,
		message: []string{"the organization has not enabled backup policies"},
		hint:    []string{"orgbackup plan enables the type on the root before it attaches anything"},
	})
	if ds := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags; len(ds) != 0 {
		t.Errorf("without a snapshot nothing is known:\n%s", dump(ds))
	}
}

func TestBareValuesInJSON(t *testing.T) {
	const text = `{"daily": {"regions": {"@@assign": ["us-east-1"]}, "rules": {"hourly": {
  "schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": "main-vault"}},
  "selections": {"tags": {"tagged": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/backup-role"},
    "tag_key": {"@@assign": "Backup"}, "tag_value": ["On"]}}}}}`
	p := &policy.Policy{Name: "daily", Pos: posAt("policies/daily.json", 1, 1), Targets: targets("policies/daily.cue", "Root"), Plans: plans(t, "policies/daily.json", text)}
	d := only(t, Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags, "bare-value")
	expect(t, d, want{
		severity: diag.Warning, code: "bare-value", pos: textPos(t, "policies/daily.json", text, `"main-vault"`), value: `"main-vault"`,
		message: []string{`policy "daily" writes 2 settings as bare values, the form of an effective policy; orgbackup reads each as {"@@assign": value}`},
		hint:    []string{`write {"@@assign": "main-vault"}`, "orgbackup import --json policies/daily.json"},
	})
	// In CUE, plain values are the author form.
	p.Plans = plans(t, "policies/daily.cue", text)
	if ds := Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags; len(ds) != 0 {
		t.Errorf("CUE:\n%s", dump(ds))
	}
}

func TestChildChanges(t *testing.T) {
	locked := strings.Replace(dailyPlans, `"regions": ["us-east-1"],`,
		`"regions": ["us-east-1"], "children_may_change": {"regions": ["@@append"], "advanced_backup_settings": ["@@all"]},`, 1)
	p := newPolicy(t, "daily", locked, "Root")
	d := only(t, Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags, "child-change-unknown")
	expect(t, d, want{
		severity: diag.Error, code: "child-change-unknown", pos: textPos(t, dailyFile, locked, `"advanced_backup_settings"`),
		path:    "policies.daily.plans.daily.children_may_change.advanced_backup_settings",
		message: []string{`children_may_change names advanced_backup_settings, which plan "daily" does not set`},
		hint:    []string{"set it in the plan"},
	})
	both := strings.Replace(locked, `, "advanced_backup_settings": ["@@all"]`, "", 1)
	both = strings.Replace(both, `"tag_key": "Backup"`, `"tag_key": {"@@assign": "Backup", "@@operators_allowed_for_child_policies": ["@@none"]}`, 1)
	p = newPolicy(t, "daily", both, "Root")
	d = only(t, Run(repoOf([]*policy.Policy{p}, mainBaseline()), nil).Diags, "child-control-twice")
	if d.Pos != textPos(t, dailyFile, both, `"@@operators_allowed_for_child_policies"`) || !strings.Contains(d.Hint, "say it in one place") {
		t.Errorf("got %s at %s", d.Message, d.Pos)
	}
}

// A child policy's change that a parent's child controls forbid is
// ignored by Organizations: validate says so where the change is written.
func TestOverridesIgnored(t *testing.T) {
	parent := strings.Replace(dailyPlans, `"regions": ["us-east-1"],`, `"regions": ["us-east-1"], "children_may_change": {"regions": ["@@append"]},`, 1)
	const childText = `{"daily": {"regions": {"@@assign": ["eu-west-1"]}, "rules": {"hourly": {"target_backup_vault_name": "other"}}}}`
	a := newPolicy(t, "base", parent, "Root")
	b := newPolicy(t, "prod", childText, "Root/Prod")
	b.Partial = true
	ds := Run(repoOf([]*policy.Policy{a, b}, mainBaseline(), newBaseline("other", "", "other", []string{"us-east-1", "eu-west-1"}, "Root")), nil).Diags
	var got []diag.Diagnostic
	for _, d := range ds {
		if d.Code == "child-override-ignored" {
			got = append(got, d)
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %d child-override-ignored, want 2:\n%s", len(got), dump(ds))
	}
	expect(t, got[0], want{
		severity: diag.Warning, code: "child-override-ignored", pos: textPos(t, "policies/prod.cue", childText, `"@@assign": ["eu-west-1"]`),
		message: []string{`policy "prod", attached to Root/Prod below policy "base" (Root), changes plans.daily.regions, which Organizations ignores: ignored @@assign: lower levels may only use [@@append] on this setting`},
		hint:    []string{`remove the change from policy "prod", or allow it in policy "base" (children_may_change`},
		related: got[0].Related,
	})
	if len(got[0].Related) != 1 || !strings.Contains(got[0].Related[0].Label, `restricted by policy "base"`) {
		t.Errorf("related: %v", got[0].Related)
	}
	if !strings.Contains(got[1].Message, "changes plans.daily.rules.hourly.target_backup_vault_name") {
		t.Errorf("second: %s", got[1].Message)
	}
	// At the same target restrictions do not bind; attached elsewhere,
	// they do not reach.
	for _, tgt := range []string{"Root", "Root/Other"} {
		a.Targets = targets("policies/base.cue", "Root/Prod")
		b.Targets = targets("policies/prod.cue", tgt)
		for _, d := range Run(repoOf([]*policy.Policy{a, b}, mainBaseline(), newBaseline("other", "", "other", []string{"us-east-1", "eu-west-1"}, "Root")), nil).Diags {
			if d.Code == "child-override-ignored" {
				t.Errorf("child at %s: %s", tgt, d.Message)
			}
		}
	}
}

// A Report holds what loading and checking found, sorted; the checks run
// only when the definitions load.
func TestNewReport(t *testing.T) {
	loaded := diag.List{
		diag.Warningf("w", posAt("policies/b.cue", 2, 1), "later"),
		diag.Warningf("w", posAt("policies/a.cue", 1, 1), "earlier"),
	}
	rep := NewReport("policies", nil, loaded, nil)
	if !rep.Valid() || rep.Policies != 0 || rep.Diags[0].Message != "earlier" || rep.Sizes != nil {
		t.Errorf("without a repository: %+v", rep)
	}
	p := newPolicy(t, "daily", dailyPlans, "Root")
	rep = NewReport("policies", repoOf([]*policy.Policy{p}), loaded, nil)
	if rep.Valid() || rep.Policies != 1 || len(rep.Sizes) != 1 || len(rep.Diags) != 4 {
		t.Errorf("with a repository: %+v\n%s", rep, dump(rep.Diags))
	}
	if loaded[0].Message != "later" {
		t.Error("NewReport sorted its argument")
	}
}
