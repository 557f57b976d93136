package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
)

// loadItems parses and evaluates the configuration in dir, the current
// directory, and lists its items, failing the test on any diagnostic.
func loadItems(t *testing.T, dir string) (*load, []source, cue.Value, []item) {
	t.Helper()
	srcs, _, ds := discover(".", dir)
	l := newLoad()
	files, more := l.parse(srcs)
	ds = append(ds, more...)
	user, more := l.build(".", files)
	ds = append(ds, more...)
	if ds.HasErrors() {
		t.Fatalf("setup:%s", dump(ds))
	}
	items, ok := l.items(user)
	if !ok {
		t.Fatal("items: the configuration's top level was not recognised")
	}
	return l, srcs, user, items
}

// TestItemsMatchWhole checks that evaluating item by item, split between
// workers, decodes exactly what unifying the whole configuration with
// #Config decodes: the same values, positions and order, including
// defaults the schema fills in (partial, role_path), shared hidden values,
// the operator form and JSON documents.
func TestItemsMatchWhole(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shared.cue", "package orgbackup\n\n_role: \"arn:aws:iam::$account:role/role\"\n_rule: {schedule_expression: \"cron(0 5 ? * * *)\", target_backup_vault_name: \"vault\"}\n")
	write("baselines.cue", "package orgbackup\n\n"+base[strings.Index(base, "baselines:"):])
	write("attach.cue", "package orgbackup\n\npolicies: doc: targets: [\"Root\"]\n")
	write("doc.json", `{"plans": {"j": {"regions": {"@@assign": ["us-east-1"]}, "rules": {"r": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "vault"}}}, "selections": {"tags": {"s": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/role"}, "tag_key": {"@@assign": "k"}, "tag_value": {"@@assign": ["v"]}}}}}}}`)
	for i := range 3 * itemsPerWorker {
		var b strings.Builder
		fmt.Fprintf(&b, "package orgbackup\n\npolicies: \"p-%03d\": {\n\ttargets: [\"Root/OU%d\"]\n", i, i%7)
		if i%3 == 0 {
			b.WriteString("\tpartial: true\n\tdescription: \"partial\"\n")
		}
		fmt.Fprintf(&b, "\tplans: \"plan-%d\": {\n\t\tregions: {\"@@append\": [\"us-east-1\"]}\n", i)
		fmt.Fprintf(&b, "\t\trules: r: _rule & {start_backup_window_minutes: %d, lifecycle: delete_after_days: {\"@@assign\": \"%d\"}}\n", 60+i, 1+i)
		b.WriteString("\t\tselections: tags: s: {iam_role_arn: _role, tag_key: \"Backup\", tag_value: [\"On\"]}\n\t}\n}\n")
		write(fmt.Sprintf("p-%03d.cue", i), b.String())
	}
	for i := range itemsPerWorker {
		write(fmt.Sprintf("b-%03d.cue", i), fmt.Sprintf("package orgbackup\n\nbaselines: \"b%03d\": {targets: [\"Root\"], regions: [\"us-east-1\"], role_name: \"r%d\"}\n", i, i))
	}

	l, srcs, user, items := loadItems(t, dir)
	got, ok := l.checkItems(items, worker(".", srcs))
	if !ok {
		t.Fatal("checkItems failed on a valid configuration")
	}
	whole := user.Unify(l.schema.LookupPath(cue.MakePath(cue.Def("#Config"))))
	if err := whole.Validate(validateOptions...); err != nil {
		t.Fatal(err)
	}
	want, _ := decode(whole, user)
	if len(want.Policies) != 3*itemsPerWorker+1 || len(want.Baselines) != itemsPerWorker+1 {
		t.Fatalf("decoded %d policies and %d baselines", len(want.Policies), len(want.Baselines))
	}
	for i := range want.Policies {
		if !reflect.DeepEqual(want.Policies[i], got.Policies[i]) {
			t.Errorf("policy %s: item by item\n%+v\nwhole\n%+v", want.Policies[i].Name, got.Policies[i], want.Policies[i])
		}
	}
	for i := range want.Baselines {
		if !reflect.DeepEqual(want.Baselines[i], got.Baselines[i]) {
			t.Errorf("baseline %s: item by item\n%+v\nwhole\n%+v", want.Baselines[i].Name, got.Baselines[i], want.Baselines[i])
		}
	}
	if !reflect.DeepEqual(want, got) {
		t.Error("the repositories differ")
	}
}
