package loader

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"github.com/orgbackup/orgbackup/schema"
)

// TestInlinedLeavesEverywhere checks that the schema checkItems uses has
// no leaf left but the definitions themselves: a leaf written in a form
// leafExpansions does not know would be evaluated as written, correct but
// slow.
func TestInlinedLeavesEverywhere(t *testing.T) {
	use := regexp.MustCompile(`#(Str|Int|Bool|List)?Leaf\b`)
	def := regexp.MustCompile(`^#(Str|Int|Bool|List)?Leaf: `)
	expanded := 0
	files, err := schema.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range files {
		name, data := src.Name, src.Data
		expanded += len(use.FindAll(data, -1)) - len(use.FindAll(inlineLeaves(data), -1))
		for i, line := range strings.Split(string(inlineLeaves(data)), "\n") {
			if use.MatchString(line) && !def.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d: a leaf left as written: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
	if expanded == 0 {
		t.Error("no leaf was inlined")
	}
}

// TestInlinedLeaves checks that each expansion of leafExpansions accepts
// exactly the values the leaf it replaces accepts, and yields the same
// value, for values of every shape a setting can be written in: plain,
// AWS's operator form with each operator and with child controls, quoted
// numbers and booleans, and what is wrong about each.
func TestInlinedLeaves(t *testing.T) {
	s := compiledSchema()
	leaves := []string{
		`(#StrLeaf & {#T: #VaultName}).out`,
		`(#StrLeaf & {#T: "enabled" | "disabled"}).out`,
		`(#StrLeaf & {#T: string}).out`,
		`(#IntLeaf & {#T: >=60 & <=52560000}).out`,
		`(#IntLeaf & {#T: -1 | >=1 & <=36500}).out`,
		`#BoolLeaf.out`,
		`(#ListLeaf & {#E: #Region}).out`,
		`(#ListLeaf & {#E: "EBS" | "S3"}).out`,
	}
	scalars := []string{`"vault-1"`, `"x"`, `""`, `"enabled"`, `"60"`, `"-1"`, `"1.5"`, `"true"`, `"false"`, `"us-east-1"`, `"EBS"`,
		`60`, `59`, `-1`, `0`, `1`, `36500`, `36600`, `1.5`, `true`, `false`, `null`, `{}`}
	var values []string
	values = append(values, scalars...)
	for _, v := range scalars[:len(scalars)-2] {
		values = append(values, `[`+v+`]`)
	}
	values = append(values, `[]`, `["us-east-1", "eu-west-1"]`, `["EBS", "S3"]`, `["EBS", 1]`)
	ops := []string{`"@@assign"`, `"@@append"`, `"@@remove"`, `"@@other"`, `"other"`}
	n := len(values)
	for _, op := range ops {
		for _, v := range values[:n] {
			values = append(values, fmt.Sprintf(`{%s: %s}`, op, v))
		}
	}
	values = append(values,
		`{"@@operators_allowed_for_child_policies": ["@@none"]}`,
		`{"@@assign": "vault-1", "@@operators_allowed_for_child_policies": ["@@none"]}`,
		`{"@@assign": 60, "@@operators_allowed_for_child_policies": ["@@all"]}`,
		`{"@@assign": ["us-east-1"], "@@operators_allowed_for_child_policies": ["@@append", "@@remove"]}`,
		`{"@@append": ["us-east-1"], "@@remove": ["eu-west-1"]}`,
		`{"@@assign": "vault-1", "@@operators_allowed_for_child_policies": ["@@bad"]}`,
		`{"@@assign": "vault-1", "@@append": ["us-east-1"]}`,
	)
	checked := 0
	for _, leaf := range leaves {
		inline := string(inlineLeaves([]byte(leaf)))
		if inline == leaf {
			t.Fatalf("%s: not inlined", leaf)
		}
		// Inside a definition, as every leaf is in the schema: its
		// structs are closed there.
		// cue.Scope needs the schema's own context: with another, CUE
		// panics ("incompatible runtime").
		//lint:ignore SA1019 the scope must be in the same context
		ctx := s.v.Context()
		asWritten := ctx.CompileString("#W: "+leaf, cue.Scope(s.v)).LookupPath(cue.MakePath(cue.Def("#W")))
		inlined := ctx.CompileString("#W: "+inline, cue.Scope(s.v)).LookupPath(cue.MakePath(cue.Def("#W")))
		if err := asWritten.Err(); err != nil {
			t.Fatalf("%s: %v", leaf, err)
		}
		if err := inlined.Err(); err != nil {
			t.Fatalf("%s: %v", inline, err)
		}
		for _, v := range values {
			x := ctx.CompileString(v)
			a, b := x.Unify(asWritten), x.Unify(inlined)
			errA, errB := a.Validate(validateOptions...), b.Validate(validateOptions...)
			if (errA == nil) != (errB == nil) {
				t.Errorf("%s and %s disagree on %s:\n  as written: %v\n  inlined: %v", leaf, inline, v, errA, errB)
				continue
			}
			if errA != nil {
				continue
			}
			checked++
			// The order of fields is compared where it shows, in a
			// policy (TestInlinedLeavesDecode): alone, CUE may order a
			// leaf's fields differently.
			var ja, jb any
			if err := a.Decode(&ja); err != nil {
				t.Fatal(err)
			}
			if err := b.Decode(&jb); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ja, jb) {
				t.Errorf("%s of %s: %v as written, %v inlined", leaf, v, ja, jb)
			}
		}
	}
	if checked < len(leaves)*3 {
		t.Errorf("only %d values were valid: the probes do not reach the leaves", checked)
	}
}

// TestInlinedLeavesDecode checks that a policy writing every setting in
// AWS's operator form, with child controls, and the same plain, decodes
// through checkItems (the inlined schema) exactly as through the whole
// configuration with the schema as written: values, positions and the
// order of fields.
func TestInlinedLeavesDecode(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const cc = `"@@operators_allowed_for_child_policies": ["@@append"]`
	op := func(v string) string { return `{"@@assign": ` + v + `, ` + cc + `}` }
	plan := func(leaf func(string) string, list func(string) string) string {
		// In the operator form numbers and booleans may be quoted.
		quoted := func(plain, q string) string {
			if leaf(plain) == plain {
				return plain
			}
			return leaf(q)
		}
		return `{
		regions: ` + list(`["us-east-1"]`) + `
		rules: r: {
			schedule_expression: ` + leaf(`"cron(0 5 ? * * *)"`) + `
			target_backup_vault_name: ` + leaf(`"vault"`) + `
			start_backup_window_minutes: ` + leaf(`60`) + `
			complete_backup_window_minutes: ` + quoted(`120`, `"120"`) + `
			enable_continuous_backup: ` + quoted(`false`, `"false"`) + `
			lifecycle: {delete_after_days: ` + leaf(`200`) + `, move_to_cold_storage_after_days: ` + leaf(`30`) + `, opt_in_to_archive_for_supported_resources: ` + leaf(`true`) + `}
			copy_actions: "arn:aws:backup:us-west-2:$account:backup-vault:dr": {target_backup_vault_arn: ` + leaf(`"arn:aws:backup:us-west-2:$account:backup-vault:dr"`) + `, lifecycle: delete_after_days: ` + quoted(`-1`, `"-1"`) + `}
			recovery_point_tags: t: {tag_key: ` + leaf(`"k"`) + `, tag_value: ` + leaf(`"v"`) + `}
			index_actions: resource_types: ` + list(`["EBS"]`) + `
		}
		selections: {
			tags: s: {iam_role_arn: ` + leaf(`"arn:aws:iam::$account:role/role"`) + `, tag_key: ` + leaf(`"Backup"`) + `, tag_value: ` + list(`["On"]`) + `}
			resources: r: {iam_role_arn: ` + leaf(`"arn:aws:iam::$account:role/role"`) + `, resource_types: ` + list(`["*"]`) + `, not_resource_types: {"@@append": ["arn:aws:ec2:*:*:volume/*"], ` + cc + `}
				conditions: string_equals: e: {condition_key: ` + leaf(`"aws:ResourceTag/Env"`) + `, condition_value: ` + leaf(`"prod"`) + `}}
		}
		advanced_backup_settings: ec2: windows_vss: ` + leaf(`"enabled"`) + `
	}`
	}
	plain := func(v string) string { return v }
	src := "package orgbackup\n\npolicies: op: {targets: [\"Root\"], plans: p: " + plan(op, op) + "}\n" +
		"policies: plain: {targets: [\"Root/A\"], plans: p: " + plan(plain, plain) + "}\n" +
		base[strings.Index(base, "baselines:"):]
	if err := os.WriteFile("p.cue", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _, user, items := loadItems(t, dir)
	whole := user.Unify(l.schema.LookupPath(cue.MakePath(cue.Def("#Config"))))
	if err := whole.Validate(validateOptions...); err != nil {
		t.Fatal(err)
	}
	got, ok := l.checkItems(items, nil)
	if !ok {
		t.Fatal("checkItems failed on a valid configuration")
	}
	want, _ := decode(whole, user)
	if len(want.Policies) != 2 {
		t.Fatalf("decoded %d policies", len(want.Policies))
	}
	for i := range want.Policies {
		if !reflect.DeepEqual(want.Policies[i], got.Policies[i]) {
			t.Errorf("policy %s: item by item\n%s\nwhole\n%s", want.Policies[i].Name, got.Policies[i].Plans.Compact(), want.Policies[i].Plans.Compact())
		}
	}
}
