package inherit

import (
	"fmt"
	"strings"
	"testing"
)

// backupPlan writes one complete backup plan in operator form, shaped like
// the AWS syntax examples: rules with lifecycles and copy actions, a tag
// selection, plan tags and, if locked, @@none on the plan's settings.
func backupPlan(name string, rules int, locked bool) string {
	lock := ""
	if locked {
		lock = `"@@operators_allowed_for_child_policies":["@@none"],`
	}
	var rs []string
	for i := range rules {
		rs = append(rs, fmt.Sprintf(`"Rule%d":{
			"schedule_expression":{%s"@@assign":"cron(0 %d ? * * *)"},
			"start_backup_window_minutes":{"@@assign":"60"},
			"complete_backup_window_minutes":{"@@assign":"600"},
			"target_backup_vault_name":{"@@assign":"Main"},
			"lifecycle":{"move_to_cold_storage_after_days":{"@@assign":"30"},"delete_after_days":{"@@assign":"365"}},
			"recovery_point_tags":{"owner":{"tag_key":{"@@assign":"Owner"},"tag_value":{"@@assign":"Backup"}}},
			"copy_actions":{
				"arn:aws:backup:us-west-2:$account:backup-vault:Secondary":{"target_backup_vault_arn":{"@@assign":"arn:aws:backup:us-west-2:$account:backup-vault:Secondary"},"lifecycle":{"delete_after_days":{"@@assign":"100"}}},
				"arn:aws:backup:eu-west-1:111111111111:backup-vault:Central":{"target_backup_vault_arn":{"@@assign":"arn:aws:backup:eu-west-1:111111111111:backup-vault:Central"},"lifecycle":{"delete_after_days":{"@@assign":"400"}}}}}`,
			i, lock, i))
	}
	return fmt.Sprintf(`"%s":{
		"regions":{%s"@@append":["us-east-1","us-west-2","eu-west-1","eu-central-1"]},
		"rules":{%s},
		"selections":{"tags":{"Sel":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/Backup"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["daily","PII","RED"]}}}},
		"advanced_backup_settings":{"ec2":{"windowsvss":{"@@assign":"enabled"}}},
		"backup_plan_tags":{"stage":{"tag_key":{"@@assign":"Stage"},"tag_value":{"@@assign":"Prod"}}}}`,
		name, lock, strings.Join(rs, ","))
}

func benchLevels(b *testing.B) (prefix []Level, accounts []Level) {
	root := `{"plans":{"@@operators_allowed_for_child_policies":["@@append"],` + backupPlan("Org_Baseline", 4, true) + `,` + backupPlan("Org_Daily", 3, false) + `}}`
	ou := `{"plans":{"org_daily":{"regions":{"@@append":["ap-south-1"]},"rules":{"rule0":{"target_backup_vault_name":{"@@assign":"Prod"}},"Rule9":{"schedule_expression":{"@@assign":"cron(0 9 ? * * *)"},"target_backup_vault_name":{"@@assign":"Prod"}}}},` + backupPlan("OU_Weekly", 2, false) + `}}`
	prefix = chain(b, []pol{{"p-root", root}}, []pol{{"p-ou", ou}}, []pol{{"p-sub-ou", `{"plans":{"org_daily":{"selections":{"tags":{"sel":{"tag_value":{"@@append":["prod"]}}}}}}}`}})
	for i := range 50 {
		accounts = append(accounts, chain(b, []pol{{fmt.Sprintf("p-acct-%d", i), `{"plans":{"org_daily":{"regions":{"@@remove":["eu-central-1"]}},` + backupPlan(fmt.Sprintf("Acct_%d", i), 2, false) + `}}`}})...)
	}
	return prefix, accounts
}

// BenchmarkApply applies one account level (a policy with a two-rule plan and
// an override) to a cached root/OU/OU prefix with three plans and nine
// rules, which is the per-account cost of an organization preview.
func BenchmarkApply(b *testing.B) {
	prefix, accounts := benchLevels(b)
	s := Merge(prefix...)
	i := 0
	for b.Loop() {
		s.Apply(accounts[i%len(accounts)])
		i++
	}
}

// BenchmarkApplyEffective is BenchmarkApply plus rendering the effective
// policy and asking for the contributors of the plans.
func BenchmarkApplyEffective(b *testing.B) {
	prefix, accounts := benchLevels(b)
	s := Merge(prefix...)
	i := 0
	for b.Loop() {
		t := s.Apply(accounts[i%len(accounts)])
		t.Effective().Compact()
		t.Contributors("plans")
		i++
	}
}

// BenchmarkMergeChain merges a whole four-level chain from scratch, for
// callers that do not cache prefixes.
func BenchmarkMergeChain(b *testing.B) {
	prefix, accounts := benchLevels(b)
	levels := append(prefix, accounts[0])
	for b.Loop() {
		Merge(levels...).Effective()
	}
}
