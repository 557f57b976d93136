package backup

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// refString renders a Ref without its node, for comparison.
func refString(r Ref) string {
	s := fmt.Sprintf("%s %s regions=%s account=%q plan=%s where=%s path=%s",
		r.Kind, r.Name, strings.Join(r.Regions, ","), r.Account, r.Plan, r.Where, strings.Join(r.Path, "/"))
	if r.Kind == Role && r.RolePath != "/" {
		s += " role-path=" + r.RolePath
	}
	return s
}

func refStrings(refs []Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = refString(r)
	}
	return out
}

func TestReferencesOfTheFullPolicy(t *testing.T) {
	d := parse(t, validEffective)
	got := refStrings(References(d))
	// Document order: each plan's rules (target vault, then copy actions),
	// then its selections (tags, then resources). The air-gapped vault and
	// the GuardDuty scanner role are not listed: member baselines do not
	// create those.
	want := []string{
		`vault main-vault regions=us-east-1,eu-west-1 account="" plan=daily where=rule "hourly" of plan "daily" path=` + ruleP + "/target_backup_vault_name",
		`vault dr regions=us-west-2 account="" plan=daily where=copy action of rule "hourly" of plan "daily" path=` + copyP,
		`role backup regions=us-east-1,eu-west-1 account="" plan=daily where=selection "tagged" of plan "daily" path=` + tagSelP + "/iam_role_arn",
		`role backup regions=us-east-1,eu-west-1 account="" plan=daily where=selection "everything" of plan "daily" path=` + resSelP + "/iam_role_arn",
	}
	if !slices.Equal(got, want) {
		t.Errorf("References:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestReferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string
	}{
		{
			name: "copy action to a fixed account",
			doc:  `{"plans": {"p": {"regions": ["us-east-1"], "rules": {"r": {"copy_actions": {"arn:aws:backup:eu-west-1:111122223333:backup-vault:central": {}}}}}}}`,
			want: []string{`vault central regions=eu-west-1 account="111122223333" plan=p where=copy action of rule "r" of plan "p" path=plans/p/rules/r/copy_actions/arn:aws:backup:eu-west-1:111122223333:backup-vault:central`},
		},
		{
			name: "copy action to $region means every Region of the plan",
			doc:  `{"plans": {"p": {"regions": ["us-east-1", "us-west-2"], "rules": {"r": {"copy_actions": {"arn:aws:backup:$region:$account:backup-vault:local": {}}}}}}}`,
			want: []string{`vault local regions=us-east-1,us-west-2 account="" plan=p where=copy action of rule "r" of plan "p" path=plans/p/rules/r/copy_actions/arn:aws:backup:$region:$account:backup-vault:local`},
		},
		{
			name: "the destination is target_backup_vault_arn, whatever the key says",
			doc:  `{"plans": {"p": {"rules": {"r": {"copy_actions": {"dr": {"target_backup_vault_arn": "arn:aws-us-gov:backup:us-gov-west-1:$account:backup-vault:gov"}}}}}}}`,
			want: []string{`vault gov regions=us-gov-west-1 account="" plan=p where=copy action of rule "r" of plan "p" path=plans/p/rules/r/copy_actions/dr`},
		},
		{
			name: "copy actions that name no vault ARN are skipped",
			doc:  `{"plans": {"p": {"rules": {"r": {"copy_actions": {"dr": {}, "arn:aws:backup:us-east-1:$account:vault:old": {}, "@@operators_allowed_for_child_policies": ["@@none"]}}}}}}`,
		},
		{
			name: "role ARNs with paths, partitions and fixed accounts",
			doc: `{"plans": {"p": {"selections": {
				"tags": {"a": {"iam_role_arn": "arn:aws:iam::$account:role/service-role/team/backup-a"}},
				"resources": {
					"b": {"iam_role_arn": "arn:aws-cn:iam::111122223333:role/backup-b"},
					"c": {"iam_role_arn": "arn:aws:iam::$account:role/"},
					"d": {"iam_role_arn": "backup-d"},
					"e": {"iam_role_arn": 5},
					"f": "not a selection"
				}}}}}`,
			want: []string{
				`role backup-a regions= account="" plan=p where=selection "a" of plan "p" path=plans/p/selections/tags/a/iam_role_arn role-path=/service-role/team/`,
				`role backup-b regions= account="111122223333" plan=p where=selection "b" of plan "p" path=plans/p/selections/resources/b/iam_role_arn`,
			},
		},
		{
			name: "keys in any case",
			doc:  `{"Plans": {"P": {"Regions": ["us-east-1"], "RULES": {"R": {"Target_Backup_Vault_Name": "v"}}}}}`,
			want: []string{`vault v regions=us-east-1 account="" plan=P where=rule "R" of plan "P" path=plans/P/rules/R/target_backup_vault_name`},
		},
		{
			name: "operator keys and malformed nodes are skipped",
			doc:  `{"plans": {"@@operators_allowed_for_child_policies": ["@@none"], "p": {"rules": {"@@assign": "x", "r": "x", "s": {"target_backup_vault_name": 1}}, "selections": "x"}, "q": []}}`,
		},
		{name: "no plans", doc: `{}`},
		{name: "plans not an object", doc: `{"plans": []}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := refStrings(References(parse(t, tc.doc)))
			if !slices.Equal(got, tc.want) {
				t.Errorf("References:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestReferencesPointAtTheName(t *testing.T) {
	const text = `{"plans": {"p": {"rules": {"r": {"target_backup_vault_name": "v",
  "copy_actions": {"arn:aws:backup:us-east-1:$account:backup-vault:a": {"target_backup_vault_arn": "arn:aws:backup:us-east-1:$account:backup-vault:a"},
                   "arn:aws:backup:us-east-1:$account:backup-vault:b": {}}}},
  "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/r"}}}}}}`
	refs := References(parse(t, text))
	want := []doc.Pos{
		posOf(t, text, `"v"`),
		posOf(t, text, `"arn:aws:backup:us-east-1:$account:backup-vault:a"}`),
		posOf(t, text, `{}}}}`),
		posOf(t, text, `"arn:aws:iam`),
	}
	if len(refs) != len(want) {
		t.Fatalf("refs: %q", refStrings(refs))
	}
	for i, r := range refs {
		if r.Node.Pos != want[i] {
			t.Errorf("%s at %s, want %s", refString(r), r.Node.Pos, want[i])
		}
	}
}

func TestRefKindString(t *testing.T) {
	if Vault.String() != "vault" || Role.String() != "role" {
		t.Errorf("kinds: %s %s", Vault, Role)
	}
}

func TestUnwrap(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"assign", `{"a": {"@@assign": "x"}}`, `{"a":"x"}`},
		{"assign a list", `{"a": {"@@assign": ["x"]}}`, `{"a":["x"]}`},
		{"append alone", `{"a": {"@@append": ["x"]}}`, `{"a":["x"]}`},
		{"assign then append", `{"a": {"@@append": ["y"], "@@assign": ["x"]}}`, `{"a":["x","y"]}`},
		{"append to a scalar is ignored", `{"a": {"@@assign": "x", "@@append": ["y"]}}`, `{"a":"x"}`},
		{"remove alone contributes nothing", `{"a": {"@@remove": ["x"]}, "b": {"@@assign": "y"}}`, `{"b":"y"}`},
		{"remove next to assign is dropped", `{"a": {"@@assign": ["x"], "@@remove": ["x"]}}`, `{"a":["x"]}`},
		{"a child control alone contributes nothing", `{"a": {"@@operators_allowed_for_child_policies": ["@@none"]}}`, `{}`},
		{"a child control next to a value", `{"a": {"@@assign": "x", "@@operators_allowed_for_child_policies": ["@@none"]}}`, `{"a":"x"}`},
		{"a child control on a map", `{"@@operators_allowed_for_child_policies": ["@@all"], "m": {"@@operators_allowed_for_child_policies": ["@@none"], "k": {"@@assign": "1"}}}`, `{"m":{"k":"1"}}`},
		{"keys keep their case", `{"Plans": {"Daily": {"Regions": {"@@assign": ["us-east-1"]}}}}`, `{"Plans":{"Daily":{"Regions":["us-east-1"]}}}`},
		{"values already plain stay", `{"a": "x", "b": ["y"], "c": 1, "d": null}`, `{"a":"x","b":["y"],"c":1,"d":null}`},
		{"empty objects stay", `{"a": {}}`, `{"a":{}}`},
		{"a scalar document", `"x"`, `"x"`},
		{"a list document", `[{"@@assign": "x"}]`, `[{"@@assign":"x"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := parse(t, tc.in)
			before := string(in.Compact())
			got := Unwrap(in)
			if string(got.Compact()) != tc.want {
				t.Errorf("Unwrap(%s) = %s, want %s", tc.in, got.Compact(), tc.want)
			}
			if string(in.Compact()) != before {
				t.Errorf("Unwrap changed its input to %s", in.Compact())
			}
		})
	}
	if Unwrap(nil) != nil {
		t.Error("Unwrap(nil) != nil")
	}
}

func TestUnwrapKeepsPositions(t *testing.T) {
	const text = `{"plans": {"p": {
  "regions": {"@@assign": ["us-east-1"], "@@append": ["eu-west-1"]},
  "rules": {"r": {"schedule_expression": {"@@assign": "cron(* * ? * * *)"}}}}}}`
	d := parse(t, text)
	u := Unwrap(d)
	if p := at(u, "plans", "p", "regions").Pos; p != posOf(t, text, `["us-east-1"]`) {
		t.Errorf("regions at %s", p)
	}
	if p := at(u, "plans", "p", "regions", "1").Pos; p != posOf(t, text, `"eu-west-1"`) {
		t.Errorf("appended Region at %s", p)
	}
	if f := at(u, "plans", "p").Field("rules"); f.KeyPos != posOf(t, text, `"rules"`) {
		t.Errorf("key rules at %s", f.KeyPos)
	}
	// Checks on the result point at the author's text.
	vs := Check(u, Partial)
	if len(vs) != 1 || vs[0].Code != ScheduleTooFrequent || vs[0].Node.Pos != posOf(t, text, `"cron(* * ? * * *)"`) {
		t.Errorf("check of the unwrapped document:\n%s", messages(vs))
	}
}
