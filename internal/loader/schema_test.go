package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/schema"
)

// base is a small complete policy and its baseline, valid on its own. Every
// case changes one thing in it, so a failure can only come from that change.
const base = `package orgbackup

policies: p: {
	targets: ["Root"]
	plans: plan: {
		regions: ["us-east-1"]
		rules: r: {
			schedule_expression:      "cron(0 5 ? * * *)"
			target_backup_vault_name: "vault"
		}
		selections: tags: s: {
			iam_role_arn: "arn:aws:iam::$account:role/role"
			tag_key:      "Backup"
			tag_value: ["On"]
		}
	}
}

baselines: b: {
	targets: ["Root"]
	regions: ["us-east-1"]
	role_name:  "role"
	vault_name: "vault"
}
`

// Where snippets land when appended to base: CUE unifies them with the
// declarations above, so a snippet adds a field at that level.
const (
	inPolicy    = "policies: p: "
	inPlan      = inPolicy + "plans: plan: "
	inRule      = inPlan + "rules: r: "
	inLifecycle = inRule + "lifecycle: "
	inTagSel    = inPlan + "selections: tags: s: "
	inResSel    = inPlan + "selections: resources: rs: "
	inBaseline  = "baselines: b: "
	// resSel is a valid resource selection, for cases that change one of
	// its fields.
	resSel = inResSel + `{iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ["*"]}` + "\n"
	// partialPolicy starts a second policy that need not be complete.
	partialPolicy = `policies: q: {targets: [], partial: true}` + "\n" + `policies: q: plans: `
)

// mark is where a case expects its diagnostic; it is removed before the
// files are written.
const mark = "»"

// mainFile is the file that holds base.
const mainFile = "policy.cue"

// An edit changes the files of a case, keyed by name inside the policy
// directory.
type edit func(t *testing.T, files map[string]string)

// add appends a snippet to the main file.
func add(snippet string) edit {
	return func(t *testing.T, files map[string]string) {
		files[mainFile] += "\n" + snippet + "\n"
	}
}

// swap replaces the first occurrence of old in the main file.
func swap(old, new string) edit {
	return func(t *testing.T, files map[string]string) {
		t.Helper()
		if !strings.Contains(files[mainFile], old) {
			t.Fatalf("swap: %q is not in the main file", old)
		}
		files[mainFile] = strings.Replace(files[mainFile], old, new, 1)
	}
}

// file adds a file next to the main one.
func file(name, content string) edit {
	return func(t *testing.T, files map[string]string) { files[name] = content }
}

func edits(es ...edit) edit {
	return func(t *testing.T, files map[string]string) {
		t.Helper()
		for _, e := range es {
			e(t, files)
		}
	}
}

// repeat joins n instances of format (given the index) with ", ".
func repeat(n int, format string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.ReplaceAll(format, "%d", fmt.Sprint(i))
	}
	return strings.Join(parts, ", ")
}

// Blocks of base that some cases remove or replace.
const (
	rulesBlock = `rules: r: {
			schedule_expression:      "cron(0 5 ? * * *)"
			target_backup_vault_name: "vault"
		}`
	selectionsBlock = `selections: tags: s: {
			iam_role_arn: "arn:aws:iam::$account:role/role"
			tag_key:      "Backup"
			tag_value: ["On"]
		}`
)

type schemaCase struct {
	// constraint names what the case tests: the id schemaConstraints gives
	// a schema declaration, or a description starting with one of
	// extraKinds for behaviour no single declaration carries.
	constraint string
	// pass is a change to base that satisfies the constraint; fail is one
	// that breaks it, with mark where the diagnostic must point.
	pass, fail edit
	// at locates the diagnostic when the mark cannot be written (the
	// position of a declaration in base): the first occurrence of at in
	// the main file.
	at string
	// code, msg and hint are what the error diagnostic must say; msg and
	// hint are regular expressions.
	code, msg, hint string
	// others is how many other errors the case expects besides.
	others int
}

var extraKinds = []string{"closed ", "type ", "operator ", "json ", "partial "}

var schemaCases = []schemaCase{
	// --- unknown keys, at every level ----------------------------------
	{
		constraint: "closed #Config",
		pass:       add("_shared: \"x\"\n#Shared: 1"),
		fail:       add(mark + "bogus: 1"),
		code:       "unknown-key", msg: `^unknown key "bogus"$`, hint: `hidden field \(_bogus\)`,
	},
	{
		constraint: "closed #Config (typo)",
		fail:       add(mark + `baseline: x: targets: ["Root"]`),
		code:       "unknown-key", msg: `^unknown key "baseline"$`, hint: `did you mean "baselines"\?`,
	},
	{
		constraint: "closed #Policy",
		pass:       add(inPolicy + `description: "x"`),
		fail:       add(inPolicy + mark + `descripton: "x"`),
		code:       "unknown-key", msg: `^unknown key "descripton" in policy "p"$`, hint: `did you mean "description"\?`,
	},
	{
		constraint: "closed #Organization",
		pass:       add(`organization: trusted_access: true`),
		fail:       add(`organization: ` + mark + `trusted_acess: true`),
		code:       "unknown-key", msg: `^unknown key "trusted_acess"$`, hint: `did you mean "trusted_access"\?`,
	},
	{
		constraint: "closed #Plan",
		fail:       add(inPlan + mark + `regoins: ["us-east-1"]`),
		code:       "unknown-key", msg: `^unknown key "regoins" in plan "plan" of policy "p"$`, hint: `did you mean "regions"\?`,
	},
	{
		constraint: "closed #Rule",
		fail:       add(inRule + mark + `schedule_expresion: "cron(0 5 ? * * *)"`),
		code:       "unknown-key", msg: `^unknown key "schedule_expresion" in rule "r" of plan "plan"`, hint: `did you mean "schedule_expression"\?`,
	},
	{
		constraint: "closed #Lifecycle",
		fail:       add(inLifecycle + mark + `delete_after: 7`),
		code:       "unknown-key", msg: `^unknown key "delete_after" in rule "r"`, hint: `did you mean "delete_after_days"\?`,
	},
	{
		constraint: "closed #TagSelection",
		fail:       add(inTagSel + mark + `tag_values: ["On"]`),
		code:       "unknown-key", msg: `^unknown key "tag_values" in selection "s" of plan "plan"`, hint: `did you mean "tag_value"\?`,
	},
	{
		constraint: "closed #ResourceSelection",
		fail:       edits(add(resSel), add(inResSel+mark+`resources: ["*"]`)),
		code:       "unknown-key", msg: `^unknown key "resources" in selection "rs"`, hint: `did you mean "resource_types"\?`,
	},
	{
		constraint: "closed #Selections",
		fail:       add(inPlan + `selections: ` + mark + `tag: {}`),
		code:       "unknown-key", msg: `^unknown key "tag" in plan "plan"`, hint: `did you mean "tags"\?`,
	},
	{
		constraint: "closed #CopyAction",
		fail:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:$account:backup-vault:vault": ` + mark + `target_vault_arn: "x"`),
		code:       "unknown-key", msg: `^unknown key "target_vault_arn" in copy action "arn:aws:backup:us-west-2:\$account:backup-vault:vault" of rule "r"`, hint: `target_backup_vault_arn`,
	},
	{
		constraint: "closed #Conditions",
		fail:       add(inTagSel + `conditions: ` + mark + `string_equal: {}`),
		code:       "unknown-key", msg: `^unknown key "string_equal"`, hint: `did you mean "string_equals"\?`,
	},
	{
		constraint: "closed #AdvancedBackupSettings",
		fail:       add(inPlan + `advanced_backup_settings: ec2: ` + mark + `windows_vs: "enabled"`),
		code:       "unknown-key", msg: `^unknown key "windows_vs"`, hint: `did you mean "windows_vss"\?`,
	},
	{
		constraint: "closed #Baseline",
		pass:       add(inBaseline + `allow_copy_from_organization: true`),
		fail:       add(inBaseline + mark + `vault_nmae: "vault"`),
		code:       "unknown-key", msg: `^unknown key "vault_nmae" in baseline "b"$`, hint: `did you mean "vault_name"\?`,
	},
	{
		constraint: "closed #Baseline.vault_access_policy is open",
		pass:       add(inBaseline + `vault_access_policy: {Statement: [], Id: "x"}`),
		fail:       add(inBaseline + mark + `vault_access_policy: Statemnt: []`),
		code:       "missing-key", msg: `^missing required key "Statement"`, hint: `Statement`,
	},
	{
		constraint: "closed unknown key next to another error",
		fail:       add(inRule + `{start_backup_window_minutes: 60, ` + mark + `bogus: 1}` + "\n" + inPlan + `regions: ["us-east-1"]`),
		code:       "unknown-key", msg: `^unknown key "bogus" in rule "r"`, hint: `allowed keys here: .*schedule_expression`,
	},

	// --- names: map keys -------------------------------------------------
	{
		constraint: "#PolicyName",
		pass:       add(`policies: "` + strings.Repeat("é", 128) + `": {targets: [], partial: true, plans: {}}`),
		fail:       add(`policies: ` + mark + `"` + strings.Repeat("x", 129) + `": {targets: [], partial: true, plans: {}}`),
		code:       "invalid-key", msg: `^invalid policy name "x+"$`, hint: `policy name is 1 to 128 characters`,
	},
	{
		constraint: "#BaselineName",
		pass:       add(`baselines: "b-2": {targets: ["Root"], regions: ["us-east-1"]}`),
		fail:       add(`baselines: ` + mark + `"2b": {targets: ["Root"], regions: ["us-east-1"]}`),
		code:       "invalid-key", msg: `^invalid baseline name "2b"$`, hint: `baseline name is 1 to 40 letters`,
	},
	{
		constraint: "#PlanName",
		pass:       add(partialPolicy + `"a.b-c_D": {}`),
		fail:       add(partialPolicy + mark + `"my plan": {}`),
		code:       "invalid-key", msg: `^invalid plan name "my plan" in policy "q"$`, hint: `backup plan name is 1 to 50`,
	},
	{
		constraint: "#RuleName",
		pass:       add(inPlan + `rules: "r.2-x_Y": {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`),
		fail:       add(inPlan + `rules: ` + mark + `"r 2": {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`),
		code:       "invalid-key", msg: `^invalid rule name "r 2" in plan "plan"`, hint: `rule name is 1 to 50`,
	},
	{
		constraint: "#RuleName (the only rule)",
		fail:       swap(`rules: r: {`, `rules: `+mark+`"r 1": {`),
		code:       "invalid-key", msg: `^invalid rule name "r 1" in plan "plan"`, hint: `rule name is 1 to 50`,
	},
	{
		constraint: "#SelectionName",
		pass:       add(inPlan + `selections: tags: "s-2": {iam_role_arn: "arn:aws:iam::$account:role/role", tag_key: "k", tag_value: ["v"]}`),
		fail:       add(inPlan + `selections: tags: ` + mark + `"s/2": {iam_role_arn: "arn:aws:iam::$account:role/role", tag_key: "k", tag_value: ["v"]}`),
		code:       "invalid-key", msg: `^invalid selection name "s/2" in plan "plan"`, hint: `selection\) name is 1 to 50`,
	},
	{
		constraint: "#Rule.copy_actions.[#VaultArn]",
		pass:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:$account:backup-vault:vault": target_backup_vault_arn: "arn:aws:backup:us-west-2:$account:backup-vault:vault"`),
		fail:       add(inRule + `copy_actions: ` + mark + `"arn:aws:backup:us-west-2:$account:vault:vault": {}`),
		code:       "invalid-key", msg: `^invalid copy action key "arn:aws:backup:us-west-2:\$account:vault:vault" in rule "r"`, hint: `key is the ARN of the destination vault`,
	},
	{
		constraint: "#Identifier",
		pass:       add(inRule + `recovery_point_tags: "Owner Tag": {tag_key: "Owner", tag_value: "me"}`),
		fail:       add(inRule + `recovery_point_tags: ` + mark + `"@@owner": {tag_key: "Owner", tag_value: "me"}`),
		code:       "invalid-key", msg: `^invalid tag id "@@owner" in rule "r"`, hint: `does not start with '@'`,
	},
	{
		constraint: "#Identifier (conditions)",
		pass:       add(inTagSel + `conditions: string_like: "c 1": {condition_key: "aws:ResourceTag/Env", condition_value: "prod*"}`),
		fail:       add(inTagSel + `conditions: string_like: ` + mark + `"@c": {condition_key: "aws:ResourceTag/Env", condition_value: "prod*"}`),
		code:       "invalid-key", msg: `^invalid condition id "@c" in selection "s"`, hint: `does not start with '@'`,
	},

	// --- patterns of values ---------------------------------------------
	{
		constraint: "#Target",
		pass:       swap(`targets: ["Root"]`, `targets: ["Root/A/B/C/D/E", "r-ab12", "ou-ab12-abcdefgh", "123456789012"]`),
		fail:       swap(`targets: ["Root"]`, `targets: [`+mark+`"Root/A/B/C/D/E/F"]`),
		code:       "invalid-value", msg: `^invalid targets\[0\] in policy "p"$`, hint: `a target is "Root", an OU path`,
	},
	{
		constraint: "#Config.new_regions",
		pass:       add(`new_regions: ["xx-new-1"]`),
		fail:       add(`new_regions: ["xx-new-1", ` + mark + `"xx-new"]`),
		code:       "invalid-value", msg: `^invalid new_regions\[1\]`, hint: `AWS Region code looks like "us-east-1"`,
	},
	{
		constraint: "#Region",
		pass:       swap(`regions: ["us-east-1"]`, `regions: ["us-east-1", "us-gov-west-1", "ap-northeast-1"]`),
		fail:       swap(`regions: ["us-east-1"]`, `regions: ["us-east-1", `+mark+`"us-east"]`),
		code:       "invalid-value", msg: `^invalid regions\[1\] in plan "plan" of policy "p"$`, hint: `AWS Region code looks like "us-east-1"`,
	},
	{
		constraint: "#VaultName",
		pass:       swap(`target_backup_vault_name: "vault"`, `target_backup_vault_name: "My_Vault-2"`),
		fail:       swap(`target_backup_vault_name: "vault"`, `target_backup_vault_name: `+mark+`"my vault"`),
		code:       "invalid-value", msg: `^invalid target_backup_vault_name in rule "r"`, hint: `backup vault name is 2 to 50`,
	},
	{
		constraint: "#RoleName",
		pass:       swap(`role_name:  "role"`, `role_name:  "Role+=,.@_-1"`),
		fail:       swap(`role_name:  "role"`, `role_name:  `+mark+`"my role"`),
		code:       "invalid-value", msg: `^invalid role_name in baseline "b"$`, hint: `IAM role name is 1 to 64`,
	},
	{
		constraint: "#RoleArn",
		pass:       swap(`"arn:aws:iam::$account:role/role"`, `"arn:aws:iam::123456789012:role/service-role/Backup"`),
		fail:       swap(`"arn:aws:iam::$account:role/role"`, mark+`"arn:aws:iam::$account:user/role"`),
		code:       "invalid-value", msg: `^invalid iam_role_arn in selection "s"`, hint: `IAM role ARN looks like`,
	},
	{
		constraint: "#VaultArn",
		pass:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:111122223333:backup-vault:central": target_backup_vault_arn: "arn:aws:backup:us-west-2:111122223333:backup-vault:central"`),
		fail:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:111122223333:backup-vault:central": target_backup_vault_arn: ` + mark + `"arn:aws:backup:us-west-2:1111:backup-vault:central"`),
		code:       "invalid-value", msg: `^invalid target_backup_vault_arn in copy action`, hint: `backup vault ARN looks like`,
	},
	{
		constraint: "#AirGappedVaultArn",
		pass:       add(inRule + `target_logically_air_gapped_backup_vault_arn: "arn:aws:backup:$region:$account:backup-vault:AirGapped"`),
		fail:       add(inRule + `target_logically_air_gapped_backup_vault_arn: ` + mark + `"arn:aws:backup:us-east-1:$account:backup-vault:AirGapped"`),
		code:       "invalid-value", msg: `^invalid target_logically_air_gapped_backup_vault_arn in rule "r"`, hint: `must use both placeholders`,
	},
	{
		constraint: "#TagKey",
		pass:       swap(`tag_key:      "Backup"`, `tag_key:      "aws:backup/Plan name_1=+-@."`),
		fail:       swap(`tag_key:      "Backup"`, `tag_key:      `+mark+`"Backup*"`),
		code:       "invalid-value", msg: `^invalid tag_key in selection "s"`, hint: `tag key is 1 to 128`,
	},
	{
		constraint: "#TagValue",
		pass:       swap(`tag_value: ["On"]`, `tag_value: ["On", "", "Yes please"]`),
		fail:       swap(`tag_value: ["On"]`, `tag_value: ["On", `+mark+`"Yes!"]`),
		code:       "invalid-value", msg: `^invalid tag_value\[1\] in selection "s"`, hint: `tag value is up to 256`,
	},
	{
		// The tag patterns count runes with strings.MaxRunes, not a
		// repetition count (see schema/common.cue): 128 letters of
		// two bytes each pass, 129 fail with their length.
		constraint: "#TagKey (length)",
		pass:       swap(`tag_key:      "Backup"`, `tag_key:      "`+strings.Repeat("é", 128)+`"`),
		fail:       swap(`tag_key:      "Backup"`, `tag_key:      `+mark+`"`+strings.Repeat("é", 129)+`"`),
		code:       "invalid-value", msg: `^tag_key is 129 characters long, at most 128 allowed in selection "s"`, hint: `tag key is 1 to 128`,
	},
	{
		constraint: "#TagKey (empty)",
		fail:       swap(`tag_key:      "Backup"`, `tag_key:      `+mark+`""`),
		code:       "invalid-value", msg: `^tag_key is 0 characters long, at least 1 allowed in selection "s"`, hint: `tag key is 1 to 128`,
	},
	{
		constraint: "#TagValue (length)",
		pass:       swap(`tag_value: ["On"]`, `tag_value: ["`+strings.Repeat("é", 256)+`"]`),
		fail:       swap(`tag_value: ["On"]`, `tag_value: ["On", `+mark+`"`+strings.Repeat("é", 257)+`"]`),
		code:       "invalid-value", msg: `^tag_value\[1\] is 257 characters long, at most 256 allowed in selection "s"`, hint: `tag value is up to 256`,
	},
	{
		constraint: "#TagValue (backup_plan_tags)",
		pass:       add(inPlan + `backup_plan_tags: owner: {tag_key: "Owner", tag_value: "Team A"}`),
		fail:       add(inPlan + `backup_plan_tags: owner: {tag_key: "Owner", tag_value: ` + mark + `"Team #1"}`),
		code:       "invalid-value", msg: `^invalid tag_value in plan "plan"`, hint: `tag value is up to 256`,
	},
	{
		constraint: "#Schedule",
		pass:       swap(`"cron(0 5 ? * * *)"`, `"cron(0 8 1 */12 ? *)"`),
		fail:       swap(`"cron(0 5 ? * * *)"`, mark+`"cron(0 5 * * *)"`),
		code:       "invalid-value", msg: `^invalid schedule_expression in rule "r"`, hint: `six fields`,
	},
	{
		// AWS Backup takes cron only (terraform-provider-aws #8269).
		constraint: "#Schedule (rate)",
		fail:       swap(`"cron(0 5 ? * * *)"`, mark+`"rate(12 hours)"`),
		code:       "invalid-value", msg: `^invalid schedule_expression in rule "r"`, hint: `takes no rate expressions, write "cron\(0 0/12 \? \* \* \*\)" for rate\(12 hours\)`,
	},
	{
		constraint: "#KMSKeyArn",
		pass:       add(inBaseline + `vault_kms_key_arn: "arn:aws:kms:$region:111122223333:key/1234abcd-12ab"`),
		fail:       add(inBaseline + `vault_kms_key_arn: ` + mark + `"arn:aws:kms:us-east-1:1111:key/1234abcd"`),
		code:       "invalid-value", msg: `^invalid vault_kms_key_arn in baseline "b"$`, hint: `KMS key ARN looks like`,
	},
	{
		constraint: "#ResourcePattern",
		pass:       add(inResSel + `{iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ["*", "arn:aws:ec2:*:*:volume/*"]}`),
		fail:       add(inResSel + `{iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ["*", ` + mark + `"ec2:volume"]}`),
		code:       "invalid-value", msg: `^invalid resource_types\[1\] in selection "rs"`, hint: `resource pattern is "\*" or an ARN pattern`,
	},
	{
		constraint: "#ResourceSelection.resource_types",
		fail:       add(inResSel + `{iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ` + mark + `"*"}`),
		code:       "type", msg: `^resource_types must be a list, not a string`, hint: `resource_types lists "\*"`,
	},
	{
		constraint: "#ResourceSelection.not_resource_types",
		pass:       edits(add(resSel), add(inResSel+`not_resource_types: ["arn:aws:ec2:*:*:volume/*"]`)),
		fail:       edits(add(resSel), add(inResSel+`not_resource_types: `+mark+`"arn:aws:ec2:*:*:volume/*"`)),
		code:       "type", msg: `^not_resource_types must be a list, not a string`, hint: `not_resource_types lists ARN patterns`,
	},
	{
		constraint: "#ChildChanges",
		pass:       add(inPlan + `children_may_change: {regions: ["@@append"], rules: r: lifecycle: ["@@all"]}`),
		fail:       add(inPlan + `children_may_change: regions: ` + mark + `"@@append"`),
		code:       "type", msg: `^regions must be a list, not a string in plan "plan"`, hint: `write a list, e.g. regions: \["@@append"\]`,
	},
	{
		constraint: "#ChildOperators",
		pass:       add(inPlan + `"@@operators_allowed_for_child_policies": ["@@assign", "@@append"]`),
		fail:       add(inPlan + mark + `"@@operators_allowed_for_child_policies": ["@@all", "@@none"]`),
		code:       "invalid-value", msg: `^invalid "@@operators_allowed_for_child_policies" in plan "plan"`, hint: `takes \["@@all"\], \["@@none"\]`,
	},
	{
		constraint: "#ConditionMap.[#Identifier].condition_key",
		pass:       add(inTagSel + `conditions: string_equals: env: {condition_key: "aws:ResourceTag/Env", condition_value: "prod"}`),
		fail:       add(inTagSel + `conditions: string_equals: env: {condition_key: ` + mark + `"Env", condition_value: "prod"}`),
		code:       "invalid-value", msg: `^invalid condition_key in selection "s"`, hint: `aws:ResourceTag/<key>`,
	},
	{
		constraint: "#ConditionMap.[#Identifier].condition_value",
		fail:       add(inTagSel + `conditions: string_equals: env: {condition_key: "aws:ResourceTag/Env", condition_value: ` + mark + `1}`),
		code:       "type", msg: `^condition_value must be a string, not a whole number`, hint: `condition_value is the tag value`,
	},

	// --- numeric bounds --------------------------------------------------
	{
		constraint: "#Rule.start_backup_window_minutes",
		pass:       add(inRule + `start_backup_window_minutes: 60`),
		fail:       add(inRule + `start_backup_window_minutes: ` + mark + `59`),
		code:       "invalid-value", msg: `^invalid start_backup_window_minutes in rule "r"`, hint: `at least 60`,
	},
	{
		constraint: "#Rule.start_backup_window_minutes (upper)",
		pass:       add(inRule + `start_backup_window_minutes: 52560000`),
		fail:       add(inRule + `start_backup_window_minutes: ` + mark + `52560001`),
		code:       "invalid-value", msg: `^invalid start_backup_window_minutes`, hint: `at most 52,560,000`,
	},
	{
		// No documented minimum (SYNTAX: optional).
		constraint: "#Rule.complete_backup_window_minutes",
		pass:       add(inRule + `complete_backup_window_minutes: 30`),
		fail:       add(inRule + `complete_backup_window_minutes: ` + mark + `0`),
		code:       "invalid-value", msg: `^invalid complete_backup_window_minutes`, hint: `positive number of minutes`,
	},
	{
		constraint: "#Lifecycle.move_to_cold_storage_after_days",
		pass:       add(inLifecycle + `{move_to_cold_storage_after_days: 1, delete_after_days: 91}`),
		fail:       add(inLifecycle + `{move_to_cold_storage_after_days: ` + mark + `0, delete_after_days: 91}`),
		code:       "invalid-value", msg: `^invalid move_to_cold_storage_after_days in rule "r"`, hint: `1 to 36,500 days`,
	},
	{
		// -1 keeps recovery points indefinitely (AWS Backup API, Lifecycle).
		constraint: "#Lifecycle.delete_after_days",
		pass:       add(inLifecycle + `{move_to_cold_storage_after_days: 30, delete_after_days: -1}`),
		fail:       add(inLifecycle + `delete_after_days: ` + mark + `36501`),
		code:       "invalid-value", msg: `^invalid delete_after_days in rule "r"`, hint: `1 to 36,500 days`,
	},
	{
		constraint: "#Lifecycle.delete_after_days (copy action)",
		pass:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:$account:backup-vault:vault": lifecycle: delete_after_days: 1`),
		fail:       add(inRule + `copy_actions: "arn:aws:backup:us-west-2:$account:backup-vault:vault": lifecycle: delete_after_days: ` + mark + `0`),
		code:       "invalid-value", msg: `^invalid delete_after_days in copy action "arn:aws:backup:us-west-2:\$account:backup-vault:vault" of rule "r"`, hint: `1 to 36,500 days`,
	},

	// --- enums -------------------------------------------------------------
	{
		constraint: "#Rule.index_actions.resource_types",
		pass:       add(inRule + `index_actions: resource_types: ["S3"]`),
		fail:       add(inRule + `index_actions: resource_types: [` + mark + `"EFS"]`),
		code:       "invalid-value", msg: `^invalid resource_types\[0\] in rule "r"`, hint: `"EBS", "S3" or both`,
	},
	{
		constraint: "#Rule.scan_actions.GUARDDUTY.scan_mode",
		pass:       add(inRule + `scan_actions: GUARDDUTY: scan_mode: "FULL_SCAN"`),
		fail:       add(inRule + `scan_actions: GUARDDUTY: scan_mode: ` + mark + `"FULL"`),
		code:       "invalid-value", msg: `^invalid scan_mode in rule "r"`, hint: `"INCREMENTAL_SCAN" or "FULL_SCAN"`,
	},
	{
		constraint: "#AdvancedBackupSettings.ec2.windows_vss",
		pass:       add(inPlan + `advanced_backup_settings: ec2: windows_vss: "enabled"`),
		fail:       add(inPlan + `advanced_backup_settings: ec2: windows_vss: ` + mark + `"on"`),
		code:       "invalid-value", msg: `^invalid windows_vss in plan "plan"`, hint: `"enabled" or "disabled"`,
	},
	{
		constraint: "#AdvancedBackupSettings.s3.backup_acls",
		pass:       add(inPlan + `advanced_backup_settings: s3: backup_acls: "disabled"`),
		fail:       add(inPlan + `advanced_backup_settings: s3: backup_acls: ` + mark + `true`),
		code:       "type", msg: `^backup_acls must be a string, not true or false`, hint: `"enabled" or "disabled"`,
	},
	{
		constraint: "#AdvancedBackupSettings.s3.backup_object_tags",
		pass:       add(inPlan + `advanced_backup_settings: s3: backup_object_tags: "enabled"`),
		fail:       add(inPlan + `advanced_backup_settings: s3: backup_object_tags: ` + mark + `"Enabled"`),
		code:       "invalid-value", msg: `^invalid backup_object_tags in plan "plan"`, hint: `"enabled" or "disabled"`,
	},
	{
		constraint: "#ScanSettings.GUARDDUTY.resource_types",
		pass:       add(inPlan + `scan_settings: GUARDDUTY: {resource_types: ["EBS", "ALL"], scanner_role_arn: "arn:aws:iam::$account:role/scanner"}`),
		fail:       add(inPlan + `scan_settings: GUARDDUTY: resource_types: [` + mark + `"RDS"]`),
		code:       "invalid-value", msg: `^invalid resource_types\[0\] in plan "plan"`, hint: `"EBS", "EC2", "S3" or "ALL"`,
	},
	{
		constraint: "#Baseline.vault_access_policy.Version",
		pass:       add(inBaseline + `vault_access_policy: {Version: "2012-10-17", Statement: [{Effect: "Allow"}]}`),
		fail:       add(inBaseline + `vault_access_policy: {Version: ` + mark + `"2020-01-01", Statement: []}`),
		code:       "invalid-value", msg: `^invalid Version in baseline "b"$`, hint: `"2012-10-17"`,
	},

	// --- types of plain values ------------------------------------------
	{
		constraint: "#Policy.partial",
		pass:       add(partialPolicy + `plan: regions: "@@append": ["us-west-2"]`),
		fail:       add(inPolicy + `partial: ` + mark + `"yes"`),
		code:       "type", msg: `^partial must be true or false, not a string`, hint: `partial: true`,
	},
	{
		constraint: "#Policy.adopt",
		pass:       add(inPolicy + `adopt: true`),
		fail:       add(inPolicy + `adopt: ` + mark + `"yes"`),
		code:       "type", msg: `^adopt must be true or false, not a string`, hint: `adopt: true`,
	},
	{
		constraint: "#Organization.trusted_access",
		pass:       add(`organization: trusted_access: true`),
		fail:       add(`organization: trusted_access: ` + mark + `"yes"`),
		code:       "type", msg: `^trusted_access must be true or false, not a string`, hint: `true or false`,
	},
	{
		constraint: "#Organization.cross_account_backup",
		pass:       add(`organization: cross_account_backup: false`),
		fail:       add(`organization: cross_account_backup: ` + mark + `1`),
		code:       "type", msg: `^cross_account_backup must be true or false, not a whole number`, hint: `true or false`,
	},
	{
		constraint: "#Rule.enable_continuous_backup",
		pass:       add(inRule + `enable_continuous_backup: true`),
		fail:       add(inRule + `enable_continuous_backup: ` + mark + `"true"`),
		code:       "type", msg: `^enable_continuous_backup must be true or false, not a string`, hint: `enable_continuous_backup: true`,
	},
	{
		constraint: "#Lifecycle.opt_in_to_archive_for_supported_resources",
		pass:       add(inLifecycle + `opt_in_to_archive_for_supported_resources: false`),
		fail:       add(inLifecycle + `opt_in_to_archive_for_supported_resources: ` + mark + `1`),
		code:       "type", msg: `^opt_in_to_archive_for_supported_resources must be true or false, not a whole number`, hint: `true or false`,
	},
	{
		constraint: "#Baseline.allow_copy_from_organization",
		pass:       add(inBaseline + `allow_copy_from_organization: false`),
		fail:       add(inBaseline + `allow_copy_from_organization: ` + mark + `"yes"`),
		code:       "type", msg: `^allow_copy_from_organization must be true or false, not a string`, hint: `allow_copy_from_organization: true`,
	},
	{
		constraint: "#Baseline.existing",
		pass:       add(inBaseline + `existing: true`),
		fail:       add(inBaseline + `existing: ` + mark + `"yes"`),
		code:       "type", msg: `^existing must be true or false, not a string`, hint: `existing: true`,
	},
	{
		constraint: "#Baseline.managed_kms_key",
		pass:       add(inBaseline + `managed_kms_key: true`),
		fail:       add(inBaseline + `managed_kms_key: ` + mark + `1`),
		code:       "type", msg: `^managed_kms_key must be true or false`, hint: `managed_kms_key: true`,
	},
	{
		constraint: "#Baseline._one_key",
		pass:       add(inBaseline + `vault_kms_key_arn: "arn:aws:kms:$region:111122223333:key/1234abcd-12ab"`),
		fail:       add(inBaseline + `{managed_kms_key: true, ` + mark + `vault_kms_key_arn: "arn:aws:kms:$region:111122223333:key/1234abcd-12ab"}`),
		code:       "constraint", msg: `^managed_kms_key and vault_kms_key_arn both choose the vault's key in baseline "b"`, hint: `keep one`,
	},
	{
		constraint: "#Baseline._key_needs_vault",
		pass:       add(`baselines: r: {targets: ["Root"], regions: ["us-east-1"], role_name: "role2"}`),
		fail:       add(`baselines: r: {targets: ["Root"], regions: ["us-east-1"], role_name: "role2", ` + mark + `managed_kms_key: true}`),
		code:       "constraint", msg: `^managed_kms_key needs vault_name`, hint: `add vault_name`,
	},
	{
		constraint: "#Baseline._existing_no_managed_key",
		pass:       add(inBaseline + `{existing: true, managed_kms_key: false}`),
		fail:       add(inBaseline + `{existing: true, ` + mark + `managed_kms_key: true}`),
		code:       "constraint", msg: `^an existing vault keeps the key it was created with`, hint: `remove managed_kms_key`,
	},
	{
		constraint: "#Baseline.operation_preferences.max_concurrent_percentage",
		pass:       add(inBaseline + `operation_preferences: max_concurrent_percentage: 100`),
		fail:       add(inBaseline + `operation_preferences: max_concurrent_percentage: ` + mark + `0`),
		code:       "invalid-value", msg: `max_concurrent_percentage`, hint: `whole number from 1 to 100`,
	},
	{
		constraint: "#Baseline.operation_preferences.failure_tolerance_percentage",
		pass:       add(inBaseline + `operation_preferences: failure_tolerance_percentage: 0`),
		fail:       add(inBaseline + `operation_preferences: failure_tolerance_percentage: ` + mark + `101`),
		code:       "invalid-value", msg: `failure_tolerance_percentage`, hint: `whole number from 0 to 100`,
	},
	{
		constraint: "#Baseline.operation_preferences.region_concurrency",
		pass:       add(inBaseline + `operation_preferences: region_concurrency: "PARALLEL"`),
		fail:       add(inBaseline + `operation_preferences: region_concurrency: ` + mark + `"parallel"`),
		code:       "invalid-value", msg: `region_concurrency`, hint: `"SEQUENTIAL" or "PARALLEL"`,
	},
	{
		constraint: "#Policy.description",
		pass:       add(inPolicy + `description: "` + strings.Repeat("é", 512) + `"`),
		fail:       add(inPolicy + `description: ` + mark + `"` + strings.Repeat("x", 513) + `"`),
		code:       "invalid-value", msg: `^description is 513 characters long, at most 512 allowed in policy "p"$`, hint: `at most 512 characters`,
	},
	{
		constraint: "type description",
		fail:       add(inPolicy + `description: ` + mark + `["x"]`),
		code:       "type", msg: `^description must be a string, not a list`, hint: `at most 512 characters`,
	},
	{
		constraint: "type string for list",
		fail:       swap(`regions: ["us-east-1"]`, `regions: `+mark+`"us-east-1"`),
		code:       "type", msg: `^regions must be a list, not a string`, hint: `regions: \["us-east-1"\]`,
	},
	{
		constraint: "type list for string",
		fail:       swap(`schedule_expression:      "cron(0 5 ? * * *)"`, `schedule_expression:      `+mark+`["cron(0 5 ? * * *)"]`),
		code:       "type", msg: `^schedule_expression must be a string, not a list`, hint: `cron expression`,
	},
	{
		constraint: "type number for string",
		fail:       swap(`target_backup_vault_name: "vault"`, `target_backup_vault_name: `+mark+`42`),
		code:       "type", msg: `^target_backup_vault_name must be a string, not a whole number`, hint: `vault name is 2 to 50`,
	},
	{
		constraint: "type object for list",
		fail:       swap(`regions: ["us-east-1"]`, `regions: {`+mark+`primary: "us-east-1"}`),
		code:       "unknown-key", msg: `^unknown key "primary" in regions in plan "plan" of policy "p"$`, hint: `^regions takes a value \(regions: \[...\]\) or the AWS operator form \{"@@assign": \[...\]\}`,
	},
	{
		constraint: "type object for struct",
		fail:       add(inRule + `lifecycle: ` + mark + `7`),
		code:       "type", msg: `^lifecycle must be an object, not a whole number`, hint: `lifecycle: \{`,
	},
	{
		constraint: "type float for int",
		fail:       add(inRule + `start_backup_window_minutes: ` + mark + `60.5`),
		code:       "type", msg: `^start_backup_window_minutes must be a whole number, not a decimal number`, hint: `at least 60`,
	},

	// --- required keys -----------------------------------------------------
	{
		constraint: "#Policy.targets",
		fail:       swap("\ttargets: [\"Root\"]\n\tplans:", "\tplans:"),
		at:         "p: {",
		code:       "missing-key", msg: `^missing required key "targets" in policy "p"$`, hint: `targets: \[\]`,
	},
	{
		constraint: "#Policy.targets (duplicate)",
		fail:       swap(`targets: ["Root"]`, `targets: ["Root", `+mark+`"Root"]`),
		code:       "duplicate", msg: `^targets lists "Root" more than once in policy "p"$`, hint: `remove the repeated "Root"`,
	},
	{
		constraint: "#Policy.plans",
		fail:       add(`policies: ` + mark + `q: targets: []`),
		code:       "missing-key", msg: `^missing required key "plans" in policy "q"$`, hint: `a policy needs plans`,
	},
	{
		constraint: "#CompletePlan.regions",
		pass:       edits(swap("\t\tregions: [\"us-east-1\"]\n", ""), swap(`targets: ["Root"]`, `targets: ["Root"], partial: true`)),
		fail:       swap("\t\tregions: [\"us-east-1\"]\n", ""),
		at:         "plan: {",
		code:       "missing-key", msg: `^missing required key "regions" in plan "plan" of policy "p"$`, hint: `regions: \["us-east-1"\]`,
	},
	{
		constraint: "#CompletePlan.rules",
		fail:       swap(rulesBlock, ""),
		at:         "plan: {",
		code:       "missing-key", msg: `^missing required key "rules" in plan "plan"`, hint: `at least one rule`,
	},
	{
		constraint: "#CompletePlan.rules.[#RuleName].target_backup_vault_name",
		fail:       swap("\t\t\ttarget_backup_vault_name: \"vault\"\n", ""),
		at:         "r: {",
		code:       "missing-key", msg: `^missing required key "target_backup_vault_name" in rule "r"`, hint: `vault that exists in every member account`,
	},
	{
		constraint: "#CompletePlan.rules.[#RuleName].target_backup_vault_name (next to a bad value)",
		fail:       edits(swap("\t\t\ttarget_backup_vault_name: \"vault\"\n", ""), add(inRule+`start_backup_window_minutes: 5`)),
		at:         "r: {",
		others:     1,
		code:       "missing-key", msg: `^missing required key "target_backup_vault_name" in rule "r"`, hint: `vault that exists in every member account`,
	},
	{
		constraint: "#CompletePlan.selections",
		fail:       swap(selectionsBlock, ""),
		at:         "plan: {",
		code:       "missing-key", msg: `^missing required key "selections" in plan "plan"`, hint: `which resources to back up`,
	},
	{
		constraint: "#CompletePlan.selections.tags.[#SelectionName].iam_role_arn",
		fail:       swap("\t\t\tiam_role_arn: \"arn:aws:iam::$account:role/role\"\n", ""),
		at:         "s: {",
		code:       "missing-key", msg: `^missing required key "iam_role_arn" in selection "s"`, hint: `arn:aws:iam::\$account:role/`,
	},
	{
		constraint: "#CompletePlan.selections.tags.[#SelectionName].tag_key",
		fail:       swap("\t\t\ttag_key:      \"Backup\"\n", ""),
		at:         "s: {",
		code:       "missing-key", msg: `^missing required key "tag_key" in selection "s"`, hint: `tag selection needs tag_key`,
	},
	{
		constraint: "#CompletePlan.selections.tags.[#SelectionName].tag_value",
		fail:       swap("\t\t\ttag_value: [\"On\"]\n", ""),
		at:         "s: {",
		code:       "missing-key", msg: `^missing required key "tag_value" in selection "s"`, hint: `list of values`,
	},
	{
		constraint: "#CompletePlan.selections.resources.[#SelectionName].iam_role_arn",
		pass:       add(resSel),
		fail:       add(inPlan + `selections: resources: ` + mark + `rs: resource_types: ["*"]`),
		code:       "missing-key", msg: `^missing required key "iam_role_arn" in selection "rs"`, hint: `arn:aws:iam::\$account:role/`,
	},
	{
		constraint: "#CompletePlan.selections.resources.[#SelectionName].resource_types",
		fail:       add(inPlan + `selections: resources: ` + mark + `rs: iam_role_arn: "arn:aws:iam::$account:role/role"`),
		code:       "missing-key", msg: `^missing required key "resource_types" in selection "rs"`, hint: `\["\*"\]`,
	},
	{
		constraint: "#Baseline.targets",
		fail:       swap("\ttargets: [\"Root\"]\n\tregions", "\tregions"),
		at:         "b: {",
		code:       "missing-key", msg: `^missing required key "targets" in baseline "b"$`, hint: `targets: \["Root"\]`,
	},
	{
		constraint: "#Baseline.targets (empty)",
		fail:       swap("targets: [\"Root\"]\n\tregions", mark+"targets: []\n\tregions"),
		code:       "invalid-value", msg: `^invalid targets in baseline "b"$`, hint: `at least one target`,
	},
	{
		constraint: "#Baseline.targets (duplicate)",
		fail:       swap("targets: [\"Root\"]\n\tregions", "targets: [\"Root\", "+mark+"\"Root\"]\n\tregions"),
		code:       "duplicate", msg: `^targets lists "Root" more than once in baseline "b"$`, hint: `remove the repeated "Root"`,
	},
	{
		constraint: "#Baseline.regions",
		fail:       swap("\tregions: [\"us-east-1\"]\n\trole_name", "\trole_name"),
		at:         "b: {",
		code:       "missing-key", msg: `^missing required key "regions" in baseline "b"$`, hint: `regions: \["us-east-1"\]`,
	},
	{
		constraint: "#Baseline.regions (empty)",
		fail:       swap("regions: [\"us-east-1\"]\n\trole_name", mark+"regions: []\n\trole_name"),
		code:       "invalid-value", msg: `^invalid regions in baseline "b"$`, hint: `at least one Region`,
	},
	{
		constraint: "#Baseline.regions (duplicate)",
		pass:       swap("regions: [\"us-east-1\"]\n\trole_name", "regions: [\"us-east-1\", \"eu-west-1\"]\n\trole_name"),
		fail:       swap("regions: [\"us-east-1\"]\n\trole_name", "regions: [\"us-east-1\", "+mark+"\"us-east-1\"]\n\trole_name"),
		code:       "duplicate", msg: `^regions lists "us-east-1" more than once in baseline "b"$`, hint: `remove the repeated "us-east-1"`,
	},
	{
		constraint: "#Organization.backup_policies",
		pass:       add(`organization: backup_policies: "enabled"`),
		fail:       add(`organization: backup_policies: ` + mark + `"disabled"`),
		code:       "invalid-value", msg: `^invalid backup_policies$`, hint: `never disables the policy type`,
	},
	{
		constraint: "#Organization.delegated_administrator",
		pass:       add(`organization: delegated_administrator: "111122223333"`),
		fail:       add(`organization: delegated_administrator: ` + mark + `"1111-2222-3333"`),
		code:       "invalid-value", msg: `^invalid delegated_administrator$`, hint: `12-digit member account id`,
	},
	{
		constraint: "#Organization.repository",
		pass:       add(`organization: repository: "acme/backup-policies"`),
		fail:       add(`organization: repository: ` + mark + `"acme/backup policies (prod)"`),
		code:       "invalid-value", msg: `^invalid repository$`, hint: `Organizations tag value`,
	},
	{
		constraint: "#Organization.repository (length)",
		pass:       add(`organization: repository: "` + strings.Repeat("r", 256) + `"`),
		fail:       add(`organization: repository: ` + mark + `"` + strings.Repeat("r", 257) + `"`),
		code:       "invalid-value", msg: `^repository is 257 characters long, at most 256 allowed$`, hint: `Organizations tag value`,
	},
	{
		constraint: "#Baseline.role_path",
		pass:       add(inBaseline + `role_path: "/service-role/"`),
		fail:       add(inBaseline + `role_path: ` + mark + `"service-role"`),
		code:       "invalid-value", msg: `^invalid role_path in baseline "b"$`, hint: `starts and ends with "/"`,
	},
	{
		constraint: "#Baseline.role_managed_policy_arns",
		pass:       add(inBaseline + `role_managed_policy_arns: ["arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"]`),
		fail:       add(inBaseline + `role_managed_policy_arns: [` + mark + `"AWSBackupServiceRolePolicyForS3Backup"]`),
		code:       "invalid-value", msg: `^invalid role_managed_policy_arns\[0\] in baseline "b"$`, hint: `managed policy ARN looks like`,
	},
	{
		constraint: "#Baseline.role_managed_policy_arns (duplicate)",
		fail:       add(inBaseline + `role_managed_policy_arns: ["arn:aws:iam::aws:policy/P", ` + mark + `"arn:aws:iam::aws:policy/P"]`),
		code:       "duplicate", msg: `^role_managed_policy_arns lists "arn:aws:iam::aws:policy/P" more than once`, hint: `remove the repeated`,
	},
	{
		constraint: "#Baseline.vault_access_policy.Statement",
		fail:       add(inBaseline + mark + `vault_access_policy: Version: "2012-10-17"`),
		code:       "missing-key", msg: `^missing required key "Statement" in baseline "b"$`, hint: `Statement: \[`,
	},
	{
		constraint: "partial policy needs no required keys",
		pass:       add(partialPolicy + `plan: rules: r: start_backup_window_minutes: 60`),
		fail:       add(partialPolicy + `plan: rules: r: start_backup_window_minutes: ` + mark + `59`),
		code:       "invalid-value", msg: `^invalid start_backup_window_minutes in rule "r" of plan "plan" of policy "q"$`, hint: `at least 60`,
	},

	// --- counts and consistency checks ------------------------------------
	{
		constraint: "#Plan._at_most_10_rules",
		pass:       add(inPlan + `rules: {` + repeat(9, `r%d: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`) + `}`),
		fail:       add(inPlan + `rules: {` + repeat(10, `r%d: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`) + `}`),
		at:         "rules: r",
		code:       "constraint", msg: `^a backup plan has at most 10 rules \(AWS Backup quota\); plan "plan" of policy "p" has 11$`, hint: `move rules to another plan`,
	},
	{
		constraint: "#Plan._at_most_10_rules (next to another error)",
		fail: add(inPlan + `rules: {` + repeat(10, `r%d: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`) + `}` + "\n" +
			inRule + `start_backup_window_minutes: 1`),
		at:     "rules: r",
		others: 1,
		code:   "constraint", msg: `^a backup plan has at most 10 rules`, hint: `move rules to another plan`,
	},
	{
		constraint: "#Plan._at_most_10_rules (next to a failed check in a rule)",
		fail: add(inPlan + `rules: {` + repeat(10, `r%d: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}`) + `}` + "\n" +
			inRule + `copy_actions: {` + repeat(6, `"arn:aws:backup:us-west-2:$account:backup-vault:v%d": {}`) + `}`),
		at:     "rules: r",
		others: 1,
		code:   "constraint", msg: `^a backup plan has at most 10 rules`, hint: `move rules to another plan`,
	},
	{
		constraint: "#Plan._at_most_10_rules (and missing keys in its rules)",
		fail:       add(inPlan + `rules: {` + repeat(10, `r%d: schedule_expression: "cron(0 5 ? * * *)"`) + `}`),
		at:         "rules: r",
		others:     10,
		code:       "constraint", msg: `^a backup plan has at most 10 rules`, hint: `move rules to another plan`,
	},
	{
		constraint: "#Plan._at_most_10_tag_selections",
		pass:       add(inPlan + `selections: tags: {` + repeat(9, `s%d: {iam_role_arn: "arn:aws:iam::$account:role/role", tag_key: "k", tag_value: ["v"]}`) + `}`),
		fail:       add(inPlan + `selections: tags: {` + repeat(10, `s%d: {iam_role_arn: "arn:aws:iam::$account:role/role", tag_key: "k", tag_value: ["v"]}`) + `}`),
		at:         "tags: s",
		code:       "constraint", msg: `^a backup plan has at most 10 tag-based resource assignments \(AWS Backup quota\); plan "plan" of policy "p" has 11$`, hint: `selections.resources`,
	},
	{
		constraint: "#Plan._at_most_100_selections",
		pass:       add(inPlan + `selections: resources: {` + repeat(99, `rs%d: {iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ["*"]}`) + `}`),
		fail:       add(inPlan + `selections: resources: {` + repeat(100, `rs%d: {iam_role_arn: "arn:aws:iam::$account:role/role", resource_types: ["*"]}`) + `}`),
		at:         "selections: tags",
		code:       "constraint", msg: `^a backup plan has at most 100 resource assignments \(AWS Backup quota\); plan "plan" of policy "p" has 101$`, hint: `another plan`,
	},
	{
		constraint: "#CompletePlan._has_rule",
		pass:       edits(swap(rulesBlock, "rules: {}"), swap(`targets: ["Root"]`, `targets: ["Root"], partial: true`)),
		fail:       swap(rulesBlock, mark+"rules: {}"),
		code:       "constraint", msg: `^a plan needs at least one rule; plan "plan" of policy "p" has none$`, hint: `add a rule`,
	},
	{
		constraint: "#CompletePlan._has_selection",
		fail:       swap(selectionsBlock, mark+"selections: {tags: {}}"),
		code:       "constraint", msg: `^a plan's selections need at least one entry under tags or resources; plan "plan" of policy "p" has none$`, hint: `selections: tags:`,
	},
	{
		constraint: "#CompletePlan._has_region",
		pass:       swap(`regions: ["us-east-1"]`, `regions: "@@append": ["us-east-1"]`),
		fail:       swap(`regions: ["us-east-1"]`, mark+`regions: []`),
		code:       "constraint", msg: `^regions must list at least one Region; plan "plan" of policy "p" has none$`, hint: `regions: \["us-east-1"\]`,
	},
	{
		constraint: "#CompletePlan._has_rule (not a follow-on)",
		fail:       add(inRule + `start_backup_window_minutes: ` + mark + `1`),
		code:       "invalid-value", msg: `^invalid start_backup_window_minutes`, hint: `at least 60`,
	},
	{
		constraint: "#Rule._at_most_5_copy_actions",
		pass:       add(inRule + `copy_actions: {` + repeat(5, `"arn:aws:backup:us-west-2:$account:backup-vault:v%d": {}`) + `}`),
		fail:       add(inRule + mark + `copy_actions: {` + repeat(6, `"arn:aws:backup:us-west-2:$account:backup-vault:v%d": {}`) + `}`),
		code:       "constraint", msg: `^a rule has at most 5 copy actions \(AWS Backup quota\); rule "r" of plan "plan" of policy "p" has 6$`, hint: `another rule`,
	},
	{
		constraint: "#Rule._at_most_10_recovery_point_tags",
		pass:       add(inRule + `recovery_point_tags: {` + repeat(10, `t%d: {tag_key: "k%d", tag_value: "v"}`) + `}`),
		fail:       add(inRule + mark + `recovery_point_tags: {` + repeat(11, `t%d: {tag_key: "k%d", tag_value: "v"}`) + `}`),
		code:       "constraint", msg: `^a recovery point has at most 10 tags \(AWS Backup quota\); rule "r" of plan "plan" of policy "p" has 11$`, hint: `remove tags`,
	},
	{
		constraint: "#Rule._continuous_at_most_35_days",
		pass:       add(inRule + `{enable_continuous_backup: true, lifecycle: delete_after_days: 35}`),
		fail:       add(inRule + `{enable_continuous_backup: true, lifecycle: ` + mark + `delete_after_days: -1}`),
		code:       "constraint", msg: `^with enable_continuous_backup, lifecycle.delete_after_days is 1 to 35 days \(continuous backups are kept neither longer nor indefinitely\) in rule "r"`, hint: `at most 35 days, or turn enable_continuous_backup off`,
	},
	{
		constraint: "#Rule._continuous_no_cold_storage",
		pass:       add(inRule + `{enable_continuous_backup: false, lifecycle: {move_to_cold_storage_after_days: 1, delete_after_days: 91}}`),
		fail:       add(inRule + `{enable_continuous_backup: true, lifecycle: ` + mark + `move_to_cold_storage_after_days: 30}`),
		code:       "constraint", msg: `^with enable_continuous_backup, lifecycle.move_to_cold_storage_after_days is not allowed in rule "r"`, hint: `remove move_to_cold_storage_after_days`,
	},
	{
		constraint: "#Lifecycle._delete_at_least_cold_plus_90",
		pass:       add(inLifecycle + `{move_to_cold_storage_after_days: 30, delete_after_days: 120}`),
		fail:       add(inLifecycle + `{move_to_cold_storage_after_days: 30, ` + mark + `delete_after_days: 119}`),
		code:       "constraint", msg: `^lifecycle.delete_after_days must be at least move_to_cold_storage_after_days \+ 90 .* in rule "r"`, hint: `raise delete_after_days`,
	},
	{
		constraint: "#TagSelection.tag_value",
		pass:       swap(`tag_value: ["On"]`, `tag_value: ["On", "Yes"]`),
		fail:       swap(`tag_value: ["On"]`, `tag_value: `+mark+`"On"`),
		code:       "type", msg: `^tag_value must be a list, not a string`, hint: `tag_value lists 1 to 30 tag values`,
	},
	{
		constraint: "#TagSelection._at_most_30_values",
		pass:       swap(`tag_value: ["On"]`, `tag_value: [`+repeat(30, `"v%d"`)+`]`),
		fail:       swap(`tag_value: ["On"]`, mark+`tag_value: [`+repeat(31, `"v%d"`)+`]`),
		code:       "constraint", msg: `^tag_value lists at most 30 values \(AWS Backup quota: 30 tags per selection\); selection "s" of plan "plan" of policy "p" has 31$`, hint: `split the selection`,
	},
	{
		constraint: "#Conditions._at_most_30_conditions",
		pass:       add(inTagSel + `conditions: {string_equals: {` + repeat(15, `c%d: {condition_key: "aws:ResourceTag/k%d", condition_value: "v"}`) + `}, string_like: {` + repeat(15, `c%d: {condition_key: "aws:ResourceTag/k%d", condition_value: "v*"}`) + `}}`),
		fail:       add(inTagSel + mark + `conditions: {string_equals: {` + repeat(16, `c%d: {condition_key: "aws:ResourceTag/k%d", condition_value: "v"}`) + `}, string_like: {` + repeat(15, `c%d: {condition_key: "aws:ResourceTag/k%d", condition_value: "v*"}`) + `}}`),
		code:       "constraint", msg: `^a selection has at most 30 conditions \(AWS Backup quota\); selection "s" of plan "plan" of policy "p" has 31$`, hint: `remove conditions`,
	},

	// --- the AWS operator form ----------------------------------------------
	{
		constraint: "operator @@assign on a string leaf",
		pass:       swap(`target_backup_vault_name: "vault"`, `target_backup_vault_name: "@@assign": "vault"`),
		fail:       swap(`target_backup_vault_name: "vault"`, `target_backup_vault_name: "@@assign": `+mark+`"v"`),
		code:       "invalid-value", msg: `^invalid target_backup_vault_name in rule "r"`, hint: `backup vault name is 2 to 50`,
	},
	{
		constraint: "#IntLeaf.#O",
		pass:       add(inRule + `start_backup_window_minutes: "@@assign": "60"`),
		fail:       add(inRule + `start_backup_window_minutes: "@@assign": ` + mark + `"sixty"`),
		code:       "invalid-value", msg: `^invalid start_backup_window_minutes in rule "r"`, hint: `whole number in digits`,
	},
	{
		constraint: "#BoolLeaf.#O",
		pass:       add(inRule + `enable_continuous_backup: "@@assign": "false"`),
		fail:       add(inRule + `enable_continuous_backup: "@@assign": ` + mark + `"no"`),
		code:       "invalid-value", msg: `^invalid enable_continuous_backup in rule "r"`, hint: `"true" or "false"`,
	},
	{
		constraint: "operator unknown operator on a leaf",
		fail:       add(inRule + `start_backup_window_minutes: ` + mark + `"@@asign": "60"`),
		code:       "unknown-key", msg: `^unknown key "@@asign" in start_backup_window_minutes in rule "r"`, hint: `^did you mean "@@assign"\? start_backup_window_minutes takes a value`,
	},
	{
		constraint: "operator @@append and @@remove on a list",
		pass:       add(partialPolicy + `plan: regions: {"@@append": ["us-west-2"], "@@remove": ["eu-west-1"], "@@operators_allowed_for_child_policies": ["@@none"]}`),
		fail:       add(partialPolicy + `plan: regions: "@@remove": [` + mark + `"nowhere"]`),
		code:       "invalid-value", msg: `^invalid regions\[0\] in plan "plan" of policy "q"$`, hint: `AWS Region code`,
	},
	{
		constraint: "operator unknown operator on a list",
		fail:       add(partialPolicy + `plan: regions: ` + mark + `"@@apend": ["us-west-2"]`),
		code:       "unknown-key", msg: `^unknown key "@@apend" in regions in plan "plan" of policy "q"$`, hint: `did you mean "@@append"\?`,
	},
	{
		constraint: "operator @@append of a string",
		fail:       add(partialPolicy + `plan: regions: "@@append": ` + mark + `"us-west-2"`),
		code:       "type", msg: `^regions must be a list, not a string`, hint: `\["us-west-2"\]`,
	},
	{
		constraint: "operator child control on a leaf",
		pass:       add(inRule + `start_backup_window_minutes: {"@@assign": 60, "@@operators_allowed_for_child_policies": ["@@none"]}`),
		fail:       add(inRule + `start_backup_window_minutes: {"@@assign": 60, "@@operators_allowed_for_child_policies": ` + mark + `"@@none"}`),
		code:       "type", msg: `^"@@operators_allowed_for_child_policies" must be a list, not a string`, hint: `takes \["@@all"\]`,
	},

	// --- JSON policy documents ---------------------------------------------
	{
		constraint: "json operator form",
		pass: edits(add(`policies: ops: targets: []`), file("ops.json", `{"plans": {"plan": {
  "regions": {"@@assign": ["us-east-1"]},
  "rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "vault"}, "start_backup_window_minutes": {"@@assign": "60"}}},
  "selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/role"}, "tag_key": {"@@assign": "Backup"}, "tag_value": {"@@assign": ["On"]}}}}
}}}`)),
		fail: edits(add(`policies: ops: targets: []`), file("ops.json", `{"plans": {"plan": {
  "regions": {"@@assign": ["us-east-1"]},
  "rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "vault"}, "start_backup_window_minutes": {"@@assign": `+mark+`"1h"}}},
  "selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/role"}, "tag_key": {"@@assign": "Backup"}, "tag_value": {"@@assign": ["On"]}}}}
}}}`)),
		code: "invalid-value", msg: `^invalid start_backup_window_minutes in rule "r" of plan "plan" of policy "ops"$`, hint: `whole number in digits`,
	},
	{
		constraint: "json unknown key",
		fail: edits(add(`policies: ops: {targets: [], partial: true}`), file("ops.json", `{"plans": {"plan": {
  "rules": {"r": {`+mark+`"target_vault_name": {"@@assign": "vault"}}}
}}}`)),
		code: "unknown-key", msg: `^unknown key "target_vault_name" in rule "r" of plan "plan" of policy "ops"$`, hint: `did you mean "target_backup_vault_name"\?`,
	},
}

// rawCUE is wording that means an error reached the user as CUE reported it.
var rawCUE = regexp.MustCompile(`conflicting values|empty disjunction|mismatched types|out of bound|does not satisfy|field not allowed|incomplete value|not present|_\|_`)

// loadCase writes the case's files into a fresh policy directory and loads
// it from the directory's parent, so positions are relative like a user's.
// It returns the diagnostics and the position the case marked, if any.
func loadCase(t *testing.T, e edit) (diag.List, doc.Pos) {
	t.Helper()
	files := map[string]string{mainFile: base}
	if e != nil {
		e(t, files)
	}
	t.Chdir(t.TempDir())
	if err := os.Mkdir("policies", 0o755); err != nil {
		t.Fatal(err)
	}
	var at doc.Pos
	for name, content := range files {
		if i := strings.Index(content, mark); i >= 0 {
			at = offsetPos("policies/"+name, []byte(content), i)
			content = content[:i] + content[i+len(mark):]
		}
		if err := os.WriteFile(filepath.Join("policies", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo, diags := Load("policies")
	if repo == nil && !diags.HasErrors() {
		t.Errorf("Load returned no repo and no error")
	}
	return diags, at
}

// position returns the position of the first occurrence of s in the main
// file of a case, for diagnostics that point at a declaration in base.
func position(t *testing.T, e edit, s string) doc.Pos {
	t.Helper()
	files := map[string]string{mainFile: base}
	e(t, files)
	i := strings.Index(files[mainFile], s)
	if i < 0 {
		t.Fatalf("%q is not in the main file", s)
	}
	return offsetPos("policies/"+mainFile, []byte(files[mainFile]), i)
}

func dump(diags diag.List) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n\t%s: %s: %s [%s] value=%s hint=%q path=%s", d.Pos, d.Severity, d.Message, d.Code, d.Value, d.Hint, d.Path)
	}
	return b.String()
}

func TestSchemaConstraints(t *testing.T) {
	t.Run("base", func(t *testing.T) {
		if diags, _ := loadCase(t, nil); len(diags) > 0 {
			t.Fatalf("base does not load cleanly:%s", dump(diags))
		}
	})
	for _, c := range schemaCases {
		if c.pass != nil {
			t.Run(c.constraint+"/pass", func(t *testing.T) {
				if diags, _ := loadCase(t, c.pass); len(diags) > 0 {
					t.Errorf("want no diagnostics, got:%s", dump(diags))
				}
			})
		}
		t.Run(c.constraint+"/fail", func(t *testing.T) {
			diags, at := loadCase(t, c.fail)
			if c.at != "" {
				at = position(t, c.fail, c.at)
			}
			if !at.IsValid() {
				t.Fatalf("case has no %s mark and no at", mark)
			}
			var errs diag.List
			for _, d := range diags {
				if d.Severity == diag.Error {
					errs = append(errs, d)
				}
			}
			if len(errs) != 1+c.others {
				t.Fatalf("want %d errors, got %d:%s", 1+c.others, len(errs), dump(diags))
			}
			d := errs[0]
			if i := slices.IndexFunc(errs, func(d diag.Diagnostic) bool { return d.Pos == at }); i >= 0 {
				d = errs[i]
			}
			if d.Code != c.code || d.Pos != at {
				t.Errorf("got [%s] at %s, want [%s] at %s:%s", d.Code, d.Pos, c.code, at, dump(diags))
			}
			if !regexp.MustCompile(c.msg).MatchString(d.Message) {
				t.Errorf("message %q does not match %q", d.Message, c.msg)
			}
			if !regexp.MustCompile(c.hint).MatchString(d.Hint) {
				t.Errorf("hint %q does not match %q", d.Hint, c.hint)
			}
			for _, s := range []string{d.Message, d.Hint} {
				if rawCUE.MatchString(s) {
					t.Errorf("CUE's wording reached the user: %q", s)
				}
			}
		})
	}
}

// TestSchemaConstraintsCovered fails when the schema gains a constraint that
// TestSchemaConstraints does not exercise: every declaration with an
// `//error:` comment, every hidden check and every required field needs a
// case that breaks it.
func TestSchemaConstraintsCovered(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range schemaCases {
		id, _, _ := strings.Cut(c.constraint, " (")
		tested[id] = true
	}
	constraints := schemaConstraints(t)
	if len(constraints) < 50 {
		t.Fatalf("found only %d constraints in the schema; is the walk broken?", len(constraints))
	}
	for _, id := range constraints {
		if !tested[id] {
			t.Errorf("schema constraint %s has no case in schemaCases", id)
		}
	}
	for id := range tested {
		if !slices.Contains(constraints, id) && !slices.ContainsFunc(extraKinds, func(k string) bool { return strings.HasPrefix(id, k) }) {
			t.Errorf("case %q names no schema constraint (or start it with one of %q)", id, extraKinds)
		}
	}
}

// schemaConstraints lists the constraints of the schema that must have a
// case, named by their definition and labels: "#Rule.start_backup_window_minutes",
// "#CompletePlan.rules.[#RuleName].target_backup_vault_name", "#Plan._at_most_10_rules".
func schemaConstraints(t *testing.T) []string {
	var out []string
	files, err := schema.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range files {
		name := src.Name
		f, err := parser.ParseFile(name, src.Data, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(prefix string, decls []ast.Decl)
		walk = func(prefix string, decls []ast.Decl) {
			for _, d := range decls {
				switch d := d.(type) {
				case *ast.Field:
					id := labelText(d.Label)
					if prefix != "" {
						id = prefix + "." + id
					}
					if hasErrorComment(d) || isCheck(d) || d.Constraint == token.NOT {
						out = append(out, id)
					}
					if s := structOf(d.Value); s != nil {
						walk(id, s.Elts)
					}
				case *ast.Comprehension:
					if s, ok := d.Value.(*ast.StructLit); ok {
						walk(prefix, s.Elts)
					}
				}
			}
		}
		// vet.cue repeats #Config for plain `cue vet`; its fields are
		// tested through #Config.
		if name != "vet.cue" {
			walk("", f.Decls)
		}
	}
	return out
}

func hasErrorComment(n ast.Node) bool {
	for _, cg := range ast.Comments(n) {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//error:") {
				return true
			}
		}
	}
	return false
}

// isCheck reports whether a field is a hidden consistency check, written
// `_name: true & (condition)`.
func isCheck(f *ast.Field) bool {
	id, ok := f.Label.(*ast.Ident)
	if !ok || !strings.HasPrefix(id.Name, "_") {
		return false
	}
	b, ok := f.Value.(*ast.BinaryExpr)
	if !ok || b.Op != token.AND {
		return false
	}
	x, ok := b.X.(*ast.Ident)
	return ok && x.Name == "true"
}

// structOf returns the struct literal a field's value declares, looking
// through `(#Leaf & {...}).out` and the like.
func structOf(x ast.Expr) *ast.StructLit {
	switch x := x.(type) {
	case *ast.StructLit:
		return x
	case *ast.BinaryExpr:
		if s := structOf(x.X); s != nil {
			return s
		}
		return structOf(x.Y)
	}
	return nil
}

func labelText(l ast.Label) string {
	switch l := l.(type) {
	case *ast.Ident:
		return l.Name
	case *ast.BasicLit:
		return strings.Trim(l.Value, `"`)
	case *ast.ListLit:
		b, err := format.Node(l)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprintf("%T", l)
}
