package inherit

import (
	"bytes"
	"testing"
)

type mergeCase struct {
	name   string
	levels [][]pol
	want   string   // effective policy
	notes  []string // noteSummary of every note, in order
}

func runMergeCases(t *testing.T, cases []mergeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Merge(chain(t, tc.levels...)...)
			if got, want := string(s.Effective().Indent()), canon(t, tc.want); got != want {
				t.Errorf("effective policy:\n%s\nwant:\n%s", got, want)
			}
			if diff := lineDiff(tc.notes, noteSummaries(s.Notes())); diff != "" {
				t.Errorf("notes (-want +got):\n%s\nall notes:\n%s", diff, notesText(s.Notes()))
			}
		})
	}
}

func TestValueOperators(t *testing.T) {
	runMergeCases(t, []mergeCase{{
		name:   "assign adds an absent scalar",
		levels: [][]pol{{{"p", `{"a":{"b":{"@@assign":"x"}}}`}}},
		want:   `{"a":{"b":"x"}}`,
	}, {
		name: "assign replaces an inherited scalar",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":"x"}}`}},
			{{"ou", `{"a":{"@@assign":"y"}}`}},
		},
		want: `{"a":"y"}`,
	}, {
		name: "assign replaces an inherited list",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["x","y"]}}`}},
			{{"ou", `{"a":{"@@assign":["z"]}}`}},
		},
		want: `{"a":["z"]}`,
	}, {
		name: "assign may change a scalar into a list and back",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":"x"},"b":{"@@assign":["x"]}}`}},
			{{"ou", `{"a":{"@@assign":["x"]},"b":{"@@assign":"x"}}`}},
		},
		want: `{"a":["x"],"b":"x"}`,
	}, {
		name:   "assign keeps duplicates as written",
		levels: [][]pol{{{"p", `{"a":{"@@assign":["x","x"]}}`}}},
		want:   `{"a":["x","x"]}`,
	}, {
		name:   "assign of an empty list",
		levels: [][]pol{{{"p", `{"a":{"@@assign":[]}}`}}},
		want:   `{"a":[]}`,
	}, {
		name:   "append adds an absent setting without duplicates",
		levels: [][]pol{{{"p", `{"a":{"@@append":["x","y","x"]}}`}}},
		want:   `{"a":["x","y"]}`,
	}, {
		name: "append adds only new values, keeping order",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["us-east-1","eu-north-1"]}}`}},
			{{"ou", `{"a":{"@@append":["eu-north-1","ap-south-1","us-east-1","eu-west-1"]}}`}},
		},
		want: `{"a":["us-east-1","eu-north-1","ap-south-1","eu-west-1"]}`,
	}, {
		name: "remove removes every occurrence and skips absent values",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["x","y","x","z"]}}`}},
			{{"ou", `{"a":{"@@remove":["x","nope"]}}`}},
		},
		want: `{"a":["y","z"]}`,
	}, {
		// INHERIT Example 3 (tag policies): D removes both values of
		// enforced_for, and the effective policy has no enforced_for.
		name: "remove down to an empty list drops the setting",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["x"]},"b":{"@@assign":"y"}}`}},
			{{"ou", `{"a":{"@@remove":["x"]}}`}},
		},
		want: `{"b":"y"}`,
	}, {
		name: "an emptied setting can be appended to again",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["x"]}}`}},
			{{"ou", `{"a":{"@@remove":["x"]}}`}},
			{{"acct", `{"a":{"@@append":["z"]}}`}},
		},
		want: `{"a":["z"]}`,
	}, {
		name:   "an empty list assigned stays",
		levels: [][]pol{{{"p", `{"a":{"@@assign":[]}}`}}},
		want:   `{"a":[]}`,
	}, {
		name:   "remove on an absent setting adds nothing",
		levels: [][]pol{{{"p", `{"a":{"@@remove":["x"]},"b":{"@@assign":"y"}}`}}},
		want:   `{"b":"y"}`,
	}, {
		name: "values compare by kind: the string \"1\" is not the number 1",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":["1",1,true,"true"]}}`}},
			{{"ou", `{"a":{"@@remove":[1,"true"],"@@append":[1.0]}}`}},
		},
		want: `{"a":["1",true,1.0]}`,
	}, {
		name:   "assign, append and remove in one object apply in that order",
		levels: [][]pol{{{"p", `{"a":{"@@remove":["y"],"@@append":["y","z"],"@@assign":["x","y"]}}`}}},
		want:   `{"a":["x","z"]}`,
	}, {
		name:   "booleans, numbers, $account and $region are kept as written",
		levels: [][]pol{{{"p", `{"a":{"@@assign":false},"b":{"@@assign":"false"},"c":{"@@assign":480},"d":{"@@assign":"480"},"e":{"@@assign":"arn:aws:backup:$region:$account:backup-vault:V"}}`}}},
		want:   `{"a":false,"b":"false","c":480,"d":"480","e":"arn:aws:backup:$region:$account:backup-vault:V"}`,
	}, {
		name: "append and remove on an inherited scalar are invalid",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":"x"},"b":{"@@assign":"y"}}`}},
			{{"ou", `{"a":{"@@append":["z"]},"b":{"@@remove":["y"]}}`}},
		},
		want:  `{"a":"x","b":"y"}`,
		notes: []string{"invalid-operator 1 ou a", "invalid-operator 1 ou b"},
	}, {
		name:   "append and remove with a scalar operand are invalid",
		levels: [][]pol{{{"p", `{"a":{"@@append":"x"},"b":{"@@assign":["y"],"@@remove":"y"}}`}}},
		want:   `{"b":["y"]}`,
		notes:  []string{"invalid-operator 0 p a", "invalid-operator 0 p b"},
	}, {
		name:   "operands that are not scalars or lists of scalars are malformed",
		levels: [][]pol{{{"p", `{"a":{"@@assign":{"x":1}},"b":{"@@assign":null},"c":{"@@assign":[["x"]]},"d":{"@@append":[{}]},"e":{"@@assign":"ok"}}`}}},
		want:   `{"e":"ok"}`,
		notes:  []string{"malformed 0 p a", "malformed 0 p b", "malformed 0 p c", "malformed 0 p d"},
	}})
}

func TestChildControl(t *testing.T) {
	runMergeCases(t, []mergeCase{{
		name: "@@all allows everything",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@all"],"@@assign":["x","y"]}}`}},
			{{"ou", `{"a":{"@@assign":["p","q"],"@@append":["r"],"@@remove":["p"]}}`}},
		},
		want: `{"a":["q","r"]}`,
	}, {
		name: "@@none blocks every operator on the setting",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":["x","y"]}}`}},
			{{"ou", `{"a":{"@@assign":["p"],"@@append":["r"],"@@remove":["x"]}}`}},
		},
		want:  `{"a":["x","y"]}`,
		notes: []string{"not-allowed 1 ou a by root", "not-allowed 1 ou a by root", "not-allowed 1 ou a by root"},
	}, {
		name: "a list allows exactly the listed operators",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["x"]},"b":{"@@operators_allowed_for_child_policies":["@@assign","@@remove"],"@@assign":["x"]}}`}},
			{{"ou", `{"a":{"@@assign":["p"],"@@append":["q"],"@@remove":["x"]},"b":{"@@assign":["p","x"],"@@append":["q"],"@@remove":["x"]}}`}},
		},
		want:  `{"a":["x","q"],"b":["p"]}`,
		notes: []string{"not-allowed 1 ou a by root", "not-allowed 1 ou a by root", "not-allowed 1 ou b by root"},
	}, {
		name: "restrictions intersect across levels",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@append","@@remove"],"@@assign":["x","y"]}}`}},
			{{"ou", `{"a":{"@@operators_allowed_for_child_policies":["@@assign","@@append"]}}`}},
			{{"acct", `{"a":{"@@assign":["p"],"@@append":["q"],"@@remove":["x"]}}`}},
		},
		want:  `{"a":["x","y","q"]}`,
		notes: []string{"not-allowed 2 acct a by root", "not-allowed 2 acct a by ou"},
	}, {
		name: "restrictions intersect at one level",
		levels: [][]pol{
			{{"g", `{"a":{"@@operators_allowed_for_child_policies":["@@append"],"@@assign":["x"]}}`}, {"h", `{"a":{"@@operators_allowed_for_child_policies":["@@append","@@remove"]}}`}},
			{{"ou", `{"a":{"@@append":["q"],"@@remove":["x"]}}`}},
		},
		want:  `{"a":["x","q"]}`,
		notes: []string{"not-allowed 1 ou a by g"},
	}, {
		name: "a lower level cannot loosen a restriction",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"x"}}`}},
			{{"ou", `{"a":{"@@operators_allowed_for_child_policies":["@@all"],"@@assign":"y"}}`}},
			{{"acct", `{"a":{"@@assign":"z"}}`}},
		},
		want:  `{"a":"x"}`,
		notes: []string{"not-allowed 1 ou a by root", "not-allowed 2 acct a by root"},
	}, {
		name: "a restriction binds lower levels, not its own level",
		levels: [][]pol{
			{{"g", `{"a":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":["x"]}}`}, {"h", `{"a":{"@@append":["y"]}}`}},
			{{"ou", `{"a":{"@@append":["z"]}}`}},
		},
		want:  `{"a":["x","y"]}`,
		notes: []string{"not-allowed 1 ou a by g"},
	}, {
		name: "an OU's restriction binds the account but not the OU's own policies",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":"x"}}`}},
			{{"ou1", `{"a":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"y"}}`}, {"ou2", `{"a":{"@@operators_allowed_for_child_policies":["@@none"]}}`}},
			{{"acct", `{"a":{"@@assign":"z"}}`}},
		},
		want:  `{"a":"y"}`,
		notes: []string{"not-allowed 2 acct a by ou1"},
	}, {
		name: "a restriction on an absent setting stops lower levels creating it",
		levels: [][]pol{
			{{"root", `{"a":{"b":{"@@operators_allowed_for_child_policies":["@@none"]}}}`}},
			{{"ou", `{"a":{"b":{"@@assign":"x"},"c":{"@@assign":"y"}}}`}},
		},
		want:  `{"a":{"c":"y"}}`,
		notes: []string{"not-allowed 1 ou a.b by root"},
	}, {
		name: "a locked map stops new keys, with one note per ignored subtree",
		levels: [][]pol{
			{{"root", `{"plans":{"@@operators_allowed_for_child_policies":["@@none"],"p1":{"regions":{"@@assign":["x"]}}}}`}},
			{{"ou", `{"plans":{"p2":{"regions":{"@@assign":["y"]},"rules":{"r":{"s":{"@@assign":"cron"}}}}}}`}},
		},
		want:  `{"plans":{"p1":{"regions":["x"]}}}`,
		notes: []string{"not-allowed 1 ou plans.p2 by root"},
	}, {
		name: "a locked map still lets lower levels change existing keys below it",
		levels: [][]pol{
			{{"root", `{"plans":{"@@operators_allowed_for_child_policies":["@@none"],"p1":{"regions":{"@@assign":["x"]}}}}`}},
			{{"ou", `{"plans":{"P1":{"regions":{"@@append":["y"]},"rules":{"r":{"s":{"@@assign":"cron"}}}}}}`}},
		},
		want: `{"plans":{"p1":{"regions":["x","y"],"rules":{"r":{"s":"cron"}}}}}`,
	}, {
		name: "@@append or @@assign on a map allows new keys, @@remove alone does not",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@append"]},"b":{"@@operators_allowed_for_child_policies":["@@assign"]},"c":{"@@operators_allowed_for_child_policies":["@@remove"]}}`}},
			{{"ou", `{"a":{"k":{"@@assign":1}},"b":{"k":{"@@assign":2}},"c":{"k":{"@@assign":3}}}`}},
		},
		want:  `{"a":{"k":1},"b":{"k":2}}`,
		notes: []string{"not-allowed 1 ou c.k by root"},
	}, {
		name: "a restriction on the document root governs top-level keys",
		levels: [][]pol{
			{{"root", `{"@@operators_allowed_for_child_policies":["@@none"],"plans":{"p":{"x":{"@@assign":"1"}}}}`}},
			{{"ou", `{"plans":{"p":{"x":{"@@assign":"2"}}},"other":{"y":{"@@assign":"3"}}}`}},
		},
		want:  `{"plans":{"p":{"x":"2"}}}`,
		notes: []string{"not-allowed 1 ou other by root"},
	}, {
		name: "a leaf lock does not reach its siblings or its map",
		levels: [][]pol{
			{{"root", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter","@@operators_allowed_for_child_policies":["@@none"]}}}}`}},
			{{"acct", `{"tags":{"costcenter":{"tag_value":{"@@assign":["x"]}},"project":{"tag_key":{"@@assign":"Project"}}}}`}},
		},
		want: `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["x"]},"project":{"tag_key":"Project"}}}`,
	}, {
		name: "restrictions inside a disallowed new key are not recorded",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":["@@none"]}}`}},
			{{"ou", `{"a":{"k":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"x"}}}`}},
			{{"root2", `{"b":{"@@assign":"y"}}`}},
		},
		want:  `{"b":"y"}`,
		notes: []string{"not-allowed 1 ou a.k by root"},
	}, {
		name: "malformed child controls are reported and ignored",
		levels: [][]pol{
			{{"root", `{"a":{"@@operators_allowed_for_child_policies":"@@none","@@assign":"x"},"b":{"@@operators_allowed_for_child_policies":[],"@@assign":"x"},"c":{"@@operators_allowed_for_child_policies":["@@none","@@append"],"@@assign":"x"},"d":{"@@operators_allowed_for_child_policies":["@@bogus"],"@@assign":"x"},"e":{"@@operators_allowed_for_child_policies":[1],"@@assign":"x"}}`}},
			{{"ou", `{"a":{"@@assign":"y"},"b":{"@@assign":"y"},"c":{"@@assign":"y"},"d":{"@@assign":"y"},"e":{"@@assign":"y"}}`}},
		},
		want:  `{"a":"y","b":"y","c":"y","d":"y","e":"y"}`,
		notes: []string{"malformed 0 root a", "malformed 0 root b", "malformed 0 root c", "malformed 0 root d", "malformed 0 root e"},
	}})
}

func TestSameLevel(t *testing.T) {
	runMergeCases(t, []mergeCase{{
		name:   "the first-attached policy's assignment wins",
		levels: [][]pol{{{"j", `{"k":{"@@assign":"PROJECT"}}`}, {"k", `{"k":{"@@assign":"project"}}`}}},
		want:   `{"k":"PROJECT"}`,
		notes:  []string{"same-level 0 k k by j"},
	}, {
		name:   "attachment order, not policy name, decides",
		levels: [][]pol{{{"k", `{"k":{"@@assign":"project"}}`}, {"j", `{"k":{"@@assign":"PROJECT"}}`}}},
		want:   `{"k":"project"}`,
		notes:  []string{"same-level 0 j k by k"},
	}, {
		name:   "later append and remove at the same level still apply",
		levels: [][]pol{{{"j", `{"v":{"@@assign":["a","b"]}}`}, {"k", `{"v":{"@@append":["c"]}}`}, {"l", `{"v":{"@@remove":["a"]}}`}}},
		want:   `{"v":["b","c"]}`,
	}, {
		name:   "an earlier append at the same level also protects against assign",
		levels: [][]pol{{{"j", `{"v":{"@@append":["a"]}}`}, {"k", `{"v":{"@@assign":["b"]}}`}}},
		want:   `{"v":["a"]}`,
		notes:  []string{"same-level 0 k v by j"},
	}, {
		name: "a value inherited from above is overwritten by the first policy at the level",
		levels: [][]pol{
			{{"root", `{"v":{"@@assign":"r"}}`}},
			{{"j", `{"v":{"@@assign":"j"}}`}, {"k", `{"v":{"@@assign":"k"}}`}},
		},
		want:  `{"v":"j"}`,
		notes: []string{"same-level 1 k v by j"},
	}, {
		name: "the same policy attached at two levels overwrites itself",
		levels: [][]pol{
			{{"p", `{"v":{"@@assign":"1"}}`}},
			{{"p", `{"v":{"@@assign":"2"}}`}},
		},
		want: `{"v":"2"}`,
	}})
}

func TestKeyCase(t *testing.T) {
	runMergeCases(t, []mergeCase{{
		name: "keys match case-insensitively and come out lower-cased",
		levels: [][]pol{
			{{"root", `{"Tags":{"CostCenter":{"tag_key":{"@@assign":"CostCenter"}}}}`}},
			{{"ou", `{"tags":{"COSTCENTER":{"TAG_VALUE":{"@@assign":["A"]}}}}`}},
		},
		want: `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["A"]}}}`,
	}, {
		name:   "keys equal under case folding in one object are duplicates",
		levels: [][]pol{{{"p", `{"rules":{"Hourly":{"s":{"@@assign":"1"}},"hourly":{"s":{"@@assign":"2"}}}}`}}},
		want:   `{"rules":{"hourly":{"s":"1"}}}`,
		notes:  []string{"malformed 0 p rules.hourly"},
	}, {
		name:   "operator names are case-sensitive",
		levels: [][]pol{{{"p", `{"a":{"@@ASSIGN":"x"},"b":{"@@assign":"y"}}`}}},
		want:   `{"b":"y"}`,
		notes:  []string{"malformed 0 p a"},
	}, {
		name:   "values keep their case",
		levels: [][]pol{{{"p", `{"A":{"@@assign":"MixedCase"}}`}}},
		want:   `{"a":"MixedCase"}`,
	}})
}

func TestBackupPlans(t *testing.T) {
	const root = `{"plans":{"Daily":{
		"regions":{"@@assign":["us-east-1"]},
		"rules":{"Daily":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"Main"}}},
		"selections":{"tags":{"Sel":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/Backup"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["daily"]}}}}}}}`
	runMergeCases(t, []mergeCase{{
		name: "same-named plans merge; rules and selections merge by key",
		levels: [][]pol{
			{{"p-root", root}},
			{{"p-ou", `{"plans":{"DAILY":{
				"regions":{"@@append":["eu-west-1"]},
				"rules":{"daily":{"target_backup_vault_name":{"@@assign":"Prod"}},"Weekly":{"schedule_expression":{"@@assign":"cron(0 5 ? * 1 *)"},"target_backup_vault_name":{"@@assign":"Main"}}},
				"selections":{"tags":{"sel":{"tag_value":{"@@append":["prod"]}}}}}}}`}},
		},
		want: `{"plans":{"daily":{
			"regions":["us-east-1","eu-west-1"],
			"rules":{"daily":{"schedule_expression":"cron(0 5 ? * * *)","target_backup_vault_name":"Prod"},"weekly":{"schedule_expression":"cron(0 5 ? * 1 *)","target_backup_vault_name":"Main"}},
			"selections":{"tags":{"sel":{"iam_role_arn":"arn:aws:iam::$account:role/Backup","tag_key":"backup","tag_value":["daily","prod"]}}}}}}`,
	}, {
		name: "differently named plans coexist",
		levels: [][]pol{
			{{"p-root", root}},
			{{"p-acct", `{"plans":{"Monthly":{"regions":{"@@assign":["eu-west-1"]}}}}`}},
		},
		want: `{"plans":{
			"daily":{"regions":["us-east-1"],"rules":{"daily":{"schedule_expression":"cron(0 5 ? * * *)","target_backup_vault_name":"Main"}},
				"selections":{"tags":{"sel":{"iam_role_arn":"arn:aws:iam::$account:role/Backup","tag_key":"backup","tag_value":["daily"]}}}},
			"monthly":{"regions":["eu-west-1"]}}}`,
	}, {
		name: "copy-action ARN keys are lower-cased and merge case-insensitively",
		levels: [][]pol{
			{{"p-root", `{"plans":{"p":{"rules":{"r":{"copy_actions":{"arn:aws:backup:us-east-1:$account:backup-vault:Secondary":{"target_backup_vault_arn":{"@@assign":"arn:aws:backup:us-east-1:$account:backup-vault:Secondary"}}}}}}}}`}},
			{{"p-ou", `{"plans":{"p":{"rules":{"r":{"copy_actions":{"arn:aws:backup:us-east-1:$account:backup-vault:secondary":{"lifecycle":{"delete_after_days":{"@@assign":"100"}}}}}}}}}`}},
		},
		want: `{"plans":{"p":{"rules":{"r":{"copy_actions":{"arn:aws:backup:us-east-1:$account:backup-vault:secondary":{"lifecycle":{"delete_after_days":"100"},"target_backup_vault_arn":"arn:aws:backup:us-east-1:$account:backup-vault:Secondary"}}}}}}}`,
	}})
}

func TestStructure(t *testing.T) {
	runMergeCases(t, []mergeCase{{
		name: "a setting where earlier policies have a map is a shape conflict",
		levels: [][]pol{
			{{"root", `{"a":{"b":{"@@assign":"x"}}}`}},
			{{"ou", `{"a":{"@@assign":"y"}}`}},
		},
		want:  `{"a":{"b":"x"}}`,
		notes: []string{"shape-conflict 1 ou a by root"},
	}, {
		name: "a map where earlier policies have a setting is a shape conflict",
		levels: [][]pol{
			{{"root", `{"a":{"@@assign":"x"}}`}},
			{{"ou", `{"a":{"b":{"@@assign":"y"}}}`}},
		},
		want:  `{"a":"x"}`,
		notes: []string{"shape-conflict 1 ou a by root"},
	}, {
		name:   "bare values are not operator form",
		levels: [][]pol{{{"p", `{"a":"x","b":["y"],"c":null,"d":{"e":1},"f":{"@@assign":"ok"}}`}}},
		want:   `{"f":"ok"}`,
		notes:  []string{"malformed 0 p a", "malformed 0 p b", "malformed 0 p c", "malformed 0 p d.e"},
	}, {
		name:   "ordinary keys next to a value-setting operator are ignored",
		levels: [][]pol{{{"p", `{"tag_value":{"@@remove":["x"],"enforced_for":{"@@remove":["y"]}},"a":{"@@assign":["x"],"b":{"@@assign":1}}}`}}},
		want:   `{"a":["x"]}`,
		notes:  []string{"malformed 0 p tag_value.enforced_for", "malformed 0 p a.b"},
	}, {
		name:   "unknown operators are ignored",
		levels: [][]pol{{{"p", `{"@@enforced_for":["x"],"a":{"@@assign":"x","@@bogus":1}}`}}},
		want:   `{"a":"x"}`,
		notes:  []string{"malformed 0 p ", "malformed 0 p a"},
	}, {
		name:   "value-setting operators at the top level are malformed",
		levels: [][]pol{{{"p", `{"@@assign":"x","a":{"@@assign":"y"}}`}}},
		want:   `{"a":"y"}`,
		notes:  []string{"malformed 0 p "},
	}, {
		name:   "nodes with no value and no children are left out",
		levels: [][]pol{{{"p", `{"a":{},"b":{"c":{"@@operators_allowed_for_child_policies":["@@none"]}},"d":{"e":{"@@remove":["x"]}},"f":{"@@assign":"y"}}`}}},
		want:   `{"f":"y"}`,
	}, {
		name:   "an empty level changes nothing",
		levels: [][]pol{{{"p", `{"a":{"@@assign":"y"}}`}}, {}},
		want:   `{"a":"y"}`,
	}})
}

func TestMalformedDocuments(t *testing.T) {
	s := Merge(
		Level{Target: "r", Policies: []Policy{{ID: "nil-doc"}, {Name: "by-name", Doc: mustParse(t, "x", `["plans"]`)}, {Doc: mustParse(t, "y", `"x"`)}}},
	)
	if got := string(s.Effective().Compact()); got != `{}` {
		t.Errorf("effective = %s, want {}", got)
	}
	want := []string{"malformed 0 nil-doc ", "malformed 0 by-name ", "malformed 0 policy #3 "}
	if diff := lineDiff(want, noteSummaries(s.Notes())); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// TestAppendValue holds appendValue, which writes settings' values for
// Shared, to doc's AppendIndent at every depth, for every kind of value a
// setting can hold and some it cannot.
func TestAppendValue(t *testing.T) {
	for _, src := range []string{
		`"plain"`, `"esc\"aped \\ \u0001 \u2028 <é>"`, `""`, `0`, `-1.50e+3`, `true`, `false`, `null`,
		`[]`, `["us-east-1"]`, `["a", "b\n", 1, true, null]`, `[[]]`, `[{"k": "v"}, "x"]`, `{"k": ["v"]}`, `{}`,
	} {
		v := mustParse(t, "v.json", src)
		for depth := range 4 {
			want := v.AppendIndent([]byte("x"), depth)
			if got := appendValue([]byte("x"), v, depth); !bytes.Equal(got, want) {
				t.Errorf("%s at depth %d:\n got %q\nwant %q", src, depth, got, want)
			}
		}
	}
}
