// Package backup knows the shape and the rules of an Organizations backup
// policy document: which keys are settings and which are maps of named
// entries, what is required, what AWS counts and limits, and which vaults
// and roles a policy depends on. The CUE schema checks what authors write;
// this package checks documents in AWS's form, including effective policies
// merged from several documents, where CUE is not involved.
package backup

import (
	"maps"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Kind says what a node of a backup policy is.
type Kind uint8

// The node kinds.
const (
	// Object has a fixed set of keys.
	Object Kind = iota
	// Map is keyed by identifiers the author chooses (plan, rule and
	// selection names, tag ids); Organizations matches them without regard
	// to case.
	Map
	// Leaf is a single-valued setting.
	Leaf
	// List is a multi-valued setting.
	List
)

// Type is the value type of a Leaf or of a List's items.
type Type uint8

// The value types. Organizations renders every one of them as a JSON
// string ("480", "true"); authors write them plainly.
const (
	String Type = iota
	Int
	Bool
)

// Spec describes one node of a backup policy.
type Spec struct {
	Kind Kind
	// Fields are an Object's keys.
	Fields map[string]*Spec
	// Elem is a Map's entry.
	Elem *Spec
	// Type is a Leaf's or List item's value type.
	Type Type
	// Entry names one entry of a Map for messages ("rule", "plan").
	Entry string
	// Required are the keys an Object must have in an effective policy.
	Required []string
	// Min and Max bound a Map's entries or a List's items; 0 means none.
	Min, Max int
	// Quota names the AWS quota behind Max, for messages.
	Quota string
}

// Keys returns an Object's keys, sorted.
func (s *Spec) Keys() []string {
	return slices.Sorted(maps.Keys(s.Fields))
}

// Field returns the spec of an Object's key, matching case-insensitively as
// Organizations does (effective policies come back lower-cased), or nil.
func (s *Spec) Field(key string) *Spec {
	if s == nil || s.Kind != Object {
		return nil
	}
	if f, ok := s.Fields[key]; ok {
		return f
	}
	for k, f := range s.Fields {
		if strings.EqualFold(k, key) {
			return f
		}
	}
	return nil
}

// Child returns the spec of the node under key: a field of an Object or
// the entry of a Map.
func (s *Spec) Child(key string) *Spec {
	if s == nil {
		return nil
	}
	switch s.Kind {
	case Object:
		return s.Field(key)
	case Map:
		return s.Elem
	}
	return nil
}

// Lookup returns the spec at path below s, or nil.
func (s *Spec) Lookup(path ...string) *Spec {
	for _, p := range path {
		s = s.Child(p)
		if s == nil {
			return nil
		}
	}
	return s
}

func leaf(t Type) *Spec { return &Spec{Kind: Leaf, Type: t} }

func list(t Type, min, max int, quota string) *Spec {
	return &Spec{Kind: List, Type: t, Min: min, Max: max, Quota: quota}
}

func object(required []string, fields map[string]*Spec) *Spec {
	return &Spec{Kind: Object, Fields: fields, Required: required}
}

func mapOf(entry string, min, max int, quota string, elem *Spec) *Spec {
	return &Spec{Kind: Map, Entry: entry, Elem: elem, Min: min, Max: max, Quota: quota}
}

var (
	lifecycle = object(nil, map[string]*Spec{
		"move_to_cold_storage_after_days":           leaf(Int),
		"delete_after_days":                         leaf(Int),
		"opt_in_to_archive_for_supported_resources": leaf(Bool),
	})
	tag = object([]string{"tag_key", "tag_value"}, map[string]*Spec{
		"tag_key":   leaf(String),
		"tag_value": leaf(String),
	})
	condition = object([]string{"condition_key", "condition_value"}, map[string]*Spec{
		"condition_key":   leaf(String),
		"condition_value": leaf(String),
	})
	conditions = object(nil, map[string]*Spec{
		"string_equals":     mapOf("condition", 0, 0, "", condition),
		"string_not_equals": mapOf("condition", 0, 0, "", condition),
		"string_like":       mapOf("condition", 0, 0, "", condition),
		"string_not_like":   mapOf("condition", 0, 0, "", condition),
	})
	// schedule_expression is not required: see DefaultSchedule.
	rule = object([]string{"target_backup_vault_name"}, map[string]*Spec{
		"schedule_expression":                          leaf(String),
		"target_backup_vault_name":                     leaf(String),
		"target_logically_air_gapped_backup_vault_arn": leaf(String),
		"start_backup_window_minutes":                  leaf(Int),
		"complete_backup_window_minutes":               leaf(Int),
		"enable_continuous_backup":                     leaf(Bool),
		"lifecycle":                                    lifecycle,
		"copy_actions": mapOf("copy action", 0, 5, "5 copy actions per rule",
			object(nil, map[string]*Spec{
				"target_backup_vault_arn": leaf(String),
				"lifecycle":               lifecycle,
			})),
		"recovery_point_tags": mapOf("tag", 0, 10, "10 tags per recovery point", tag),
		"index_actions": object(nil, map[string]*Spec{
			// More than one is a warning (see Check): AWS's own examples
			// list two.
			"resource_types": list(String, 0, 0, ""),
		}),
		"scan_actions": object(nil, map[string]*Spec{
			"GUARDDUTY": object(nil, map[string]*Spec{"scan_mode": leaf(String)}),
		}),
	})
	selectionsSpec = object(nil, map[string]*Spec{
		"tags": mapOf("tag selection", 0, 10, "10 tag-based resource assignments per plan",
			object([]string{"iam_role_arn", "tag_key", "tag_value"}, map[string]*Spec{
				"iam_role_arn": leaf(String),
				"tag_key":      leaf(String),
				"tag_value":    list(String, 1, 30, "30 tags per resource assignment"),
				"conditions":   conditions,
			})),
		"resources": mapOf("resource selection", 0, 100, "100 resource assignments per plan",
			object([]string{"iam_role_arn", "resource_types"}, map[string]*Spec{
				"iam_role_arn":       leaf(String),
				"resource_types":     list(String, 1, 0, ""),
				"not_resource_types": list(String, 0, 0, ""),
				"conditions":         conditions,
			})),
	})
	plan = object([]string{"regions", "rules", "selections"}, map[string]*Spec{
		"regions":    list(String, 1, 0, ""),
		"rules":      mapOf("rule", 1, 10, "10 rules per backup plan", rule),
		"selections": selectionsSpec,
		"advanced_backup_settings": object(nil, map[string]*Spec{
			"ec2": object(nil, map[string]*Spec{"windows_vss": leaf(String)}),
			"s3": object(nil, map[string]*Spec{
				"backup_acls":        leaf(String),
				"backup_object_tags": leaf(String),
			}),
		}),
		"backup_plan_tags": mapOf("tag", 0, 0, "", tag),
		"scan_settings": object(nil, map[string]*Spec{
			"GUARDDUTY": object(nil, map[string]*Spec{
				"resource_types":   list(String, 0, 0, ""),
				"scanner_role_arn": leaf(String),
			}),
		}),
	})
)

// Policy is the spec of a whole backup policy document.
var Policy = object([]string{"plans"}, map[string]*Spec{
	"plans": mapOf("plan", 1, 0, "", plan),
})

// Plans is the spec of a document's "plans" map.
var Plans = Policy.Fields["plans"]

// MapSettings copies n, a node described by s, replacing every setting
// (Leaf or List node) with what f returns for it. Objects and maps are
// rebuilt key by key; inheritance-operator keys on them (@@…) and keys the
// spec does not know are copied unchanged.
func MapSettings(n *doc.Node, s *Spec, f func(n *doc.Node, s *Spec) *doc.Node) *doc.Node {
	if n == nil || s == nil {
		return n.Clone()
	}
	switch s.Kind {
	case Leaf, List:
		return f(n, s)
	}
	if n.Kind != doc.Object {
		return n.Clone()
	}
	out := doc.NewObject(n.Pos)
	out.Fields = make([]doc.Field, 0, len(n.Fields))
	for _, fl := range n.Fields {
		var v *doc.Node
		if strings.HasPrefix(fl.Key, "@@") {
			v = fl.Value.Clone()
		} else {
			v = MapSettings(fl.Value, s.Child(fl.Key), f)
		}
		out.Fields = append(out.Fields, doc.Field{Key: fl.Key, KeyPos: fl.KeyPos, Value: v})
	}
	return out
}
