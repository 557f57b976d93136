package org

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestNewRoundTrip checks New(o.Snapshot()) == o for every fixture, and that
// it encodes to the same bytes.
func TestNewRoundTrip(t *testing.T) {
	for name, src := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			o := mustParse(t, string(src))
			o2, err := New(o.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			sameOrg(t, "New(o.Snapshot())", o, o2, false)
			if a, b := o.Encode(), o2.Encode(); !bytes.Equal(a, b) {
				t.Errorf("encodings differ:\n%s", lineDiff(string(a), string(b)))
			}
		})
	}
}

// TestNewLeavesSnapshotAlone checks that New neither changes its argument
// nor keeps parts of it the Org could change later.
func TestNewLeavesSnapshotAlone(t *testing.T) {
	s := mustParse(t, string(fixtures(t)["aws"])).Snapshot()
	before, _ := json.Marshal(s)
	o, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	s.Policies[0].Content = json.RawMessage(`{"changed": true}`)
	s.Settings.TrustedServices[0] = "changed.amazonaws.com"
	s.Policies[0].Tags = map[string]string{"x": "y"}
	if got := o.Policies()[0].Content.Get("changed"); got != nil {
		t.Error("the Org shares content with the snapshot")
	}
	if o.Settings.TrustedServices[0] == "changed.amazonaws.com" {
		t.Error("the Org shares settings with the snapshot")
	}
	s = mustParse(t, string(fixtures(t)["aws"])).Snapshot()
	if _, err := New(s); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(s); !bytes.Equal(before, after) {
		t.Errorf("New changed its argument:\n%s", lineDiff(string(before), string(after)))
	}
	for _, p := range s.Policies {
		if p.loc != nil || p.content != nil {
			t.Error("New recorded state in its argument")
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// TestNewProblems checks that problems in a snapshot built in memory name
// the value they are about, since there is no line to point at.
func TestNewProblems(t *testing.T) {
	s := &Snapshot{
		FormatVersion: FormatVersion,
		Source:        "aws",
		Settings:      &SnapshotSettings{TrustedServices: []string{"backup.amazonaws.com", "backup.amazonaws.com"}, DelegatedAdministrators: map[string][]string{"backup.amazonaws.com": {"999999999999"}}},
		Roots:         []SnapshotRoot{{ID: "r-ab12", PolicyTypes: []SnapshotPolicyType{{Type: "BACKUP_POLICY", Status: "ON"}}}},
		OUs:           []SnapshotOU{{ID: "ou-ab12-11111111", Name: "A", ParentID: "ou-ab12-99999999"}},
		Accounts: []SnapshotAccount{{ID: "123456789012", Email: "nobody", Policies: map[string][]string{"BACKUP_POLICY": {"p-abcd1234", "p-missing00"}}},
			{Name: "no id"}},
		Policies: []SnapshotPolicy{{ID: "p-abcd1234", Name: "daily", Type: "BACKUP_POLICY", Content: ContentString(`{"plans": `)},
			{ID: "p-abcd5678", Name: "weekly", Type: "BACKUP_POLICY", Content: json.RawMessage(`  {"plans": {}}`)}},
	}
	_, err := New(s)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LoadError", err)
	}
	var got []string
	for _, p := range le.Problems {
		if p.Hint == "" {
			t.Errorf("%s: no hint", p)
		}
		got = append(got, p.Pos.String()+": "+p.Msg)
	}
	want := []string{
		`snapshot, source: a snapshot with source "aws" needs captured_at`,
		`settings, trusted_services[1]: service principal "backup.amazonaws.com" is listed twice in trusted_services`,
		`settings, delegated_administrators, backup.amazonaws.com[0]: delegated administrator 999999999999 for backup.amazonaws.com is not among the accounts`,
		`root r-ab12, policy_types[0], status: unknown status "ON"`,
		`organizational unit ou-ab12-11111111, parent_id: unknown parent "ou-ab12-99999999" of organizational unit "A"`,
		`account 123456789012, email: bad email "nobody"`,
		`account 123456789012, policies BACKUP_POLICY[1]: attachment to unknown policy "p-missing00"`,
		`accounts[1], id: account "no id" has no id`,
		`policy p-abcd1234, content: content string is not valid JSON: invalid JSON: unexpected end of input (line 1, column 11 of the string)`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if strings.Contains(err.Error(), "-:") {
		t.Errorf("Error() shows positions as -:\n%s", err)
	}
}

// TestNewContent checks both content forms, and that parsed documents carry
// the policy as their position.
func TestNewContent(t *testing.T) {
	s := &Snapshot{FormatVersion: FormatVersion, Roots: []SnapshotRoot{{ID: "r-ab12"}},
		Policies: []SnapshotPolicy{
			{ID: "p-abcd1234", Name: "a", Type: policy.Type, Content: ContentString("{\"plans\": {\"x\": {}}}\n")},
			{ID: "p-abcd5678", Name: "b", Type: policy.Type, Content: json.RawMessage("\n {\"plans\": {\"y\": {}}}")},
		}}
	o, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, plan string }{{"p-abcd1234", "x"}, {"p-abcd5678", "y"}} {
		p := o.Policy(tc.id)
		if p.Content.Get("plans").Get(tc.plan) == nil {
			t.Errorf("%s: content %s", tc.id, p.Content.Compact())
		}
		doc.Walk(p.Content, func(_ []string, n *doc.Node) bool {
			if n.Pos != (doc.Pos{File: "policy " + tc.id}) {
				t.Errorf("%s: node at %q", tc.id, n.Pos)
			}
			return true
		})
	}
}

// TestNewSameChecksAsParse runs the file loader's error cases through New
// (decoded with encoding/json, which drops what New never sees: unknown
// keys, duplicates, wrong JSON types). Every problem New reports must be one
// Parse reports, and New must refuse every snapshot whose problems are not
// about the JSON itself.
func TestNewSameChecksAsParse(t *testing.T) {
	jsonOnly := map[string]bool{"syntax error": true, "duplicate key": true, "not an object": true,
		"unknown top-level key": true, "unknown account key": true, "case variant key": true, "key of another object": true}
	// Problems in the JSON that both find, worded for where they are.
	reworded := map[string]bool{"duplicate key in content": true}
	for _, tc := range loadErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			var s Snapshot
			if err := json.Unmarshal([]byte(tc.src), &s); err != nil {
				return // the JSON itself is wrong: not New's business
			}
			_, perr := Parse("s.json", []byte(tc.src))
			_, nerr := New(&s)
			if nerr == nil {
				if !jsonOnly[tc.name] {
					t.Fatalf("New accepted it; Parse says:\n%v", perr)
				}
				return
			}
			var pl, nl *LoadError
			errors.As(perr, &pl)
			errors.As(nerr, &nl)
			var pmsgs []string
			for _, p := range pl.Problems {
				pmsgs = append(pmsgs, p.Msg)
			}
			for _, p := range nl.Problems {
				if !slices.Contains(pmsgs, p.Msg) && !reworded[tc.name] {
					t.Errorf("New reports %q, which Parse does not:\n%v", p.Msg, perr)
				}
			}
		})
	}
}

// TestSnapshotIsTheFileShape checks that a Snapshot marshals to the same
// JSON the file loader reads, so that the live reader and a file agree.
func TestSnapshotIsTheFileShape(t *testing.T) {
	o := mustParse(t, string(fixtures(t)["aws"]))
	b, err := json.Marshal(o.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	o2, err := Parse("m.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := o.Encode(), o2.Encode(); !bytes.Equal(a, b) {
		t.Errorf("differ:\n%s", lineDiff(string(a), string(b)))
	}
	if !reflect.DeepEqual(o.Settings, o2.Settings) {
		t.Errorf("settings %+v, then %+v", o.Settings, o2.Settings)
	}
}

// TestSettingsUnknownStaysUnknown checks that "not read" and "read, none"
// survive encoding, field by field.
func TestSettingsUnknownStaysUnknown(t *testing.T) {
	for _, settings := range []string{
		`{}`,
		`{"trusted_services": []}`,
		`{"delegated_administrators": {}}`,
		`{"delegated_administrators": {"backup.amazonaws.com": []}}`,
		`{"backup_global_settings": {}}`,
		`{"trusted_services": [], "delegated_administrators": {}, "backup_global_settings": {}}`,
	} {
		src := `{"format_version": "1", "settings": ` + settings + `, "roots": [{"id": "r-ab12"}]}`
		o := mustParse(t, src)
		enc := o.Encode()
		var got struct{ Settings json.RawMessage }
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatal(err)
		}
		var a, b any
		json.Unmarshal([]byte(settings), &a)
		json.Unmarshal(got.Settings, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("settings %s encode as %s", settings, got.Settings)
		}
	}
	if o := mustParse(t, `{"format_version": "1", "roots": [{"id": "r-ab12"}]}`); o.Settings != nil || bytes.Contains(o.Encode(), []byte("settings")) {
		t.Errorf("a snapshot without settings has %+v", o.Settings)
	}
}
