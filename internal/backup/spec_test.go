package backup

import (
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

func TestSpecKeysAreSorted(t *testing.T) {
	got := Policy.Lookup("plans", "any").Keys()
	want := []string{"advanced_backup_settings", "backup_plan_tags", "regions", "rules", "scan_settings", "selections"}
	if !slices.Equal(got, want) {
		t.Errorf("plan keys = %q, want %q", got, want)
	}
}

func TestSpecFieldMatchesWithoutCase(t *testing.T) {
	p := Plans.Elem
	for _, key := range []string{"regions", "REGIONS", "Regions"} {
		if f := p.Field(key); f != p.Fields["regions"] {
			t.Errorf("Field(%q) = %v", key, f)
		}
	}
	if f := p.Field("region"); f != nil {
		t.Errorf("Field(region) = %v, want nil", f)
	}
	// GUARDDUTY is upper case in the spec and lower case in effective
	// policies.
	if f := p.Lookup("scan_settings", "guardduty", "scanner_role_arn"); f == nil || f.Kind != Leaf {
		t.Errorf("Lookup(scan_settings guardduty scanner_role_arn) = %v", f)
	}
	var nilSpec *Spec
	if nilSpec.Field("x") != nil || Plans.Field("x") != nil {
		t.Error("Field of a nil spec or of a map must be nil")
	}
}

func TestSpecChild(t *testing.T) {
	if Plans.Child("anything") != Plans.Elem || Plans.Child("@@assign") != Plans.Elem {
		t.Error("a map's child is its entry, whatever the key")
	}
	if Policy.Child("plans") != Plans {
		t.Error("an object's child is its field")
	}
	leafSpec := Plans.Elem.Lookup("rules", "r", "schedule_expression")
	if leafSpec.Child("x") != nil {
		t.Error("a leaf has no children")
	}
	var nilSpec *Spec
	if nilSpec.Child("x") != nil {
		t.Error("nil spec has no children")
	}
}

func TestSpecLookup(t *testing.T) {
	for _, tc := range []struct {
		path string
		kind Kind
		typ  Type
	}{
		{"plans", Map, String},
		{"plans/p", Object, String},
		{"plans/p/regions", List, String},
		{"plans/p/rules/r/start_backup_window_minutes", Leaf, Int},
		{"plans/p/rules/r/enable_continuous_backup", Leaf, Bool},
		{"plans/p/rules/r/lifecycle/opt_in_to_archive_for_supported_resources", Leaf, Bool},
		{"plans/p/rules/r/copy_actions/arn:x/lifecycle/delete_after_days", Leaf, Int},
		{"plans/p/rules/r/recovery_point_tags/t/tag_value", Leaf, String},
		{"plans/p/selections/tags/s/tag_value", List, String},
		{"plans/p/selections/resources/s/conditions/string_like/c/condition_value", Leaf, String},
		{"plans/p/scan_settings/GUARDDUTY/resource_types", List, String},
	} {
		s := Policy.Lookup(strings.Split(tc.path, "/")...)
		if s == nil {
			t.Errorf("Lookup(%s) = nil", tc.path)
			continue
		}
		if s.Kind != tc.kind || (s.Kind == Leaf || s.Kind == List) && s.Type != tc.typ {
			t.Errorf("Lookup(%s) = kind %d type %d, want %d %d", tc.path, s.Kind, s.Type, tc.kind, tc.typ)
		}
	}
	for _, path := range []string{"plan", "plans/p/rule", "plans/p/regions/0", "plans/p/rules/r/lifecycle/days"} {
		if s := Policy.Lookup(strings.Split(path, "/")...); s != nil {
			t.Errorf("Lookup(%s) = %v, want nil", path, s)
		}
	}
	if Policy.Lookup() != Policy {
		t.Error("Lookup() is the spec itself")
	}
}

// The spec's own invariants, which Check relies on.
func TestSpecIsConsistent(t *testing.T) {
	var walk func(path string, s *Spec)
	walk = func(path string, s *Spec) {
		switch s.Kind {
		case Object:
			if len(s.Fields) == 0 || s.Elem != nil {
				t.Errorf("%s: an object has fields and no entry", path)
			}
			for _, r := range s.Required {
				if s.Fields[r] == nil {
					t.Errorf("%s: required key %q is not a field", path, r)
				}
			}
			for k, f := range s.Fields {
				walk(path+"/"+k, f)
			}
		case Map:
			if s.Elem == nil || s.Fields != nil || s.Entry == "" {
				t.Errorf("%s: a map has an entry spec and an entry name, and no fields", path)
			} else {
				walk(path+"/*", s.Elem)
			}
		case Leaf, List:
			if s.Fields != nil || s.Elem != nil || len(s.Required) > 0 {
				t.Errorf("%s: a setting has no fields", path)
			}
			if s.Kind == Leaf && (s.Min != 0 || s.Max != 0) {
				t.Errorf("%s: a leaf has no bounds", path)
			}
		}
		if s.Max > 0 && s.Quota == "" {
			t.Errorf("%s: a maximum names its AWS quota", path)
		}
		if s.Max > 0 && s.Min > s.Max {
			t.Errorf("%s: min %d above max %d", path, s.Min, s.Max)
		}
	}
	walk("", Policy)
}

// upper is a MapSettings callback that marks every setting it sees.
func upper(n *doc.Node, s *Spec) *doc.Node {
	out := n.Clone()
	doc.Walk(out, func(_ []string, x *doc.Node) bool {
		if x.Kind == doc.String {
			x.Text = strings.ToUpper(x.Text)
		}
		return true
	})
	return out
}

func TestMapSettings(t *testing.T) {
	in := parse(t, `{
  "@@operators_allowed_for_child_policies": ["@@none"],
  "daily": {
    "regions": {"@@assign": ["us-east-1"]},
    "Rules": {"hourly": {"schedule_expression": "cron(0 5 ? * * *)", "unknown": "kept"}},
    "selections": "not an object",
    "extra": {"deep": "kept"}
  }
}`)
	before := string(in.Compact())
	var seen []string
	got := MapSettings(in, Plans, func(n *doc.Node, s *Spec) *doc.Node {
		seen = append(seen, string(n.Compact()))
		return upper(n, s)
	})
	want := `{"@@operators_allowed_for_child_policies":["@@none"],"daily":{"Rules":{"hourly":{"schedule_expression":"CRON(0 5 ? * * *)","unknown":"kept"}},"extra":{"deep":"kept"},"regions":{"@@assign":["US-EAST-1"]},"selections":"not an object"}}`
	if string(got.Compact()) != want {
		t.Errorf("MapSettings:\n got %s\nwant %s", got.Compact(), want)
	}
	// Settings are passed whole, operator form included; operator keys,
	// unknown keys and nodes of the wrong shape are not passed at all.
	if w := []string{`{"@@assign":["us-east-1"]}`, `"cron(0 5 ? * * *)"`}; !slices.Equal(seen, w) {
		t.Errorf("f saw %q, want %q", seen, w)
	}
	if string(in.Compact()) != before {
		t.Errorf("MapSettings changed its input: %s", in.Compact())
	}
	// Keys keep their positions, and the result shares no node with the
	// input.
	if got.Fields[1].KeyPos != in.Fields[1].KeyPos || got.Pos != in.Pos {
		t.Errorf("positions not kept: %v %v", got.Fields[1].KeyPos, got.Pos)
	}
	got.Fields[0].Value.Items[0].Text = "changed"
	at(got, "daily", "extra", "deep").Text = "changed"
	if string(in.Compact()) != before {
		t.Errorf("the result shares nodes with the input: %s", in.Compact())
	}
}

func TestMapSettingsEdges(t *testing.T) {
	called := false
	f := func(n *doc.Node, s *Spec) *doc.Node { called = true; return n }
	if MapSettings(nil, Plans, f) != nil {
		t.Error("nil node maps to nil")
	}
	n := js(`{"a": {"b": "c"}}`)
	if got := MapSettings(n, nil, f); string(got.Compact()) != `{"a":{"b":"c"}}` || got == n {
		t.Errorf("without a spec the node is copied: %s", got.Compact())
	}
	if got := MapSettings(js(`"x"`), Plans, f); string(got.Compact()) != `"x"` {
		t.Errorf("a scalar where a map belongs is copied: %s", got.Compact())
	}
	if called {
		t.Error("f was called for a node that is not a setting")
	}
	leafSpec := Plans.Elem.Lookup("rules", "r", "target_backup_vault_name")
	if got := MapSettings(js(`"v"`), leafSpec, func(*doc.Node, *Spec) *doc.Node { return js(`"w"`) }); got.Text != "w" {
		t.Errorf("a setting is what f returns: %s", got.Compact())
	}
}
