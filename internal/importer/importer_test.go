package importer

import (
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/policy"
)

func parse(t *testing.T, text string) *doc.Node {
	t.Helper()
	n, err := doc.Parse("in.json", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rule wraps the settings of one rule in plans.
func rule(settings string) string {
	return `{"p": {"rules": {"r": {` + settings + `}}}}`
}

func TestAuthorFormSimplifies(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a string", rule(`"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}`), rule(`"schedule_expression":"cron(0 5 ? * * *)"`)},
		{"an empty string", rule(`"target_backup_vault_name": {"@@assign": ""}`), rule(`"target_backup_vault_name":""`)},
		{"a whole number", rule(`"start_backup_window_minutes": {"@@assign": "480"}`), rule(`"start_backup_window_minutes":480`)},
		{"zero", rule(`"start_backup_window_minutes": {"@@assign": "0"}`), rule(`"start_backup_window_minutes":0`)},
		{"18 digits", rule(`"start_backup_window_minutes": {"@@assign": "999999999999999999"}`), rule(`"start_backup_window_minutes":999999999999999999`)},
		{"true", rule(`"enable_continuous_backup": {"@@assign": "true"}`), rule(`"enable_continuous_backup":true`)},
		{"false", rule(`"lifecycle": {"opt_in_to_archive_for_supported_resources": {"@@assign": "false"}}`), rule(`"lifecycle":{"opt_in_to_archive_for_supported_resources":false}`)},
		{"a list", `{"p": {"regions": {"@@assign": ["us-east-1", "eu-west-1"]}}}`, `{"p":{"regions":["us-east-1","eu-west-1"]}}`},
		{"an empty list", `{"p": {"regions": {"@@assign": []}}}`, `{"p":{"regions":[]}}`},
		{"keys in another case", `{"p": {"Rules": {"r": {"START_BACKUP_WINDOW_MINUTES": {"@@assign": "60"}}}}}`, `{"p":{"Rules":{"r":{"START_BACKUP_WINDOW_MINUTES":60}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAuthorForm(t, tc.in, tc.want)
		})
	}
}

// Where the generator would not give back the same bytes, the operator
// form stays as AWS had it.
func TestAuthorFormKeepsWhatWouldNotRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, setting string
	}{
		{"a JSON number", `"start_backup_window_minutes": {"@@assign": 60}`},
		{"a JSON number for a string", `"target_backup_vault_name": {"@@assign": 60}`},
		{"a JSON boolean", `"enable_continuous_backup": {"@@assign": true}`},
		{"leading zeros", `"start_backup_window_minutes": {"@@assign": "0060"}`},
		{"a sign", `"start_backup_window_minutes": {"@@assign": "+60"}`},
		{"a negative number", `"start_backup_window_minutes": {"@@assign": "-5"}`},
		{"a fraction", `"start_backup_window_minutes": {"@@assign": "1.5"}`},
		{"an exponent", `"start_backup_window_minutes": {"@@assign": "1e3"}`},
		{"19 digits", `"start_backup_window_minutes": {"@@assign": "9999999999999999999"}`},
		{"spaces", `"start_backup_window_minutes": {"@@assign": " 60"}`},
		{"words for a number", `"start_backup_window_minutes": {"@@assign": "sixty"}`},
		{"a capitalised boolean", `"enable_continuous_backup": {"@@assign": "True"}`},
		{"1 for true", `"enable_continuous_backup": {"@@assign": "1"}`},
		{"null", `"schedule_expression": {"@@assign": null}`},
		{"a list for a value", `"schedule_expression": {"@@assign": ["x"]}`},
		{"an object for a value", `"schedule_expression": {"@@assign": {"a": "b"}}`},
		{"@@assign with a child control", `"schedule_expression": {"@@assign": "x", "@@operators_allowed_for_child_policies": ["@@none"]}`},
		{"only a child control", `"schedule_expression": {"@@operators_allowed_for_child_policies": ["@@none"]}`},
		{"@@append on a value", `"schedule_expression": {"@@append": "x"}`},
		{"an unknown key", `"to_delete_after_days": {"@@assign": "5"}`},
		{"an unknown operator", `"schedule_expression": {"@@set": "x"}`},
		{"an empty object", `"schedule_expression": {}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAuthorForm(t, rule(tc.setting), "")
		})
	}
	for _, tc := range []struct {
		name, regions string
	}{
		{"a list of numbers", `{"@@assign": [1, 2]}`},
		{"a list with one non-string", `{"@@assign": ["us-east-1", null]}`},
		{"a list of lists", `{"@@assign": [["us-east-1"]]}`},
		{"a string for a list", `{"@@assign": "us-east-1"}`},
		{"@@append", `{"@@append": ["us-east-1"]}`},
		{"@@remove", `{"@@remove": ["us-east-1"]}`},
		{"@@assign and @@append", `{"@@assign": ["us-east-1"], "@@append": ["eu-west-1"]}`},
		{"@@assign and a child control", `{"@@assign": ["us-east-1"], "@@operators_allowed_for_child_policies": ["@@append"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAuthorForm(t, `{"p": {"regions": `+tc.regions+`}}`, "")
		})
	}
}

// checkAuthorForm converts in and compares with want (in itself when
// want is ""), then checks the round trip through the generator.
func checkAuthorForm(t *testing.T, in, want string) {
	t.Helper()
	n := parse(t, in)
	if want == "" {
		want = string(n.Compact())
	} else {
		want = string(parse(t, want).Compact())
	}
	got := AuthorForm(n)
	if string(got.Compact()) != want {
		t.Errorf("AuthorForm(%s) = %s, want %s", in, got.Compact(), want)
	}
	orig := generate.Document(&policy.Policy{Plans: parse(t, `{}`)})
	orig.Fields[0].Value = n
	built := generate.Document(&policy.Policy{Plans: got})
	if string(built.Compact()) != string(orig.Compact()) {
		t.Errorf("round trip:\n got %s\nwant %s", built.Compact(), orig.Compact())
	}
}

func TestAuthorFormKeepsOperatorKeysOfMaps(t *testing.T) {
	checkAuthorForm(t,
		`{"@@operators_allowed_for_child_policies": ["@@none"], "p": {"@@operators_allowed_for_child_policies": ["@@append"], "regions": {"@@assign": ["x"]}}}`,
		`{"@@operators_allowed_for_child_policies":["@@none"],"p":{"@@operators_allowed_for_child_policies":["@@append"],"regions":["x"]}}`)
}

// Values keep their positions, so validating an imported file would point
// at the JSON's lines if it were loaded directly.
func TestAuthorFormKeepsPositions(t *testing.T) {
	n := parse(t, "{\"p\": {\n  \"regions\": {\"@@assign\": [\"us-east-1\"]},\n  \"rules\": {\"r\": {\"start_backup_window_minutes\": {\"@@assign\": \"60\"}}}}}")
	got := AuthorForm(n)
	if p := got.Get("p").Get("regions").Pos; p != (doc.Pos{File: "in.json", Line: 2, Col: 27}) {
		t.Errorf("regions at %s", p)
	}
	if p := got.Get("p").Get("regions").Items[0].Pos; p != (doc.Pos{File: "in.json", Line: 2, Col: 28}) {
		t.Errorf("Region at %s", p)
	}
	if p := got.Get("p").Get("rules").Get("r").Get("start_backup_window_minutes").Pos; p != (doc.Pos{File: "in.json", Line: 3, Col: 63}) {
		t.Errorf("window at %s", p)
	}
}

func TestAuthorFormOfNothing(t *testing.T) {
	if AuthorForm(nil) != nil {
		t.Error("AuthorForm(nil) != nil")
	}
}

func TestPlain(t *testing.T) {
	for _, tc := range []struct {
		v    *doc.Node
		t    backup.Type
		want string // "" when there is no plain value
	}{
		{doc.NewString("60", doc.Pos{}), backup.Int, "60"},
		{doc.NewString("60", doc.Pos{}), backup.String, `"60"`},
		{doc.NewString("true", doc.Pos{}), backup.Bool, "true"},
		{doc.NewString("true", doc.Pos{}), backup.String, `"true"`},
		{doc.NewString("x", doc.Pos{}), backup.Int, ""},
		{doc.NewBool(true, doc.Pos{}), backup.Bool, ""},
		{&doc.Node{Kind: doc.Number, Text: "60"}, backup.Int, ""},
	} {
		got, ok := plain(tc.v, tc.t)
		if tc.want == "" {
			if ok {
				t.Errorf("plain(%s, %d) = %s, want none", tc.v.Compact(), tc.t, got.Compact())
			}
			continue
		}
		if !ok || string(got.Compact()) != tc.want {
			t.Errorf("plain(%s, %d) = %s, %v, want %s", tc.v.Compact(), tc.t, got.Compact(), ok, tc.want)
		}
	}
}

func TestSource(t *testing.T) {
	plans := AuthorForm(parse(t, `{"daily": {"regions": {"@@assign": ["us-east-1"]}, "rules": {"hourly": {
		"start_backup_window_minutes": {"@@assign": "60"},
		"enable_continuous_backup": {"@@assign": "true"},
		"lifecycle": {},
		"copy_actions": {"arn:aws:backup:us-east-1:$account:backup-vault:v": {"target_backup_vault_arn": {"@@assign": "x", "@@operators_allowed_for_child_policies": ["@@none"]}}}}}}}`))
	partial, why := Partial(parse(t, `{"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]}, "rules": {"hourly": {}}}}}`))
	if !partial {
		t.Fatal("a plan without selections is not partial")
	}
	src, err := Source("orgbackup", Definition{
		Name: "legacy-daily", Source: "legacy-daily.json", Description: `Daily "legacy" backups`,
		Targets: []string{"Root", "Root/Prod"}, Partial: partial, Why: why, Plans: plans,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `package orgbackup

// Imported from legacy-daily.json by orgbackup import.
policies: "legacy-daily": {
	description: "Daily \"legacy\" backups"
	targets: ["Root", "Root/Prod"]
	// The document leaves out what a policy attached above it must supply:
	// - plan "daily" is missing required key "selections"
	// - rule "hourly" is missing required key "target_backup_vault_name"
	partial: true
	plans: daily: {
		regions: ["us-east-1"]
		rules: hourly: {
			start_backup_window_minutes: 60
			enable_continuous_backup:    true
			lifecycle: {}
			copy_actions: "arn:aws:backup:us-east-1:$account:backup-vault:v": target_backup_vault_arn: {
				"@@assign": "x"
				"@@operators_allowed_for_child_policies": ["@@none"]
			}
		}
	}
}
`
	if string(src) != want {
		t.Errorf("Source:\n%s\nwant:\n%s", src, want)
	}
}

func TestSourceWithoutTargetsOrPlans(t *testing.T) {
	src, err := Source("mypkg", Definition{Name: "x", Source: "x.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := `package mypkg

// Imported from x.json by orgbackup import.
policies: x: {
	// TODO: where the policy is attached, e.g. ["Root"] or ["Root/Workloads/Prod"].
	targets: []
	plans: {}
}
`
	if string(src) != want {
		t.Errorf("Source:\n%s\nwant:\n%s", src, want)
	}
	// A complete policy says nothing about partial; the schema's default
	// is false.
	if strings.Contains(string(src), "partial") {
		t.Error("partial written for a complete policy")
	}
}

// Every value kind is written as CUE that reads back as itself.
func TestSourceValues(t *testing.T) {
	n := parse(t, `{"s": "a \"quoted\" \\ \n string \u2028 with \\(x)", "i": 60, "f": 1.5, "neg": -5, "big": 123456789012345678901234567890,
		"t": true, "f2": false, "nil": null, "l": [1, "a", [], {}], "o": {}}`)
	checkSource(t, "values", n)
}

// Keys that are CUE identifiers stay bare; every other key is quoted, so
// that CUE reads neither a reference, a hidden field nor a definition.
func TestLabelOf(t *testing.T) {
	for key, ident := range map[string]bool{
		"daily": true, "x_1": true, "GUARDDUTY": true,
		"": false, "a b": false, "a-b": false, "a.b": false, "1a": false, "_hidden": false, "#def": false,
		"$account": false, "é": false, "@@assign": false, "if": false, "true": false, "null": false, "for": false,
	} {
		l := labelOf(key)
		_, isIdent := l.(*ast.Ident)
		if isIdent != ident {
			t.Errorf("labelOf(%q) is an identifier: %v, want %v", key, isIdent, ident)
		}
		// Either way CUE reads the same name back.
		f, err := parser.ParseFile("x.cue", []byte(formatLabel(t, l)+": 1"))
		if err != nil {
			t.Errorf("labelOf(%q): %v", key, err)
			continue
		}
		if name, _, _ := ast.LabelName(f.Decls[0].(*ast.Field).Label); name != key {
			t.Errorf("labelOf(%q) reads back as %q", key, name)
		}
	}
}

func formatLabel(t *testing.T, l ast.Label) string {
	switch x := l.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.BasicLit:
		return x.Value
	}
	t.Fatalf("label %T", l)
	return ""
}

// TestPartial: only what a parent policy could supply makes a document
// partial; a problem of the document itself does not.
func TestPartial(t *testing.T) {
	const complete = `{"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]},
		"rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "v"}}},
		"selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/r"}, "tag_key": {"@@assign": "k"}, "tag_value": {"@@assign": ["v"]}}}}}}}`
	for _, tc := range []struct {
		name, old, new string
		partial        bool
	}{
		{"complete", "", "", false},
		{"a bad value", `"cron(0 5 ? * * *)"`, `"cron(0 24 ? * * *)"`, false},
		{"an unknown key", `"target_backup_vault_name"`, `"bogus": {"@@assign": "x"}, "target_backup_vault_name"`, false},
		{"no schedule: AWS's default", `"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, `, ``, false},
		{"too many index types", `"target_backup_vault_name"`, `"index_actions": {"resource_types": {"@@assign": ["EBS", "S3"]}}, "target_backup_vault_name"`, false},
		{"no regions", `"regions": {"@@assign": ["us-east-1"]},`, ``, true},
		{"regions only appended", `"@@assign": ["us-east-1"]`, `"@@append": ["us-east-1"]`, false},
		{"regions only removed", `"@@assign": ["us-east-1"]`, `"@@remove": ["us-east-1"]`, true},
		{"no vault", `, "target_backup_vault_name": {"@@assign": "v"}`, ``, true},
		{"no selections", `"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/r"}, "tag_key": {"@@assign": "k"}, "tag_value": {"@@assign": ["v"]}`, ``, true},
	} {
		src := strings.Replace(complete, tc.old, tc.new, 1)
		if got, why := Partial(parse(t, src)); got != tc.partial {
			t.Errorf("%s: Partial = %v (%q), want %v", tc.name, got, why, tc.partial)
		}
	}
}
