package check

import (
	"slices"
	"testing"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
)

func TestMerge(t *testing.T) {
	at := doc.Pos{File: "p.cue", Line: 1, Col: 1}
	e := func(code, path string) diag.Diagnostic { return diag.Errorf(code, at, "%s", code).WithPath(path) }
	w := func(code, path string) diag.Diagnostic { return diag.Warningf(code, at, "%s", code).WithPath(path) }
	const rule = `policies.p.plans.daily.rules.hourly`
	for _, tc := range []struct {
		name            string
		loaded, checked diag.List
		want            []string // code and path of what is kept, in merge's order
	}{
		{
			name:    "no errors from loading: everything",
			loaded:  diag.List{w("build-output", "")},
			checked: diag.List{e("key-required", rule), e("invalid-value", rule+".start_backup_window_minutes")},
			want:    []string{"build-output ", "key-required " + rule, "invalid-value " + rule + ".start_backup_window_minutes"},
		},
		{
			name:    "a value both judge: the check's words",
			loaded:  diag.List{e("invalid-value", rule+".start_backup_window_minutes")},
			checked: diag.List{e("invalid-value", rule+".start_backup_window_minutes")},
			want:    []string{"invalid-value " + rule + ".start_backup_window_minutes"},
		},
		{
			name:    "the operator form's @@assign is the same value",
			loaded:  diag.List{e("invalid-value", rule+`.lifecycle.delete_after_days."@@assign"`)},
			checked: diag.List{e("lifecycle-too-short", rule+".lifecycle.delete_after_days")},
			want:    []string{"lifecycle-too-short " + rule + ".lifecycle.delete_after_days"},
		},
		{
			name:    "a type error: the schema's words",
			loaded:  diag.List{e("type", rule+".schedule_expression")},
			checked: diag.List{e("invalid-value", rule+".schedule_expression")},
			want:    []string{"type " + rule + ".schedule_expression"},
		},
		{
			name:    "a count: the schema's words",
			loaded:  diag.List{e("constraint", `policies.p.plans.daily.selections.tags`)},
			checked: diag.List{e("elements-too-many", `policies.p.plans.daily.selections.tags`), e("vault-not-provided", `policies.p.plans.daily.selections.tags.s.iam_role_arn`)},
			want:    []string{"vault-not-provided policies.p.plans.daily.selections.tags.s.iam_role_arn", "constraint policies.p.plans.daily.selections.tags"},
		},
		{
			name:    "below a rejected value, and an error about what holds it",
			loaded:  diag.List{e("unknown-key", rule+".lifecycle.delete_after_days.days")},
			checked: diag.List{e("invalid-value", rule+".lifecycle.delete_after_days"), e("invalid-value", rule+".lifecycle.delete_after_days.days"), w("plan-merge", rule+".lifecycle")},
			want:    []string{"plan-merge " + rule + ".lifecycle", "unknown-key " + rule + ".lifecycle.delete_after_days.days"},
		},
		{
			name:    "keys are the schema's, in a policy with errors only",
			loaded:  diag.List{e("unknown-key", rule+".retention")},
			checked: diag.List{e("key-required", rule), e("key-required", `policies.q.plans.daily`), e("vault-not-provided", rule+".target_backup_vault_name")},
			want:    []string{"key-required policies.q.plans.daily", "vault-not-provided " + rule + ".target_backup_vault_name", "unknown-key " + rule + ".retention"},
		},
		{
			name:    "a quoted policy name",
			loaded:  diag.List{e("invalid-value", `policies."my.policy".plans.daily.regions.0`)},
			checked: diag.List{e("unknown-region", `policies."my.policy".plans.daily.regions.0`)},
			want:    []string{"unknown-region " + `policies."my.policy".plans.daily.regions.0`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range merge(tc.loaded, tc.checked) {
				got = append(got, d.Code+" "+d.Path)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("merge kept\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestSettled(t *testing.T) {
	at := doc.Pos{File: "p.cue", Line: 1, Col: 1}
	for _, tc := range []struct {
		loaded diag.List
		want   bool
	}{
		{diag.List{diag.Errorf("invalid-value", at, "x").WithPath("policies.p.plans.daily.regions.0")}, true},
		{diag.List{diag.Warningf("build-output", at, "x")}, true},
		{diag.List{diag.Errorf("unknown-key", at, "x").WithPath("baselines.b.vault_nmae")}, false},
		{diag.List{diag.Errorf("invalid-value", at, "x").WithPath("new_regions.0")}, false},
		{diag.List{diag.Errorf("duplicate-definition", at, "x")}, false},
	} {
		if got := settled(tc.loaded); got != tc.want {
			t.Errorf("settled(%s) = %v, want %v", tc.loaded[0].Path, got, tc.want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	for path, want := range map[string][]string{
		"":                                    nil,
		"policies.p.plans.daily.regions.0":    {"policies", "p", "plans", "daily", "regions", "0"},
		`policies."a.b".plans."x\"y".regions`: {"policies", "a.b", "plans", `x"y`, "regions"},
		`policies.p.plans.d.regions."@@append".1`: {"policies", "p", "plans", "d", "regions", "1"},
	} {
		if got := splitPath(path); !slices.Equal(got, want) {
			t.Errorf("splitPath(%q) = %q, want %q", path, got, want)
		}
	}
}
