package backup

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Paths into validEffective.
const (
	planP   = "plans/daily"
	ruleP   = planP + "/rules/hourly"
	lcP     = ruleP + "/lifecycle"
	copyP   = ruleP + "/copy_actions/arn:aws:backup:us-west-2:$account:backup-vault:dr"
	tagSelP = planP + "/selections/tags/tagged"
	resSelP = planP + "/selections/resources/everything"
	condP   = tagSelP + "/conditions"
)

// checkCase breaks validEffective with edits and lists the violations
// expected as "CODE path".
type checkCase struct {
	name  string
	edits []edit
	mode  Mode
	want  []string
	// message and hint, if set, must appear in the message and hint of
	// the first violation.
	message, hint string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := parse(t, validEffective)
			for _, e := range tc.edits {
				e(d)
			}
			got := Check(d, tc.mode)
			// A Memo finds the same, the second time from memory.
			memo := &Memo{}
			for range 2 {
				if m := memo.Check(d, tc.mode); !reflect.DeepEqual(m, got) {
					t.Fatalf("Memo.Check:\n%s\nCheck:\n%s", messages(m), messages(got))
				}
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if s := summary(got); !slices.Equal(s, want) {
				t.Fatalf("violations:\n  %s\nwant:\n  %s\nmessages:\n%s", strings.Join(s, "\n  "), strings.Join(want, "\n  "), messages(got))
			}
			for _, v := range got {
				checkWording(t, v)
				if v.Node == nil {
					t.Errorf("%s %s: no node", v.Code, v.PathString())
				}
			}
			if len(got) == 0 {
				return
			}
			if !strings.Contains(got[0].Message, tc.message) {
				t.Errorf("message %q does not contain %q", got[0].Message, tc.message)
			}
			if !strings.Contains(got[0].Hint, tc.hint) {
				t.Errorf("hint %q does not contain %q", got[0].Hint, tc.hint)
			}
		})
	}
}

func messages(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s %s: %s (hint: %s)\n", v.Code, v.PathString(), v.Message, v.Hint)
	}
	return b.String()
}

func TestCheckValidDocuments(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "every key, complete", mode: Complete},
		{name: "every key, partial", mode: Partial},
		{
			name: "keys in any case, as Organizations matches them",
			edits: []edit{
				func(d *doc.Node) { d.Fields[0].Key = "Plans" },
				func(d *doc.Node) { at(d, "Plans", "daily").Fields[0].Key = "REGIONS" },
				func(d *doc.Node) { at(d, "Plans", "daily", "rules", "hourly").Fields[0].Key = "Schedule_Expression" },
				func(d *doc.Node) {
					at(d, "Plans", "daily", "rules", "hourly", "scan_actions").Fields[0].Key = "guardduty"
				},
			},
		},
		{
			name: "operator keys are neither unknown keys nor entries",
			edits: []edit{
				set(planP+"/@@operators_allowed_for_child_policies", `["@@none"]`),
				set(planP+"/rules/@@operators_allowed_for_child_policies", `["@@append"]`),
				set("plans/@@operators_allowed_for_child_policies", `["@@all"]`),
				set(lcP+"/@@operators_allowed_for_child_policies", `["@@assign"]`),
			},
		},
		{
			name: "JSON numbers and booleans as well as AWS's strings",
			edits: []edit{
				set(ruleP+"/start_backup_window_minutes", `60`),
				set(ruleP+"/enable_continuous_backup", `false`),
				set(lcP+"/delete_after_days", `365`),
				set(lcP+"/opt_in_to_archive_for_supported_resources", `true`),
			},
		},
		{
			name:  "a plan that is not an object is reported once, not checked further",
			edits: []edit{set(planP, `"daily"`)},
			want:  []string{"INVALID_VALUE " + planP},
		},
	})
}

func TestCheckRequiredKeys(t *testing.T) {
	for _, tc := range []struct {
		remove string // the key removed
		object string // the object reported
		hint   string
	}{
		{"plans", "", `add plans, e.g. {"plans": {"daily": {...}}}`},
		{planP + "/regions", planP, `add regions, e.g. regions: ["us-east-1"]`},
		{planP + "/rules", planP, "add a rule with schedule_expression and target_backup_vault_name"},
		{planP + "/selections", planP, "add selections.tags or selections.resources"},
		{ruleP + "/target_backup_vault_name", ruleP, "add target_backup_vault_name: the vault that exists in every member account"},
		{tagSelP + "/iam_role_arn", tagSelP, `add iam_role_arn, e.g. "arn:aws:iam::$account:role/MyBackupRole"`},
		{tagSelP + "/tag_key", tagSelP, "add tag_key"},
		{tagSelP + "/tag_value", tagSelP, "add tag_value"},
		{resSelP + "/iam_role_arn", resSelP, "add iam_role_arn"},
		{resSelP + "/resource_types", resSelP, `add resource_types, e.g. ["*"]`},
		{ruleP + "/recovery_point_tags/owner/tag_key", ruleP + "/recovery_point_tags/owner", "add tag_key"},
		{planP + "/backup_plan_tags/team/tag_value", planP + "/backup_plan_tags/team", "add tag_value"},
		{condP + "/string_equals/env/condition_key", condP + "/string_equals/env", `add condition_key, e.g. "aws:ResourceTag/Department"`},
		{condP + "/string_equals/env/condition_value", condP + "/string_equals/env", "add condition_value"},
	} {
		key := tc.remove[strings.LastIndex(tc.remove, "/")+1:]
		runCheckCases(t, []checkCase{{
			name:    "missing " + tc.remove,
			edits:   []edit{del(tc.remove)},
			want:    []string{"KEY_REQUIRED " + tc.object},
			message: fmt.Sprintf("is missing required key %q", key),
			hint:    tc.hint,
		}, {
			name:  "missing " + tc.remove + " in a partial policy",
			edits: []edit{del(tc.remove)},
			mode:  Partial,
		}})
	}
}

func TestCheckRequiredKeyMessageNamesTheObject(t *testing.T) {
	for _, tc := range []struct {
		remove, message string
	}{
		{"plans", `the policy is missing required key "plans"`},
		{planP + "/regions", `plan "daily" is missing required key "regions"`},
		{tagSelP + "/tag_key", `selection "tagged" is missing required key "tag_key"`},
		{resSelP + "/resource_types", `selection "everything" is missing required key "resource_types"`},
		{ruleP + "/recovery_point_tags/owner/tag_key", `tag "owner" is missing required key "tag_key"`},
		{condP + "/string_equals/env/condition_key", `condition "env" is missing required key "condition_key"`},
	} {
		d := parse(t, validEffective)
		del(tc.remove)(d)
		got := Check(d, Complete)
		if len(got) != 1 || got[0].Message != tc.message {
			t.Errorf("without %s: got\n%swant message %q", tc.remove, messages(got), tc.message)
		}
	}
}

// rulesOf makes n valid rules.
func rulesOf(i int) (string, string) {
	return fmt.Sprintf("r%d", i), `{"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "main-vault"}`
}

func copyOf(i int) (string, string) {
	return fmt.Sprintf("arn:aws:backup:us-west-%d:$account:backup-vault:dr", i+1), `{}`
}

func tagOf(i int) (string, string) {
	return fmt.Sprintf("t%d", i), fmt.Sprintf(`{"tag_key": "k%d", "tag_value": "v"}`, i)
}

func tagSelOf(i int) (string, string) {
	return fmt.Sprintf("s%d", i), `{"iam_role_arn": "arn:aws:iam::$account:role/backup", "tag_key": "Backup", "tag_value": ["On"]}`
}

func resSelOf(i int) (string, string) {
	return fmt.Sprintf("s%d", i), `{"iam_role_arn": "arn:aws:iam::$account:role/backup", "resource_types": ["*"]}`
}

func condOf(i int) (string, string) {
	return fmt.Sprintf("c%d", i), `{"condition_key": "aws:ResourceTag/Env", "condition_value": "prod"}`
}

func TestCheckQuotas(t *testing.T) {
	value := func(i int) string { return fmt.Sprintf("v%d", i) }
	runCheckCases(t, []checkCase{
		{name: "10 rules", edits: []edit{fill(planP+"/rules", 10, rulesOf)}},
		{
			name: "11 rules", edits: []edit{fill(planP+"/rules", 11, rulesOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + planP + "/rules"},
			message: `plan "daily" has 11 rules; at most 10 are allowed`, hint: "AWS quota: 10 rules per backup plan; move some rules to a second plan",
		},
		{
			name:  "11 rules in a partial policy",
			edits: []edit{fill(planP+"/rules", 11, rulesOf)}, mode: Partial,
			want: []string{"ELEMENTS_TOO_MANY " + planP + "/rules"},
		},
		{name: "5 copy actions", edits: []edit{fill(ruleP+"/copy_actions", 5, copyOf)}},
		{
			name: "6 copy actions", edits: []edit{fill(ruleP+"/copy_actions", 6, copyOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + ruleP + "/copy_actions"},
			message: `rule "hourly" has 6 copy actions; at most 5 are allowed`, hint: "AWS quota: 5 copy actions per rule; copy to fewer vaults, or move some copy actions to a second rule",
		},
		{name: "10 recovery point tags", edits: []edit{fill(ruleP+"/recovery_point_tags", 10, tagOf)}},
		{
			name: "11 recovery point tags", edits: []edit{fill(ruleP+"/recovery_point_tags", 11, tagOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + ruleP + "/recovery_point_tags"},
			message: `rule "hourly" has 11 tags; at most 10 are allowed`, hint: "AWS quota: 10 tags per recovery point; drop some tags",
		},
		{name: "backup plan tags have no quota", edits: []edit{fill(planP+"/backup_plan_tags", 50, tagOf)}},
		{name: "10 tag selections", edits: []edit{fill(planP+"/selections/tags", 10, tagSelOf)}},
		{
			name: "11 tag selections", edits: []edit{fill(planP+"/selections/tags", 11, tagSelOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + planP + "/selections/tags"},
			message: `plan "daily" has 11 tag selections; at most 10 are allowed`, hint: "AWS quota: 10 tag-based resource assignments per plan; combine selections (one selection can list several tag values), or move some to a second plan",
		},
		{name: "100 resource selections and no tags", edits: []edit{fill(planP+"/selections/resources", 100, resSelOf), del(planP + "/selections/tags")}},
		{
			name: "101 resource selections", edits: []edit{fill(planP+"/selections/resources", 101, resSelOf), del(planP + "/selections/tags")},
			want:    []string{"ELEMENTS_TOO_MANY " + planP + "/selections/resources"},
			message: `plan "daily" has 101 resource selections; at most 100 are allowed`,
		},
		{
			name:  "101 resource selections and a tag selection are reported once",
			edits: []edit{fill(planP+"/selections/resources", 101, resSelOf)},
			want:  []string{"ELEMENTS_TOO_MANY " + planP + "/selections/resources"},
		},
		{name: "10 tag and 90 resource selections", edits: []edit{fill(planP+"/selections/tags", 10, tagSelOf), fill(planP+"/selections/resources", 90, resSelOf)}},
		{
			name:    "10 tag and 91 resource selections",
			edits:   []edit{fill(planP+"/selections/tags", 10, tagSelOf), fill(planP+"/selections/resources", 91, resSelOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + planP + "/selections"},
			message: `plan "daily" has 101 selections under tags and resources together; at most 100 are allowed`,
			hint:    "AWS quota: 100 resource assignments per plan; combine selections (one selection can list several tag values), or move some to a second plan",
		},
		{name: "30 tag values", edits: []edit{set(tagSelP+"/tag_value", strs(30, value))}},
		{
			name: "31 tag values", edits: []edit{set(tagSelP+"/tag_value", strs(31, value))},
			want:    []string{"ELEMENTS_TOO_MANY " + tagSelP + "/tag_value"},
			message: "tag_value has 31 values; at most 30 are allowed", hint: "AWS quota: 30 tags per resource assignment; split the values over two selections",
		},
		{
			name: "30 conditions over several maps",
			edits: []edit{fill(condP+"/string_equals", 15, condOf), fill(condP+"/string_like", 10, condOf),
				fill(condP+"/string_not_equals", 4, condOf), fill(condP+"/string_not_like", 1, condOf)},
		},
		{
			name:    "31 conditions over several maps",
			edits:   []edit{fill(condP+"/string_equals", 16, condOf), fill(condP+"/string_like", 15, condOf)},
			want:    []string{"ELEMENTS_TOO_MANY " + condP},
			message: `selection "tagged" has 31 conditions; at most 30 are allowed`, hint: "AWS quota: 30 conditions per resource assignment; drop some conditions, or split the selection in two",
		},
		{name: "1 index resource type", edits: []edit{set(ruleP+"/index_actions/resource_types", `["S3"]`)}},
		{
			// AWS's Example 1 (SYNTAX, "Policy assigned to a parent node")
			// indexes both; the Backup API takes one per rule: a warning.
			name: "2 index resource types", edits: []edit{set(ruleP+"/index_actions/resource_types", `["EBS", "S3"]`)},
			want:    []string{"INDEX_RESOURCE_TYPES " + ruleP + "/index_actions/resource_types"},
			message: `index_actions.resource_types of rule "hourly" lists 2 resource types; the AWS Backup API accepts one per rule`,
			hint:    "add a second rule with its own index_actions",
		},
	})
}

func TestCheckTooFew(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name: "no regions", edits: []edit{set(planP+"/regions", `[]`)},
			want:    []string{"ELEMENTS_TOO_FEW " + planP + "/regions"},
			message: "regions has 0 values; at least 1 is required", hint: `list the Regions the plan runs in, e.g. ["us-east-1"]`,
		},
		{name: "no regions in a partial policy", edits: []edit{set(planP+"/regions", `[]`)}, mode: Partial},
		{
			name: "no rules", edits: []edit{set(planP+"/rules", `{}`)},
			want:    []string{"ELEMENTS_TOO_FEW " + planP + "/rules"},
			message: `plan "daily" has 0 rules; at least 1 is required`, hint: "add a rule with schedule_expression and target_backup_vault_name",
		},
		{
			name:  "only a child control operator is no rule",
			edits: []edit{set(planP+"/rules", `{"@@operators_allowed_for_child_policies": ["@@none"]}`)},
			want:  []string{"ELEMENTS_TOO_FEW " + planP + "/rules"},
		},
		{
			name: "no plans", edits: []edit{set("plans", `{}`)},
			want:    []string{"ELEMENTS_TOO_FEW plans"},
			message: "the policy has 0 plans; at least 1 is required", hint: "add a plan",
		},
		{
			name: "no tag values", edits: []edit{set(tagSelP+"/tag_value", `[]`)},
			want:    []string{"ELEMENTS_TOO_FEW " + tagSelP + "/tag_value"},
			message: "tag_value has 0 values; at least 1 is required", hint: `e.g. ["On"]`,
		},
		{
			name: "no resource types", edits: []edit{set(resSelP+"/resource_types", `[]`)},
			want: []string{"ELEMENTS_TOO_FEW " + resSelP + "/resource_types"},
			hint: `e.g. ["*"]`,
		},
		{
			name: "selections that select nothing", edits: []edit{set(planP+"/selections", `{"tags": {}, "resources": {"@@operators_allowed_for_child_policies": ["@@all"]}}`)},
			want:    []string{"ELEMENTS_TOO_FEW " + planP + "/selections"},
			message: `plan "daily" selects no resources`, hint: "add a selection under selections.tags",
		},
		{name: "selections that select nothing in a partial policy", edits: []edit{set(planP+"/selections", `{}`)}, mode: Partial},
		{name: "only resource selections", edits: []edit{del(planP + "/selections/tags")}},
		{name: "only tag selections", edits: []edit{del(planP + "/selections/resources")}},
	})
}

func TestCheckValueTypes(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name: "a whole number as text", edits: []edit{set(ruleP+"/start_backup_window_minutes", `"sixty"`)},
			want:    []string{"INVALID_VALUE " + ruleP + "/start_backup_window_minutes"},
			message: `start_backup_window_minutes must be a whole number, not "sixty"`, hint: `write a whole number such as "60"`,
		},
		{
			name: "a fraction", edits: []edit{set(lcP+"/delete_after_days", `120.5`)},
			want:    []string{"INVALID_VALUE " + lcP + "/delete_after_days"},
			message: "delete_after_days must be a whole number, not 120.5",
		},
		{
			name: "a boolean as text", edits: []edit{set(ruleP+"/enable_continuous_backup", `"yes"`)},
			want:    []string{"INVALID_VALUE " + ruleP + "/enable_continuous_backup"},
			message: `enable_continuous_backup must be true or false, not "yes"`, hint: `write "true" or "false"`,
		},
		{
			name: "a capitalised boolean", edits: []edit{set(lcP+"/opt_in_to_archive_for_supported_resources", `"True"`)},
			want: []string{"INVALID_VALUE " + lcP + "/opt_in_to_archive_for_supported_resources"},
		},
		{
			name: "a number for a string", edits: []edit{set(ruleP+"/target_backup_vault_name", `2024`)},
			want:    []string{"INVALID_VALUE " + ruleP + "/target_backup_vault_name"},
			message: "target_backup_vault_name must be a string, not number", hint: "write the value in double quotes",
		},
		{
			name: "a string for a list", edits: []edit{set(planP+"/regions", `"us-east-1"`)},
			want:    []string{"INVALID_VALUE " + planP + "/regions"},
			message: "regions must be a list, not string", hint: "write a list",
		},
		{
			name: "a number in a list of strings", edits: []edit{set(planP+"/regions", `["us-east-1", 1]`)},
			want:    []string{"INVALID_VALUE " + planP + "/regions/1"},
			message: "regions[1] must be a string, not number",
		},
		{
			name: "a string for an object", edits: []edit{set(lcP, `"forever"`)},
			want:    []string{"INVALID_VALUE " + lcP},
			message: "lifecycle must be an object, not string", hint: "write lifecycle as an object of keys",
		},
		{
			name: "a list for a map", edits: []edit{set(planP+"/rules", `[]`)},
			want:    []string{"INVALID_VALUE " + planP + "/rules"},
			message: "rules must be an object, not list",
		},
		{
			name: "a misspelt key", edits: []edit{set(ruleP+"/schedule_expresion", `"cron(0 5 ? * * *)"`)},
			want:    []string{"UNKNOWN_KEY " + ruleP + "/schedule_expresion"},
			message: `unknown key "schedule_expresion" in rule "hourly"`,
			hint:    `did you mean "schedule_expression"? allowed keys: complete_backup_window_minutes, copy_actions,`,
		},
		{
			name: "an unknown key with no likely match", edits: []edit{set(lcP+"/zzz", `"1"`)},
			want: []string{"UNKNOWN_KEY " + lcP + "/zzz"},
			hint: "allowed keys: delete_after_days, move_to_cold_storage_after_days, opt_in_to_archive_for_supported_resources",
		},
		{
			name: "an unknown top-level key", edits: []edit{set("Policy", `{}`)},
			want:    []string{"UNKNOWN_KEY Policy"},
			message: `unknown key "Policy" in the policy`,
		},
	})
}

func TestCheckWholeDocumentNotAnObject(t *testing.T) {
	got := Check(js(`["plans"]`), Complete)
	if s := summary(got); !slices.Equal(s, []string{"INVALID_VALUE "}) {
		t.Fatalf("got %v", s)
	}
	if got[0].Message != "the policy must be an object, not list" {
		t.Errorf("message %q", got[0].Message)
	}
	if got := Check(nil, Complete); len(got) != 0 {
		t.Errorf("nil document: %v", summary(got))
	}
}

func TestCheckRegions(t *testing.T) {
	var cases []checkCase
	for _, r := range []string{"us-east-1", "eu-west-2", "ap-northeast-3", "ap-southeast-4", "eu-central-2", "ca-west-1",
		"me-south-1", "il-central-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "cn-northwest-1"} {
		cases = append(cases, checkCase{name: r, edits: []edit{set(planP+"/regions", fmt.Sprintf(`[%q]`, r))}})
	}
	// Whether a Region exists is the checks' business (internal/region);
	// the shape is checked everywhere, effective policies included.
	for _, r := range []string{"us-middle-1", "eusc-de-east-1", "xx-new-1"} {
		cases = append(cases, checkCase{name: "shaped " + r, edits: []edit{set(planP+"/regions", fmt.Sprintf(`[%q]`, r))}})
	}
	for _, r := range []string{"US-EAST-1", "us-east", "useast1", "us-east-1a", "$region", "", "us-east-100"} {
		cases = append(cases, checkCase{
			name:    "not " + r,
			edits:   []edit{set(planP+"/regions", fmt.Sprintf(`["us-east-1", %q]`, r))},
			want:    []string{"INVALID_VALUE " + planP + "/regions/1"},
			message: fmt.Sprintf("%q is not an AWS Region code", r),
			hint:    `write a Region code such as "us-east-1"`,
		})
	}
	runCheckCases(t, cases)
}

func TestCheckVaultNames(t *testing.T) {
	var cases []checkCase
	for _, v := range []string{"ab", "Main_Vault-2", strings.Repeat("v", 50)} {
		cases = append(cases, checkCase{name: v, edits: []edit{set(ruleP+"/target_backup_vault_name", fmt.Sprintf("%q", v))}})
	}
	for _, v := range []string{"a", strings.Repeat("v", 51), "main vault", "vault.1", "arn:aws:backup:us-east-1:111122223333:backup-vault:x"} {
		cases = append(cases, checkCase{
			name:    "not " + v,
			edits:   []edit{set(ruleP+"/target_backup_vault_name", fmt.Sprintf("%q", v))},
			want:    []string{"INVALID_VALUE " + ruleP + "/target_backup_vault_name"},
			message: fmt.Sprintf("%q is not a valid backup vault name", v),
			hint:    "2 to 50 letters, digits, '-' or '_'",
		})
	}
	runCheckCases(t, cases)
}

func TestCheckSchedules(t *testing.T) {
	sched := func(s string) []edit { return []edit{set(ruleP+"/schedule_expression", fmt.Sprintf("%q", s))} }
	const at = ruleP + "/schedule_expression"
	runCheckCases(t, []checkCase{
		{name: "hourly", edits: sched("cron(0 * ? * * *)")},
		{name: "two hours an hour apart across midnight", edits: sched("cron(30 0,23 ? * * *)")},
		{name: "once, in one year", edits: sched("cron(0 5 1 1 ? 2030)")},
		{
			name: "every 30 minutes", edits: sched("cron(0/30 * ? * * *)"),
			want:    []string{"SCHEDULE_TOO_FREQUENT " + at},
			message: `schedule_expression "cron(0/30 * ? * * *)" runs backups 30 minutes apart`,
			hint:    `AWS Backup rejects schedules less than 60 minutes apart; run at most hourly: select a single minute so that each selected hour runs once; use "cron(0 * ? * * *)"`,
		},
		{
			name: "two minutes of one hour", edits: sched("cron(0,30 5 ? * * *)"),
			want: []string{"SCHEDULE_TOO_FREQUENT " + at},
			hint: `use "cron(0 5 ? * * *)"`,
		},
		// Rate expressions: the Backup API takes cron only
		// (terraform-provider-aws #8269).
		{
			name: "every hour as a rate", edits: sched("rate(1 hour)"),
			want:    []string{"SCHEDULE_NOT_CRON " + at},
			message: `schedule_expression "rate(1 hour)" is a rate expression; AWS Backup takes cron expressions only`,
			hint:    `write "cron(0 * ? * * *)", which also runs every hour`,
		},
		{
			name: "twelve hours as a rate", edits: sched("rate(12 hours)"),
			want: []string{"SCHEDULE_NOT_CRON " + at},
			hint: `write "cron(0 0/12 ? * * *)", which also runs every 12 hours`,
		},
		{
			name: "three days as a rate", edits: sched("rate(3 days)"),
			want: []string{"SCHEDULE_NOT_CRON " + at},
			hint: `write a cron expression in UTC, e.g. "cron(0 0 1/3 * ? *)"; no cron expression runs exactly every 3 days`,
		},
		{
			name: "59 minutes as a rate", edits: sched("rate(59 minutes)"),
			want: []string{"SCHEDULE_NOT_CRON " + at},
			hint: `write a cron expression in UTC at most hourly, e.g. "cron(0 * ? * * *)"; AWS Backup also needs at least 60 minutes between backup jobs`,
		},
		{
			name: "hours out of range", edits: sched("cron(0 24 ? * * *)"),
			want:    []string{"INVALID_VALUE " + at},
			message: `invalid schedule_expression "cron(0 24 ? * * *)": hours: 24 is out of range 0-23`,
		},
		{
			name: "five fields", edits: sched("cron(0 5 * * *)"),
			want:    []string{"INVALID_VALUE " + at},
			message: `invalid schedule_expression "cron(0 5 * * *)"`,
		},
		{
			name: "not a schedule", edits: sched("daily"),
			want:    []string{"INVALID_VALUE " + at},
			message: `invalid schedule_expression "daily"`,
		},
		{name: "a schedule that is not a string is a type error only", edits: []edit{set(at, `5`)}, want: []string{"INVALID_VALUE " + at}, message: "must be a string"},
	})
}

func TestCheckWindows(t *testing.T) {
	var cases []checkCase
	// The start window "must be at least 60 minutes to avoid errors"
	// (SYNTAX); the completion window has no documented minimum.
	for _, w := range []struct {
		key, min  string
		good, bad []string
		hint      string
	}{
		{"start_backup_window_minutes", "60", []string{"60", "480", "52560000"}, []string{"59", "0", "-60", "52560001=52,560,001"},
			`set start_backup_window_minutes to at least 60 (AWS: "must be at least 60 minutes to avoid errors") and at most 52,560,000 (100 years)`},
		{"complete_backup_window_minutes", "1", []string{"1", "59", "60", "10080", "52560000"}, []string{"0", "-60", "52560001=52,560,001"},
			"set complete_backup_window_minutes to a positive number of minutes, at most 52,560,000 (100 years)"},
	} {
		at := ruleP + "/" + w.key
		for _, v := range w.good {
			cases = append(cases, checkCase{name: w.key + " " + v, edits: []edit{set(at, fmt.Sprintf("%q", v))}})
		}
		for _, bad := range w.bad {
			// value=as the message prints it
			v, shown, ok := strings.Cut(bad, "=")
			if !ok {
				shown = v
			}
			cases = append(cases, checkCase{
				name:    w.key + " " + v,
				edits:   []edit{set(at, fmt.Sprintf("%q", v))},
				want:    []string{"INVALID_VALUE " + at},
				message: fmt.Sprintf("%s is %s minutes; AWS Backup accepts %s to 52,560,000", w.key, shown, w.min),
				hint:    w.hint,
			})
		}
	}
	runCheckCases(t, cases)
}

func TestCheckLifecycles(t *testing.T) {
	lc := func(where, text string) []edit { return []edit{set(where, text)} }
	copyLC := copyP + "/lifecycle"
	runCheckCases(t, []checkCase{
		{name: "cold storage for exactly 90 days", edits: lc(lcP, `{"move_to_cold_storage_after_days": "30", "delete_after_days": "120"}`)},
		{
			name: "cold storage for 89 days", edits: lc(lcP, `{"move_to_cold_storage_after_days": "30", "delete_after_days": "119"}`),
			want:    []string{"LIFECYCLE_TOO_SHORT " + lcP + "/delete_after_days"},
			message: "delete_after_days (119) must be at least move_to_cold_storage_after_days (30) + 90: recovery points stay in cold storage at least 90 days",
			hint:    "set delete_after_days to at least 120, or move to cold storage earlier",
		},
		{
			name: "deleted before moving to cold storage", edits: lc(lcP, `{"move_to_cold_storage_after_days": 100, "delete_after_days": 50}`),
			want: []string{"LIFECYCLE_TOO_SHORT " + lcP + "/delete_after_days"},
			hint: "at least 190",
		},
		{name: "no cold storage, short retention", edits: lc(lcP, `{"delete_after_days": "1"}`)},
		{name: "cold storage, kept forever", edits: lc(lcP, `{"move_to_cold_storage_after_days": "1"}`)},
		{
			name: "a copy action's lifecycle follows the same rule", edits: lc(copyLC, `{"move_to_cold_storage_after_days": "10", "delete_after_days": "50"}`),
			want:    []string{"LIFECYCLE_TOO_SHORT " + copyLC + "/delete_after_days"},
			message: "delete_after_days (50) must be at least move_to_cold_storage_after_days (10) + 90",
		},
		{name: "a copy action's lifecycle, long enough", edits: lc(copyLC, `{"move_to_cold_storage_after_days": "10", "delete_after_days": "100"}`)},
		{name: "the longest retention", edits: lc(lcP, `{"delete_after_days": "36500"}`)},
		// "To remove the existing lifecycle and retention periods and keep
		// your recovery points indefinitely, specify -1 for
		// MoveToColdStorageAfterDays and DeleteAfterDays" (BKAPI Lifecycle).
		{name: "kept indefinitely", edits: lc(lcP, `{"move_to_cold_storage_after_days": "-1", "delete_after_days": "-1"}`)},
		{name: "to cold storage, kept indefinitely", edits: lc(lcP, `{"move_to_cold_storage_after_days": "30", "delete_after_days": -1}`)},
		{name: "never to cold storage", edits: lc(lcP, `{"move_to_cold_storage_after_days": "-1", "delete_after_days": "7"}`)},
		{
			name: "minus two days", edits: lc(lcP, `{"delete_after_days": "-2"}`),
			want:    []string{"INVALID_VALUE " + lcP + "/delete_after_days"},
			message: "delete_after_days is -2; it must be 1 to 36,500 days, or -1 (indefinitely)",
		},
		{
			name: "zero days", edits: lc(lcP, `{"delete_after_days": "0"}`),
			want:    []string{"INVALID_VALUE " + lcP + "/delete_after_days"},
			message: "delete_after_days is 0; it must be 1 to 36,500 days, or -1 (indefinitely)",
			hint:    "set delete_after_days to a number of days from 1 to 36,500, or to -1 to keep recovery points indefinitely",
		},
		{
			name: "more than 100 years", edits: lc(copyLC, `{"delete_after_days": "36501"}`),
			want:    []string{"INVALID_VALUE " + copyLC + "/delete_after_days"},
			message: "delete_after_days is 36,501; it must be 1 to 36,500 days",
		},
		{
			name: "cold storage after zero days", edits: lc(lcP, `{"move_to_cold_storage_after_days": "0", "delete_after_days": "90"}`),
			want:    []string{"INVALID_VALUE " + lcP + "/move_to_cold_storage_after_days"},
			message: "move_to_cold_storage_after_days is 0; it must be 1 to 36,500 days",
		},
	})
}

func TestCheckContinuousBackup(t *testing.T) {
	on := set(ruleP+"/enable_continuous_backup", `"true"`)
	runCheckCases(t, []checkCase{
		{name: "35 days", edits: []edit{on, set(lcP, `{"delete_after_days": "35"}`)}},
		{name: "a JSON true, 35 days", edits: []edit{set(ruleP+"/enable_continuous_backup", `true`), set(lcP, `{"delete_after_days": 35}`)}},
		{name: "no lifecycle", edits: []edit{on, del(lcP)}},
		{
			name: "kept indefinitely", edits: []edit{on, set(lcP, `{"delete_after_days": "-1"}`)},
			want:    []string{"CONTINUOUS_BACKUP_LIFECYCLE " + lcP + "/delete_after_days"},
			message: "with enable_continuous_backup, delete_after_days is at most 35, not -1 (indefinitely)",
		},
		{
			name: "36 days", edits: []edit{on, set(lcP, `{"delete_after_days": "36"}`)},
			want:    []string{"CONTINUOUS_BACKUP_LIFECYCLE " + lcP + "/delete_after_days"},
			message: "with enable_continuous_backup, delete_after_days is at most 35, not 36",
			hint:    "keep continuous backups at most 35 days, or turn enable_continuous_backup off",
		},
		{
			name: "cold storage", edits: []edit{on, set(lcP, `{"move_to_cold_storage_after_days": "7"}`)},
			want:    []string{"CONTINUOUS_BACKUP_LIFECYCLE " + lcP + "/move_to_cold_storage_after_days"},
			message: "continuous backups cannot move to cold storage",
			hint:    "remove move_to_cold_storage_after_days, or turn enable_continuous_backup off",
		},
		{
			name:  "cold storage and a long retention",
			edits: []edit{on},
			want: []string{
				"CONTINUOUS_BACKUP_LIFECYCLE " + lcP + "/delete_after_days",
				"CONTINUOUS_BACKUP_LIFECYCLE " + lcP + "/move_to_cold_storage_after_days",
			},
		},
		{name: "turned off, long retention", edits: []edit{set(ruleP+"/enable_continuous_backup", `"false"`), set(lcP, `{"delete_after_days": "365"}`)}},
		{
			name:  "copies are snapshots: their lifecycle is not limited",
			edits: []edit{on, set(lcP, `{"delete_after_days": "35"}`), set(copyP+"/lifecycle", `{"move_to_cold_storage_after_days": "30", "delete_after_days": "365"}`)},
		},
	})
}

// posOf is the position of the first occurrence of needle in text, as
// doc.Parse reports it.
func posOf(t *testing.T, text, needle string) doc.Pos {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("%q not in text", needle)
	}
	line := strings.Count(text[:i], "\n") + 1
	col := len([]rune(text[strings.LastIndex(text[:i], "\n")+1:i])) + 1
	return doc.Pos{File: "policy.json", Line: line, Col: col}
}

func TestCheckPositionsComeFromNodes(t *testing.T) {
	const text = `{"plans": {"daily": {
  "regions": ["us-east-1", "mars-1"],
  "rules": {"hourly": {
    "schedule_expression": "cron(0/5 * ? * * *)",
    "target_backup_vault_name": "v",
    "lifecycle": {"move_to_cold_storage_after_days": "30", "delete_after_days": "31"}
  }, "nightly": {"target_backup_vault_name": "vault"}},
  "selections": {"tags": {"é": {"iam_role_arn": "arn:aws:iam::$account:role/r", "tag_key": "k", "tag_value": ["v"], "bogus": 1}}}
}}}`
	d := parse(t, text)
	want := map[string]doc.Pos{
		"INVALID_VALUE plans/daily/regions/1":                                      posOf(t, text, `"mars-1"`),
		"SCHEDULE_TOO_FREQUENT plans/daily/rules/hourly/schedule_expression":       posOf(t, text, `"cron(0/5`),
		"INVALID_VALUE plans/daily/rules/hourly/target_backup_vault_name":          posOf(t, text, `"v"`),
		"LIFECYCLE_TOO_SHORT plans/daily/rules/hourly/lifecycle/delete_after_days": posOf(t, text, `"31"`),
		"SCHEDULE_DEFAULT plans/daily/rules/nightly":                               posOf(t, text, `{"target_backup_vault_name": "vault"}`),
		"UNKNOWN_KEY plans/daily/selections/tags/é/bogus":                          posOf(t, text, `1}}}`),
	}
	got := Check(d, Complete)
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", messages(got))
	}
	for _, v := range got {
		k := v.Code + " " + v.PathString()
		if p, ok := want[k]; !ok {
			t.Errorf("unexpected %s", k)
		} else if v.Node.Pos != p {
			t.Errorf("%s at %s, want %s", k, v.Node.Pos, p)
		}
	}
}

func TestLabel(t *testing.T) {
	for _, tc := range []struct {
		path []string
		want string
	}{
		{nil, "the policy"},
		{[]string{"plans"}, "plans"},
		{[]string{"plans", "daily"}, `plan "daily"`},
		{[]string{"plans", "daily", "rules", "hourly"}, `rule "hourly"`},
		{[]string{"plans", "daily", "rules", "hourly", "copy_actions", "arn:x"}, `copy action "arn:x"`},
		{[]string{"plans", "daily", "selections", "tags", "t"}, `selection "t"`},
		{[]string{"plans", "daily", "selections", "resources", "r"}, `selection "r"`},
		{[]string{"plans", "daily", "rules", "hourly", "recovery_point_tags", "o"}, `tag "o"`},
		{[]string{"plans", "daily", "backup_plan_tags", "o"}, `tag "o"`},
		{[]string{"x", "conditions", "string_like", "c"}, `condition "c"`},
		// "tags" outside selections is a key like any other.
		{[]string{"a", "tags", "b"}, "b"},
		{[]string{"plans", "daily", "regions", "2"}, "regions[2]"},
		{[]string{"plans", "daily", "regions"}, "regions"},
	} {
		if got := label(tc.path); got != tc.want {
			t.Errorf("label(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute:             "1 minute",
		30 * time.Minute:        "30 minutes",
		59 * time.Minute:        "59 minutes",
		time.Hour:               "1 hour",
		2 * time.Hour:           "2 hours",
		90 * time.Minute:        "90 minutes",
		90 * time.Second:        "1m30s",
		0:                       "0 minutes",
		time.Hour + time.Second: "1h0m1s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestIntAndBoolValues(t *testing.T) {
	for _, tc := range []struct {
		n    *doc.Node
		v    int64
		ok   bool
		b    bool
		bok  bool
		name string
	}{
		{js(`"60"`), 60, true, false, false, "digits"},
		{js(`60`), 60, true, false, false, "number"},
		{js(`"-5"`), -5, true, false, false, "negative"},
		{js(`"6e1"`), 0, false, false, false, "exponent"},
		{js(`"true"`), 0, false, true, true, "text true"},
		{js(`false`), 0, false, false, true, "bool false"},
		{js(`"TRUE"`), 0, false, false, false, "upper case"},
		{js(`null`), 0, false, false, false, "null"},
		{js(`["1"]`), 0, false, false, false, "list"},
		{nil, 0, false, false, false, "missing"},
	} {
		if v, ok := intValue(tc.n); v != tc.v || ok != tc.ok {
			t.Errorf("%s: intValue = %d, %v", tc.name, v, ok)
		}
		if b, ok := boolValue(tc.n); b != tc.b || ok != tc.bok {
			t.Errorf("%s: boolValue = %v, %v", tc.name, b, ok)
		}
	}
}

func TestViolationPathString(t *testing.T) {
	v := Violation{Path: []string{"plans", "daily", "rules"}}
	if got := v.PathString(); got != "plans/daily/rules" {
		t.Errorf("PathString = %q", got)
	}
}

// Violations must not share path storage: each is kept after the walk
// goes on to siblings.
func TestCheckPathsAreIndependent(t *testing.T) {
	d := parse(t, validEffective)
	set(ruleP+"/start_backup_window_minutes", `"1"`)(d)
	set(ruleP+"/complete_backup_window_minutes", `"0"`)(d)
	set(lcP+"/bogus", `1`)(d)
	set(copyP+"/bogus", `1`)(d)
	got := summary(Check(d, Complete))
	want := []string{
		"INVALID_VALUE " + ruleP + "/complete_backup_window_minutes",
		"INVALID_VALUE " + ruleP + "/start_backup_window_minutes",
		"UNKNOWN_KEY " + copyP + "/bogus",
		"UNKNOWN_KEY " + lcP + "/bogus",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestCheckSilentFailures covers documents AWS accepts that do not do what
// they say: each is an error (or a warning where AWS still works), with
// the fix.
func TestCheckSilentFailures(t *testing.T) {
	rule := func(k string) edit {
		return set(planP+"/rules/"+k, `{"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "main-vault"}`)
	}
	runCheckCases(t, []checkCase{
		// Identifiers are "not case sensitive" (SYNTAX 2022) and
		// "Duplicate key names will be rejected" (SYNTAX).
		{
			name: "rules that differ only in case", edits: []edit{rule("HOURLY")},
			want:    []string{"DUPLICATE_KEY " + planP + "/rules/HOURLY"},
			message: `rule "hourly" and "HOURLY" of plan "daily" differ only in case; Organizations treats keys without regard to case, so they are the same rule`,
			hint:    "rename one of them, or merge them into one rule",
		},
		{
			name: "plans that differ only in case", edits: []edit{func(d *doc.Node) {
				plans := at(d, "plans")
				plans.Fields = append(plans.Fields, doc.Field{Key: "Daily", Value: at(d, "plans", "daily").Clone()})
			}},
			want:    []string{"DUPLICATE_KEY plans/Daily"},
			message: `plan "daily" and "Daily" of the policy differ only in case`,
		},
		{
			name: "selections that differ only in case", edits: []edit{set(tagSelP[:strings.LastIndex(tagSelP, "/")]+"/Tagged", `{"iam_role_arn": "arn:aws:iam::$account:role/backup", "tag_key": "Backup", "tag_value": ["On"]}`)},
			want:    []string{"DUPLICATE_KEY " + planP + "/selections/tags/Tagged"},
			message: `tag selection "tagged" and "Tagged" of plan "daily" differ only in case`,
		},
		{name: "the same key in another map is no duplicate", edits: []edit{rule("tagged")}},
		// "If target_backup_vault_arn is not specified, an all lower-case
		// version of the ARN in the parent key name is used" (SYNTAX 2022).
		{
			name: "a copy action key with upper case and no target ARN", edits: []edit{
				set(ruleP+"/copy_actions", `{"arn:aws:backup:us-west-2:$account:backup-vault:DR": {}}`)},
			want:    []string{"COPY_ACTION_KEY_CASE " + ruleP + "/copy_actions/arn:aws:backup:us-west-2:$account:backup-vault:DR"},
			message: `copy action "arn:aws:backup:us-west-2:$account:backup-vault:DR" has upper-case letters and no target_backup_vault_arn; AWS then copies to the lower-cased ARN, "arn:aws:backup:us-west-2:$account:backup-vault:dr", a vault of another name`,
			hint:    `add target_backup_vault_arn: "arn:aws:backup:us-west-2:$account:backup-vault:DR"`,
		},
		{name: "a copy action key with upper case and its target ARN", edits: []edit{
			set(ruleP+"/copy_actions", `{"arn:aws:backup:us-west-2:$account:backup-vault:DR": {"target_backup_vault_arn": "arn:aws:backup:us-west-2:$account:backup-vault:DR"}}`)}},
		// "You must use scan_settings ... in conjunction with scan_actions
		// in order for scanning jobs to start"; "You must specify the
		// ResourceTypes and ScannerRoleArn" (SYNTAX).
		{
			name: "scan_actions without scan_settings", edits: []edit{del(planP + "/scan_settings")},
			want:    []string{"SCAN_NEVER_STARTS " + ruleP + "/scan_actions"},
			message: `rule "hourly" asks for GuardDuty malware scans, but plan "daily" has no scan_settings.GUARDDUTY, so the scans never start`,
			hint:    "add the plan's scan_settings",
		},
		{name: "scan_actions without scan_settings in a partial policy", edits: []edit{del(planP + "/scan_settings")}, mode: Partial},
		{
			name: "scan_settings without resource types", edits: []edit{del(planP + "/scan_settings/GUARDDUTY/resource_types")},
			want:    []string{"SCAN_NEVER_STARTS " + planP + "/scan_settings/GUARDDUTY"},
			message: `scan_settings.GUARDDUTY of plan "daily" has no resource_types; GuardDuty scans need both resource_types and scanner_role_arn, or they never start`,
		},
		{
			name: "scan_settings without the scanner role", edits: []edit{del(planP + "/scan_settings/GUARDDUTY/scanner_role_arn")},
			want: []string{"SCAN_NEVER_STARTS " + planP + "/scan_settings/GUARDDUTY"},
		},
		// BackupRuleInput.ScheduleExpression is optional, default
		// cron(0 5 ? * * *): a warning that states the default.
		{
			name: "a rule without a schedule", edits: []edit{del(ruleP + "/schedule_expression")},
			want:    []string{"SCHEDULE_DEFAULT " + ruleP},
			message: `rule "hourly" has no schedule_expression; AWS Backup runs it on its default schedule, cron(0 5 ? * * *) (daily at 05:00 UTC)`,
			hint:    `write schedule_expression: "cron(0 5 ? * * *)" to keep that schedule and say so`,
		},
		{name: "a rule without a schedule in a partial policy", edits: []edit{del(ruleP + "/schedule_expression")}, mode: Partial},
	})
	// Warnings are marked as such; errors are not.
	d := parse(t, validEffective)
	del(ruleP + "/schedule_expression")(d)
	set(ruleP+"/index_actions/resource_types", `["EBS", "S3"]`)(d)
	set(ruleP+"/copy_actions", `{"arn:aws:backup:us-west-2:$account:backup-vault:DR": {}}`)(d)
	for _, v := range Check(d, Complete) {
		if want := v.Code != CopyKeyCase; v.Warning != want {
			t.Errorf("%s: Warning = %v, want %v", v.Code, v.Warning, want)
		}
	}
}

// TestMemoSharedPlans: documents that share plan nodes, as effective
// policies do, get from a Memo what Check and References give each; a
// plan is remembered by its key as well as its node, since paths and
// messages name the key.
func TestMemoSharedPlans(t *testing.T) {
	a := parse(t, validEffective)
	daily := at(a, "plans", "daily")
	broken := parse(t, `{"regions": [], "rules": {"r": {"schedule_expression": "rate(5 minutes)", "target_backup_vault_name": "v"}}, "selections": {}}`)
	b := doc.NewObject(doc.Pos{})
	plans := doc.NewObject(doc.Pos{})
	plans.Fields = []doc.Field{{Key: "broken", Value: broken}, {Key: "broken2", Value: broken}, {Key: "daily", Value: daily}, {Key: "other", Value: daily}, {Key: "scalar", Value: js(`"x"`)}}
	b.Fields = []doc.Field{{Key: "extra", Value: js(`1`)}, {Key: "plans", Value: plans}}
	memo := &Memo{}
	for _, mode := range []Mode{Complete, Partial} {
		for _, d := range []*doc.Node{a, b, a, b} {
			if got, want := memo.Check(d, mode), Check(d, mode); !reflect.DeepEqual(got, want) {
				t.Errorf("mode %d: Memo.Check:\n%s\nCheck:\n%s", mode, messages(got), messages(want))
			}
			if got, want := memo.References(d), References(d); !reflect.DeepEqual(got, want) {
				t.Errorf("Memo.References:\n%s\nReferences:\n%s", refStrings(got), refStrings(want))
			}
		}
	}
	if len(Check(b, Complete)) == 0 || len(References(b)) == 0 {
		t.Fatal("the shared document should have violations and references")
	}
}
