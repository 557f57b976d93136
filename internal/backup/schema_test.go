package backup

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/orgbackup/orgbackup/schema"
)

// The CUE schema checks what authors write and Spec checks documents in
// AWS's form; the generator and the importer walk the author's data with
// Spec. These tests keep the two descriptions of one policy shape equal, so
// a key added to one cannot be forgotten in the other.

const childControl = "@@operators_allowed_for_child_policies"

// loadSchema builds the embedded schema the way the loader does.
func loadSchema(t *testing.T) cue.Value {
	t.Helper()
	inst := build.NewContext().NewInstance("schema", nil)
	files, err := schema.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range files {
		f, err := parser.ParseFile(path.Join("schema", src.Name), src.Data, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		t.Fatalf("schema: %v", err)
	}
	return v
}

// cueField is one field of a schema struct.
type cueField struct {
	name     string
	value    cue.Value
	required bool
}

// fieldsOf lists the regular fields of a struct, optional and required,
// without hidden fields, definitions and the child control operator, and
// its pattern constraints.
func fieldsOf(t *testing.T, where string, v cue.Value) (fields []cueField, patterns []cue.Value) {
	t.Helper()
	it, err := v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for it.Next() {
		sel := it.Selector()
		switch {
		case sel.ConstraintType() == cue.PatternConstraint:
			patterns = append(patterns, it.Value())
			continue
		case sel.LabelType() != cue.StringLabel:
			continue
		}
		name := sel.Unquoted()
		if name == childControl || strings.HasPrefix(name, "_") {
			continue
		}
		fields = append(fields, cueField{name: name, value: it.Value(), required: sel.ConstraintType() == cue.RequiredConstraint})
	}
	return fields, patterns
}

// cueKind classifies a schema field the way Spec does. Settings are a
// disjunction of the author's value and the operator object, so the kinds
// they admit besides struct tell them apart: a list is a List, a scalar a
// Leaf. A struct is a Map when it has a pattern constraint for its keys.
func cueKind(t *testing.T, where string, v cue.Value) (Kind, Type, []cueField, cue.Value) {
	t.Helper()
	k := v.IncompleteKind()
	switch {
	case k == cue.StructKind:
		fields, patterns := fieldsOf(t, where, v)
		switch {
		case len(patterns) == 1 && len(fields) == 0:
			return Map, 0, nil, entryOf(t, where, v)
		case len(patterns) == 0:
			return Object, 0, fields, cue.Value{}
		}
		t.Fatalf("%s: a struct with both fields %v and %d patterns", where, fields, len(patterns))
	case k&cue.ListKind != 0:
		// The items' type: the list disjunct's element.
		// Values of different contexts combine; a one-off context is fine.
		elem := v.Unify(cuecontext.New().CompileString("[...]")).LookupPath(cue.MakePath(cue.AnyIndex))
		return List, scalarType(t, where+"[*]", elem.IncompleteKind()), nil, cue.Value{}
	default:
		return Leaf, scalarType(t, where, k&^cue.StructKind), nil, cue.Value{}
	}
	panic("unreachable")
}

func scalarType(t *testing.T, where string, k cue.Kind) Type {
	t.Helper()
	switch k {
	case cue.StringKind:
		return String
	case cue.IntKind:
		return Int
	case cue.BoolKind:
		return Bool
	}
	t.Fatalf("%s: unexpected value kind %v", where, k)
	return 0
}

// sampleKeys are map keys that some map of the schema accepts: names, and
// the vault ARNs that key copy actions.
var sampleKeys = []string{"sample", "arn:aws:backup:us-east-1:$account:backup-vault:sample"}

// entryOf returns a map's entry as the schema makes it for a key. The
// pattern constraint's own value is not enough: evaluated on its own, the
// closed #Node it embeds rejects its fields.
func entryOf(t *testing.T, where string, m cue.Value) cue.Value {
	t.Helper()
	for _, k := range sampleKeys {
		if !m.Allows(cue.Str(k)) {
			continue
		}
		e := m.FillPath(cue.MakePath(cue.Str(k)), map[string]any{}).LookupPath(cue.MakePath(cue.Str(k)))
		if err := e.Err(); err != nil {
			t.Fatalf("%s: entry %q: %v", where, k, err)
		}
		return e
	}
	t.Fatalf("%s: the map accepts none of the keys %q", where, sampleKeys)
	return cue.Value{}
}

var kindNames = map[Kind]string{Object: "object", Map: "map", Leaf: "leaf", List: "list"}
var typeNames = map[Type]string{String: "string", Int: "int", Bool: "bool"}

// diff walks a schema value and a spec together and returns every
// difference.
func diff(t *testing.T, where string, v cue.Value, s *Spec) []string {
	t.Helper()
	kind, typ, fields, elem := cueKind(t, where, v)
	if kind != s.Kind {
		return []string{fmt.Sprintf("%s: the schema has a %s, backup.Spec a %s", where, kindNames[kind], kindNames[s.Kind])}
	}
	var out []string
	switch kind {
	case Leaf, List:
		if typ != s.Type {
			out = append(out, fmt.Sprintf("%s: the schema's values are %s, backup.Spec's %s", where, typeNames[typ], typeNames[s.Type]))
		}
	case Map:
		out = append(out, diff(t, where+".*", elem, s.Elem)...)
	case Object:
		var names []string
		for _, f := range fields {
			if s == Plans.Elem && f.name == "children_may_change" {
				// Author form only: the generator expands it into AWS's
				// child control operators, and no document holds it.
				continue
			}
			names = append(names, f.name)
			fs, ok := s.Fields[f.name]
			if !ok {
				out = append(out, fmt.Sprintf("%s: the schema allows %q, which backup.Spec lacks", where, f.name))
				continue
			}
			out = append(out, diff(t, where+"."+f.name, f.value, fs)...)
		}
		for _, k := range s.Keys() {
			if !slices.Contains(names, k) {
				out = append(out, fmt.Sprintf("%s: backup.Spec has %q, which the schema does not allow", where, k))
			}
		}
	}
	return out
}

func compare(t *testing.T, where string, v cue.Value, s *Spec) {
	t.Helper()
	for _, d := range diff(t, where, v, s) {
		t.Error(d)
	}
}

func TestSchemaMatchesSpec(t *testing.T) {
	v := loadSchema(t)
	plans := v.LookupPath(cue.ParsePath("#Plans"))
	if err := plans.Err(); err != nil {
		t.Fatal(err)
	}
	compare(t, "#Plans", plans, Plans)

	// The policy document holds nothing but plans; #Policy's other fields
	// (description, targets, partial) are orgbackup's, not the document's.
	pol := v.LookupPath(cue.ParsePath("#Policy"))
	if p := pol.LookupPath(cue.MakePath(cue.Str("plans").Required())); !p.Exists() {
		t.Errorf("#Policy has no required plans field")
	}
	if got := Policy.Keys(); !slices.Equal(got, []string{"plans"}) || !slices.Equal(Policy.Required, []string{"plans"}) {
		t.Errorf("backup.Policy has keys %q, required %q; want only plans", got, Policy.Required)
	}
}

// The definitions the schema reuses must each be reachable from #Plans,
// so that the walk above covers them: a new definition that #Plans does not
// use is a sign the two have drifted.
func TestSchemaDefinitionsAreCovered(t *testing.T) {
	v := loadSchema(t)
	for _, def := range []string{"#Plan", "#Rule", "#Lifecycle", "#CopyAction", "#Tags", "#Selections",
		"#TagSelection", "#ResourceSelection", "#Conditions", "#ConditionMap", "#AdvancedBackupSettings", "#ScanSettings"} {
		d := v.LookupPath(cue.ParsePath(def))
		if !d.Exists() {
			t.Errorf("%s is not in the schema", def)
			continue
		}
		s := specOf(def)
		if s == nil {
			t.Errorf("%s: no spec to compare with", def)
			continue
		}
		compare(t, def, d, s)
	}
}

// specOf names the spec each schema definition describes.
func specOf(def string) *Spec {
	r := Plans.Elem.Lookup("rules", "r")
	sel := Plans.Elem.Lookup("selections")
	switch def {
	case "#Plan":
		return Plans.Elem
	case "#Rule":
		return r
	case "#Lifecycle":
		return r.Lookup("lifecycle")
	case "#CopyAction":
		return r.Lookup("copy_actions", "c")
	case "#Tags":
		return r.Lookup("recovery_point_tags")
	case "#Selections":
		return sel
	case "#TagSelection":
		return sel.Lookup("tags", "s")
	case "#ResourceSelection":
		return sel.Lookup("resources", "s")
	case "#Conditions":
		return sel.Lookup("tags", "s", "conditions")
	case "#ConditionMap":
		return sel.Lookup("tags", "s", "conditions", "string_equals")
	case "#AdvancedBackupSettings":
		return Plans.Elem.Lookup("advanced_backup_settings")
	case "#ScanSettings":
		return Plans.Elem.Lookup("scan_settings")
	}
	return nil
}

// requiredDiff compares the keys #CompletePlan requires of each object with
// the spec's Required, and says where the schema requires any.
func requiredDiff(t *testing.T, complete cue.Value, plan *Spec) (diffs []string, checked []string) {
	t.Helper()
	var walk func(where string, v cue.Value, s *Spec)
	walk = func(where string, v cue.Value, s *Spec) {
		if v.IncompleteKind() != cue.StructKind || s == nil {
			return
		}
		fields, patterns := fieldsOf(t, where, v)
		var required []string
		for _, f := range fields {
			if f.required {
				required = append(required, f.name)
			}
			walk(where+"."+f.name, f.value, s.Child(f.name))
		}
		if len(patterns) > 0 {
			walk(where+".*", entryOf(t, where, v), s.Elem)
		}
		if len(required) == 0 {
			return
		}
		checked = append(checked, where)
		slices.Sort(required)
		want := slices.Sorted(slices.Values(s.Required))
		if !slices.Equal(required, want) {
			diffs = append(diffs, fmt.Sprintf("%s: the schema requires %q, backup.Spec %q", where, required, want))
		}
	}
	walk("#CompletePlan", complete, plan)
	slices.Sort(checked)
	return diffs, checked
}

// #CompletePlan says what a plan of a complete policy must have; Spec's
// Required says what an effective policy must have. Where the schema
// requires keys of an object, they are exactly Spec's. (The schema requires
// no keys of tags and conditions; Spec does, and Check reports them.)
func TestSchemaRequiredKeysMatchSpec(t *testing.T) {
	v := loadSchema(t)
	complete := v.LookupPath(cue.ParsePath("#CompletePlan"))
	if err := complete.Err(); err != nil {
		t.Fatal(err)
	}
	diffs, checked := requiredDiff(t, complete, Plans.Elem)
	for _, d := range diffs {
		t.Error(d)
	}
	want := []string{"#CompletePlan", "#CompletePlan.rules.*", "#CompletePlan.selections.resources.*", "#CompletePlan.selections.tags.*"}
	if !slices.Equal(checked, want) {
		t.Errorf("the schema requires keys at %q, want %q", checked, want)
	}

	// And the comparison notices a change.
	plan := cloneSpec(Plans.Elem)
	plan.Lookup("rules", "r").Required = []string{"schedule_expression"}
	if diffs, _ := requiredDiff(t, complete, plan); len(diffs) != 1 || !strings.Contains(diffs[0], "#CompletePlan.rules.*: the schema requires") {
		t.Errorf("a dropped required key went unnoticed: %q", diffs)
	}
}

// Guard the walk itself: a schema field of each kind is classified as
// Spec would classify it.
func TestCueKindClassifies(t *testing.T) {
	v := loadSchema(t)
	for _, tc := range []struct {
		path string
		want string
	}{
		{"#Plan.regions", "list string"},
		{"#Plan.rules", "map"},
		{"#Plan.selections", "object"},
		{"#Rule.start_backup_window_minutes", "leaf int"},
		{"#Rule.enable_continuous_backup", "leaf bool"},
		{"#Rule.schedule_expression", "leaf string"},
	} {
		parts := strings.Split(tc.path, ".")
		fv := v.LookupPath(cue.ParsePath(parts[0]))
		for _, p := range parts[1:] {
			fv = fv.LookupPath(cue.MakePath(cue.Str(p).Optional()))
		}
		kind, typ, _, _ := cueKind(t, tc.path, fv)
		got := kindNames[kind]
		if kind == Leaf || kind == List {
			got += " " + typeNames[typ]
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.path, got, tc.want)
		}
	}
}

// cloneSpec copies a spec deeply, so a test can change the copy.
func cloneSpec(s *Spec) *Spec {
	c := *s
	if s.Fields != nil {
		c.Fields = map[string]*Spec{}
		for k, f := range s.Fields {
			c.Fields[k] = cloneSpec(f)
		}
	}
	if s.Elem != nil {
		c.Elem = cloneSpec(s.Elem)
	}
	return &c
}

// The comparison must notice each kind of drift, or the tests above prove
// nothing.
func TestSchemaComparisonFindsDrift(t *testing.T) {
	v := loadSchema(t)
	plans := v.LookupPath(cue.ParsePath("#Plans"))
	for _, tc := range []struct {
		name   string
		change func(plans *Spec)
		want   string
	}{
		{"a key the spec lacks", func(p *Spec) { delete(p.Elem.Lookup("rules", "r").Fields, "scan_actions") },
			`#Plans.*.rules.*: the schema allows "scan_actions", which backup.Spec lacks`},
		{"a key the schema lacks", func(p *Spec) { p.Elem.Lookup("rules", "r", "lifecycle").Fields["keep_forever"] = leaf(Bool) },
			`#Plans.*.rules.*.lifecycle: backup.Spec has "keep_forever", which the schema does not allow`},
		{"a value type", func(p *Spec) { p.Elem.Lookup("rules", "r", "lifecycle", "delete_after_days").Type = String },
			"#Plans.*.rules.*.lifecycle.delete_after_days: the schema's values are int, backup.Spec's string"},
		{"a list's item type", func(p *Spec) { p.Elem.Fields["regions"].Type = Int },
			"#Plans.*.regions: the schema's values are string, backup.Spec's int"},
		{"a map made an object", func(p *Spec) {
			r := p.Elem.Lookup("rules", "r")
			r.Fields["copy_actions"] = object(nil, map[string]*Spec{"x": leaf(String)})
		}, "#Plans.*.rules.*.copy_actions: the schema has a map, backup.Spec a object"},
		{"a list made a leaf", func(p *Spec) { p.Elem.Fields["regions"] = leaf(String) },
			"#Plans.*.regions: the schema has a list, backup.Spec a leaf"},
		{"a leaf made a list", func(p *Spec) { p.Elem.Lookup("rules", "r").Fields["schedule_expression"] = list(String, 0, 0, "") },
			"#Plans.*.rules.*.schedule_expression: the schema has a leaf, backup.Spec a list"},
		{"deep inside a map of maps", func(p *Spec) {
			delete(p.Elem.Lookup("selections", "tags", "s", "conditions", "string_like", "c").Fields, "condition_value")
		}, `#Plans.*.selections.tags.*.conditions.string_like.*: the schema allows "condition_value", which backup.Spec lacks`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := cloneSpec(Plans)
			tc.change(spec)
			got := diff(t, "#Plans", plans, spec)
			if !slices.Contains(got, tc.want) {
				t.Errorf("differences:\n  %s\nwant among them:\n  %s", strings.Join(got, "\n  "), tc.want)
			}
		})
	}
}
