package org

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// lineDiff shows the first lines where a and b differ, enough to find a
// regression without a diff library.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 20; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n-%s\n+%s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// view flattens an Org into plain values for comparison, with or without
// content positions.
type view struct {
	Source     string
	CapturedAt time.Time
	Info       Info
	Settings   *Settings
	Entities   []entityView
	Policies   []policyView
}

type entityView struct {
	ID, Name, ARN, Path, Parent  string
	Kind                         Kind
	Depth                        int
	Email, Status, State, Joined string
	JoinedTimestamp              time.Time
	Children                     []string
	PolicyTypes                  []PolicyTypeStatus
	Attached                     map[string][]string
}

type policyView struct {
	ID, Name, ARN, Type, Description string
	AWSManaged                       bool
	Tags                             map[string]string
	Content                          string
	Positions                        []string
}

func viewOf(o *Org, positions bool) view {
	v := view{Source: o.Source, CapturedAt: o.CapturedAt, Info: o.Info, Settings: o.Settings}
	for _, e := range append(append([]*Entity{o.Root()}, o.OUs()...), o.Accounts()...) {
		ev := entityView{ID: e.ID, Name: e.Name, ARN: e.ARN, Path: o.Path(e), Kind: e.Kind, Depth: e.Depth,
			Email: e.Email, Status: e.Status, State: e.State, Joined: e.JoinedMethod, JoinedTimestamp: e.JoinedTimestamp,
			Children: ids(e.Children), PolicyTypes: e.PolicyTypes, Attached: map[string][]string{}}
		if e.Parent != nil {
			ev.Parent = e.Parent.ID
		}
		for _, t := range o.AttachedTypes(e) {
			ev.Attached[t] = policyIDs(o.Attached(e, t))
		}
		v.Entities = append(v.Entities, ev)
	}
	for _, p := range o.Policies() {
		pv := policyView{ID: p.ID, Name: p.Name, ARN: p.ARN, Type: p.Type, Description: p.Description,
			AWSManaged: p.AWSManaged, Tags: p.Tags, Content: string(p.Content.Compact())}
		if positions {
			doc.Walk(p.Content, func(path []string, n *doc.Node) bool {
				pv.Positions = append(pv.Positions, strings.Join(path, ".")+"@"+n.Pos.String())
				return true
			})
		}
		v.Policies = append(v.Policies, pv)
	}
	return v
}

func sameOrg(t *testing.T, what string, a, b *Org, positions bool) {
	t.Helper()
	va, vb := viewOf(a, positions), viewOf(b, positions)
	if !reflect.DeepEqual(va, vb) {
		ja, _ := json.MarshalIndent(va, "", " ")
		jb, _ := json.MarshalIndent(vb, "", " ")
		t.Errorf("%s: organizations differ:\n%s", what, lineDiff(string(ja), string(jb)))
	}
}

func exampleSrc(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../policies/example-org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtures(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"tree":    []byte(treeSrc),
		"example": exampleSrc(t),
		"aws": []byte(`{"format_version": "1", "source": "aws", "captured_at": "2025-01-31T09:00:00.5+09:00",
			"settings": {"trusted_services": ["backup.amazonaws.com", "a.amazonaws.com"], "delegated_administrators": {"backup.amazonaws.com": ["123456789012"], "x.amazonaws.com": []},
			  "backup_global_settings": {"isCrossAccountBackupEnabled": "true", "isMpaEnabled": "false"}},
			"roots": [{"id": "r-ab12", "policy_types": []}],
			"accounts": [{"id": "123456789012", "joined_timestamp": "2020-02-29T23:59:59Z", "status": "ACTIVE"}],
			"policies": [{"id": "p-FullAWSAccess", "name": "FullAWSAccess", "type": "SERVICE_CONTROL_POLICY", "aws_managed": true,
			  "description": "Allows access to every operation <&>", "tags": {}, "content": "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]\n}"}]}`),
	}
}

// TestRoundTrip checks Parse(Encode(o)) == o, and that Encode is a fixed
// point: encoding what was decoded from an encoding gives the same bytes.
func TestRoundTrip(t *testing.T) {
	for name, src := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			o := mustParse(t, string(src))
			enc := o.Encode()
			if want := encodeJSON(o); !bytes.Equal(enc, want) {
				t.Errorf("Encode differs from encoding/json's encoding of Snapshot():\n%s", lineDiff(string(want), string(enc)))
			}
			o2, err := Parse("enc.json", enc)
			if err != nil {
				t.Fatalf("Parse(Encode()) failed: %v\n%s", err, enc)
			}
			sameOrg(t, "Parse(Encode(o))", o, o2, false)
			if enc2 := o2.Encode(); !bytes.Equal(enc, enc2) {
				t.Errorf("Encode is not stable:\n%s", lineDiff(string(enc), string(enc2)))
			}
			if !bytes.HasSuffix(enc, []byte("}\n")) || !json.Valid(enc) {
				t.Errorf("encoding is not one JSON value and a newline")
			}
		})
	}
}

// TestFastSlowAgree checks that the fast path and the doc.Parse path build the same organization, content positions included.
func TestFastSlowAgree(t *testing.T) {
	for name, src := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			fast := parseFast("f.json", src)
			if fast == nil {
				t.Fatal("the fast path refused a valid snapshot")
			}
			slow, err := parseSlow("f.json", src)
			if err != nil {
				t.Fatal(err)
			}
			sameOrg(t, "fast vs slow", fast, slow, true)
		})
	}
}

func TestContentPositions(t *testing.T) {
	src := exampleSrc(t)
	o := mustParse(t, string(src))
	// Where content is an object, nodes point into the snapshot.
	p := o.Policy("legacy-sandbox-backup")
	want := posOfText(t, src, `{"@@assign": "cron(0 3 ? * * *)"}`)
	got := p.Content.Get("plans").Get("sandbox-daily").Get("rules").Get("daily").Get("schedule_expression")
	if got.Pos != want {
		t.Errorf("schedule_expression at %s, want %s", got.Pos, want)
	}
	f := p.Content.Get("plans").Field("sandbox-daily")
	if want := posOfText(t, src, `"sandbox-daily"`); f.KeyPos != want {
		t.Errorf("plan key at %s, want %s", f.KeyPos, want)
	}
	// Where it is a string, every node points at the string.
	tp := o.Policy("cost-center-tags")
	want = posOfText(t, src, `"{\"tags\"`)
	doc.Walk(tp.Content, func(_ []string, n *doc.Node) bool {
		if n.Pos != want {
			t.Errorf("string content node at %s, want %s", n.Pos, want)
		}
		return true
	})
	if got := tp.Content.Get("tags").Get("costcenter").Get("tag_key").Get("@@assign"); got == nil || got.Text != "CostCenter" {
		t.Errorf("string content parsed as %s", tp.Content.Compact())
	}
}

// posOfText returns the position of the first occurrence of s in src,
// computed independently of the code under test.
func posOfText(t *testing.T, src []byte, s string) doc.Pos {
	t.Helper()
	i := bytes.Index(src, []byte(s))
	if i < 0 {
		t.Fatalf("%q not in the source", s)
	}
	line := bytes.Count(src[:i], []byte("\n")) + 1
	col := len([]rune(string(src[bytes.LastIndexByte(src[:i], '\n')+1:i]))) + 1
	return doc.Pos{File: "tree.json", Line: line, Col: col}
}

func TestDeterminism(t *testing.T) {
	// Reordering everything whose order carries no meaning, and writing
	// attachments by name instead of id, changes nothing; reordering an
	// attachment list does.
	o := mustParse(t, treeSrc)
	var f map[string]any
	if err := json.Unmarshal([]byte(treeSrc), &f); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"organizational_units", "accounts", "policies"} {
		slices.Reverse(f[k].([]any))
	}
	f["accounts"].([]any)[4].(map[string]any)["policies"] = map[string]any{"BACKUP_POLICY": []any{"acct-backup"}}
	shuffled, _ := json.MarshalIndent(f, "", "\t") // encoding/json sorts map keys: another key order
	o2 := mustParse(t, string(shuffled))
	if a, b := o.Encode(), o2.Encode(); !bytes.Equal(a, b) {
		t.Errorf("reordered snapshot encodes differently:\n%s", lineDiff(string(a), string(b)))
	}
	prod := o2.Entity("ou-ab12-22222222")
	rev := slices.Clone(o2.Attached(prod, policy.Type))
	slices.Reverse(rev)
	o2.SetAttachments(prod, policy.Type, rev)
	if bytes.Equal(o.Encode(), o2.Encode()) {
		t.Error("attachment order is lost in the encoding")
	}
}

// TestKeyLists keeps the key lists used for checks and hints in step with
// the struct tags that encoding/json uses.
func TestKeyLists(t *testing.T) {
	for _, tc := range []struct {
		v    any
		keys []string
	}{
		{Snapshot{}, fileKeys}, {SnapshotOrganization{}, orgKeys}, {SnapshotSettings{}, settingsKeys}, {SnapshotRoot{}, rootKeys}, {SnapshotPolicyType{}, policyTypeKeys},
		{SnapshotOU{}, ouKeys}, {SnapshotAccount{}, accountKeys}, {SnapshotPolicy{}, policyKeys},
	} {
		var tags []string
		rt := reflect.TypeOf(tc.v)
		for i := range rt.NumField() {
			if tag := rt.Field(i).Tag.Get("json"); tag != "" {
				tags = append(tags, strings.Split(tag, ",")[0])
			}
		}
		if !slices.Equal(tags, tc.keys) {
			t.Errorf("%s: tags %v, key list %v", rt.Name(), tags, tc.keys)
		}
	}
}

// encodeJSON is what Encode wrote before it wrote the bytes itself:
// encoding/json's encoding of o.Snapshot(). Encode must match it byte for
// byte, so that snapshots in git and plans' live digests stay as they were.
func encodeJSON(o *Org) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o.Snapshot()); err != nil {
		panic(err)
	}
	return b.Bytes()
}
