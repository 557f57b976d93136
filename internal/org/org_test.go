package org

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// treeSrc is a small organization with the awkward cases: accounts sharing
// a name, an account without one, an OU name with a "/", and attachments
// whose order differs from their ids' order.
const treeSrc = `{
  "format_version": "1",
  "organization": {"id": "o-a1b2c3d4e5", "management_account_id": "111111111111", "feature_set": "ALL"},
  "roots": [{"id": "r-ab12", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}, {"type": "TAG_POLICY", "status": "ENABLED"}],
             "policies": {"BACKUP_POLICY": ["root-backup"], "TAG_POLICY": ["p-tags00001"]}}],
  "organizational_units": [
    {"id": "ou-ab12-11111111", "name": "Workloads"},
    {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111111",
     "policies": {"BACKUP_POLICY": ["p-prodbackup2", "p-prodbackup1"]}},
    {"id": "ou-ab12-33333333", "name": "Dev", "parent_id": "ou-ab12-11111111"},
    {"id": "ou-ab12-44444444", "name": "Sandbox", "policies": {"BACKUP_POLICY": ["sandbox-backup"]}},
    {"id": "ou-ab12-55555555", "name": "A/B", "parent_id": "ou-ab12-44444444"},
    {"id": "ou-ab12-66666666", "name": "A", "parent_id": "ou-ab12-44444444"}
  ],
  "accounts": [
    {"id": "111111111111", "name": "management"},
    {"id": "333333333333", "name": "prod-b", "parent_id": "ou-ab12-22222222"},
    {"id": "222222222222", "name": "prod-a", "parent_id": "ou-ab12-22222222", "policies": {"BACKUP_POLICY": ["p-acctbackup1"]}},
    {"id": "444444444444", "name": "dev", "parent_id": "ou-ab12-33333333"},
    {"id": "444444444445", "name": "dev", "parent_id": "ou-ab12-33333333"},
    {"id": "444444444446", "parent_id": "ou-ab12-33333333"},
    {"id": "555555555555", "name": "sandbox-a", "parent_id": "ou-ab12-55555555"}
  ],
  "policies": [
    {"id": "p-rootbackup1", "name": "root-backup", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-prodbackup1", "name": "prod-backup-1", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-prodbackup2", "name": "prod-backup-2", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-sandbox0001", "name": "sandbox-backup", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-acctbackup1", "name": "acct-backup", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-tags00001", "name": "sandbox-backup", "type": "TAG_POLICY", "content": "{\"tags\": {}}"},
    {"id": "p-unattached", "name": "spare", "type": "BACKUP_POLICY", "content": {"plans": {}}}
  ]
}`

func mustParse(t testing.TB, src string) *Org {
	t.Helper()
	o, err := Parse("tree.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func ids(es []*Entity) []string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.ID
	}
	return s
}

func policyIDs(ps []*Policy) []string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.ref()
	}
	return s
}

func TestTree(t *testing.T) {
	o := mustParse(t, treeSrc)
	e := func(id string) *Entity {
		x := o.Entity(id)
		if x == nil {
			t.Fatalf("no entity %s", id)
		}
		return x
	}
	root := o.Root()
	if root.ID != "r-ab12" || root.Kind != Root || root.Name != "Root" || root.Parent != nil || root.Depth != 0 {
		t.Errorf("root = %+v", root)
	}

	paths := map[string]string{
		"r-ab12":           "Root",
		"ou-ab12-22222222": "Root/Workloads/Prod",
		"ou-ab12-55555555": "Root/Sandbox/A/B",
		"ou-ab12-66666666": "Root/Sandbox/A",
		"111111111111":     "Root/management",
		"222222222222":     "Root/Workloads/Prod/prod-a",
		"444444444444":     "Root/Workloads/Dev/444444444444", // name shared with a sibling
		"444444444446":     "Root/Workloads/Dev/444444444446", // no name
		"555555555555":     "Root/Sandbox/A/B/sandbox-a",
	}
	for id, want := range paths {
		if got := o.Path(e(id)); got != want {
			t.Errorf("Path(%s) = %q, want %q", id, got, want)
		}
	}
	// Every entity's path leads back to it.
	all := append(append([]*Entity{root}, o.OUs()...), o.Accounts()...)
	for _, x := range all {
		got, err := o.Resolve(o.Path(x))
		if err != nil || got != x {
			t.Errorf("Resolve(Path(%s) = %q) = %v, %v", x.ID, o.Path(x), got, err)
		}
	}

	if got := ids(o.Chain(e("222222222222"))); !slices.Equal(got, []string{"r-ab12", "ou-ab12-11111111", "ou-ab12-22222222", "222222222222"}) {
		t.Errorf("Chain(prod-a) = %v", got)
	}
	if got := ids(o.Chain(root)); !slices.Equal(got, []string{"r-ab12"}) {
		t.Errorf("Chain(root) = %v", got)
	}
	for id, want := range map[string]int{"ou-ab12-11111111": 1, "ou-ab12-55555555": 2, "555555555555": 3, "111111111111": 1} {
		if got := e(id).Depth; got != want {
			t.Errorf("Depth(%s) = %d, want %d", id, got, want)
		}
	}

	if got := ids(o.AccountsUnder(e("ou-ab12-11111111"))); !slices.Equal(got, []string{"222222222222", "333333333333", "444444444444", "444444444445", "444444444446"}) {
		t.Errorf("AccountsUnder(Workloads) = %v", got)
	}
	if got := ids(o.AccountsUnder(e("ou-ab12-66666666"))); len(got) != 0 {
		t.Errorf("AccountsUnder(empty OU) = %v", got)
	}
	if got := ids(o.AccountsUnder(e("333333333333"))); !slices.Equal(got, []string{"333333333333"}) {
		t.Errorf("AccountsUnder(account) = %v", got)
	}
	if got, want := ids(o.AccountsUnder(root)), ids(o.Accounts()); !slices.Equal(got, want) || len(got) != 7 || !slices.IsSorted(got) {
		t.Errorf("AccountsUnder(root) = %v, Accounts() = %v", got, want)
	}
	if got := ids(e("ou-ab12-44444444").Children); !slices.Equal(got, []string{"ou-ab12-66666666", "ou-ab12-55555555"}) {
		t.Errorf("Sandbox children = %v, want OUs by name", got)
	}
	if got := ids(root.Children); !slices.Equal(got, []string{"ou-ab12-44444444", "ou-ab12-11111111", "111111111111"}) {
		t.Errorf("root children = %v, want OUs by name then accounts by id", got)
	}

	// Attachment order is kept as written, not sorted.
	if got := policyIDs(o.Attached(e("ou-ab12-22222222"), policy.Type)); !slices.Equal(got, []string{"p-prodbackup2", "p-prodbackup1"}) {
		t.Errorf("Attached(Prod) = %v", got)
	}
	if got := policyIDs(o.Attached(root, policy.Type)); !slices.Equal(got, []string{"p-rootbackup1"}) {
		t.Errorf("Attached(root) = %v (attached by name)", got)
	}
	if got := o.Attached(e("333333333333"), policy.Type); len(got) != 0 {
		t.Errorf("Attached(prod-b) = %v", got)
	}
	if got := o.AttachedTypes(root); !slices.Equal(got, []string{"BACKUP_POLICY", "TAG_POLICY"}) {
		t.Errorf("AttachedTypes(root) = %v", got)
	}
	if got := ids(o.Targets(o.Policy("p-prodbackup1"))); !slices.Equal(got, []string{"ou-ab12-22222222"}) {
		t.Errorf("Targets = %v", got)
	}
	if got := o.Targets(o.Policy("spare")); len(got) != 0 {
		t.Errorf("Targets(spare) = %v", got)
	}

	if p := o.Policy("root-backup"); p == nil || p.ID != "p-rootbackup1" {
		t.Errorf("Policy(root-backup) = %v", p)
	}
	if p := o.Policy("sandbox-backup"); p != nil {
		t.Errorf("Policy(name shared by two types) = %v, want nil", p.ID)
	}
	if p := o.PolicyOfType("TAG_POLICY", "sandbox-backup"); p == nil || p.ID != "p-tags00001" {
		t.Errorf("PolicyOfType(TAG_POLICY, sandbox-backup) = %v", p)
	}
	if p := o.PolicyOfType("TAG_POLICY", "p-rootbackup1"); p != nil {
		t.Errorf("PolicyOfType with an id of another type = %v", p.ID)
	}
	if got := policyIDs(o.Policies()); !slices.IsSorted(got) || len(got) != 7 {
		t.Errorf("Policies() = %v", got)
	}
	if m := o.ManagementAccount(); m == nil || m.ID != "111111111111" {
		t.Errorf("ManagementAccount() = %v", m)
	}
	if o.Source != "hand-written" || o.Info.ID != "o-a1b2c3d4e5" {
		t.Errorf("Source, Info = %q, %+v", o.Source, o.Info)
	}
	if got := o.Policy("p-tags00001").Content.Get("tags"); got == nil {
		t.Error("content given as a string was not parsed")
	}
}

func TestResolve(t *testing.T) {
	o := mustParse(t, treeSrc)
	tests := []struct {
		target string
		want   string // entity id, or "error: <message prefix> | <hint substring>"
		sugg   []string
	}{
		{"Root", "r-ab12", nil},
		{"r-ab12", "r-ab12", nil},
		{"Root/Workloads", "ou-ab12-11111111", nil},
		{"Root/Workloads/Prod", "ou-ab12-22222222", nil},
		{"ou-ab12-22222222", "ou-ab12-22222222", nil},
		{"222222222222", "222222222222", nil},
		{"Root/Workloads/Prod/prod-a", "222222222222", nil},
		{"Root/Workloads/Prod/222222222222", "222222222222", nil},
		{"Root/Sandbox/A/B", "ou-ab12-55555555", nil},
		{"Root/Sandbox/A", "ou-ab12-66666666", nil},
		{"Root/Workload/Prod", `error: no OU "Workload" under Root | did you mean "Root/Workloads/Prod"?; OUs under Root: Sandbox, Workloads`,
			[]string{"Root/Workloads/Prod"}},
		{"Root/Workloads/Prd", `error: no OU or account "Prd" under Root/Workloads | did you mean "Root/Workloads/Prod"?; OUs under Root/Workloads: Dev, Prod`,
			[]string{"Root/Workloads/Prod"}},
		{"Root/Workloads/prod", `error: no OU or account "prod" under Root/Workloads | did you mean "Root/Workloads/Prod"?`,
			[]string{"Root/Workloads/Prod"}},
		{"Root/Prod", `error: no OU or account "Prod" under Root | did you mean "Root/Workloads/Prod"?`,
			[]string{"Root/Workloads/Prod"}},
		{"Root/Workloads/Prod/Team", `error: no OU or account "Team" under Root/Workloads/Prod | Root/Workloads/Prod has no OUs`, nil},
		{"Root/Workloads/prod-a", `error: no OU or account "prod-a" under Root/Workloads | did you mean "Root/Workloads/Prod/prod-a"?`,
			[]string{"Root/Workloads/Prod/prod-a"}},
		{"Root/Workloads/Dev/dev", `error: 2 accounts named "dev" under Root/Workloads/Dev | name the account by id`,
			[]string{"Root/Workloads/Dev/444444444444", "Root/Workloads/Dev/444444444445"}},
		{"Root/", `error: empty path segment after Root in "Root/"`, nil},
		{"Root//Workloads", `error: empty path segment after Root`, nil},
		{"Root/Workloads/", `error: empty path segment after Root/Workloads`, nil},
		{"root/Workloads", `error: target "root/Workloads" is not "Root", a path below it, or an id | did you mean "Root/Workloads"?`,
			[]string{"Root/Workloads"}},
		{"ROOT", `error: target "ROOT" is not | did you mean "Root"?`, []string{"Root"}},
		{"Workloads/Prod", `error: target "Workloads/Prod" is not | did you mean "Root/Workloads/Prod"?`, []string{"Root/Workloads/Prod"}},
		{"Prod", `error: target "Prod" is not | did you mean "Root/Workloads/Prod"?`, []string{"Root/Workloads/Prod"}},
		{"prod-a", `error: target "prod-a" is not | did you mean "222222222222"?`, []string{"222222222222"}},
		{"Root/Workloads/Prod ", `error: no OU or account "Prod " under Root/Workloads | did you mean "Root/Workloads/Prod"?`, nil},
		{"", `error: empty target | a target is "Root"`, nil},
		{"r-ab13", `error: no root r-ab13 in the snapshot | the organization's root is r-ab12`, []string{"r-ab12"}},
		{"ou-ab12-22222223", `error: no organizational unit ou-ab12-22222223 in the snapshot | did you mean "ou-ab12-22222222"?`,
			[]string{"ou-ab12-22222222"}},
		{"222222222223", `error: no account 222222222223 in the snapshot | did you mean "222222222222"?`, []string{"222222222222"}},
		{"999999999999", `error: no account 999999999999 in the snapshot | capture a fresh snapshot`, nil},
		{"p-rootbackup1", `error: target "p-rootbackup1" is not`, nil},
	}
	for _, tc := range tests {
		got, err := o.Resolve(tc.target)
		want, isErr := strings.CutPrefix(tc.want, "error: ")
		if !isErr {
			if err != nil || got == nil || got.ID != want {
				t.Errorf("Resolve(%q) = %v, %v; want %s", tc.target, got, err, want)
			}
			continue
		}
		var re *ResolveError
		if !errors.As(err, &re) {
			t.Errorf("Resolve(%q) = %v, %v; want a *ResolveError", tc.target, got, err)
			continue
		}
		msg, hint, _ := strings.Cut(want, " | ")
		if !strings.HasPrefix(re.Msg, msg) || !strings.Contains(re.Hint, hint) || re.Target != tc.target {
			t.Errorf("Resolve(%q):\n got %s (hint: %s)\nwant %s (hint containing %q)", tc.target, re.Msg, re.Hint, msg, hint)
		}
		if tc.sugg != nil && !slices.Equal(re.Suggestions, tc.sugg) {
			t.Errorf("Resolve(%q) suggestions = %q, want %q", tc.target, re.Suggestions, tc.sugg)
		}
		if !strings.HasPrefix(err.Error(), re.Msg) {
			t.Errorf("Error() = %q", err.Error())
		}
	}
}

func TestCloneAndEdit(t *testing.T) {
	o := mustParse(t, treeSrc)
	before := o.Encode()
	c := o.Clone()
	prod := c.Entity("ou-ab12-22222222")
	if prod != o.Entity("ou-ab12-22222222") {
		t.Fatal("clones should share the immutable entity tree")
	}

	// Edit the clone: reorder Prod's attachments, detach the root's, edit
	// a policy's content and tags, and attach a policy that does not
	// exist yet.
	p1, p2 := c.Policy("p-prodbackup1"), c.Policy("p-prodbackup2")
	if p1 == o.Policy("p-prodbackup1") {
		t.Fatal("Clone did not copy policies")
	}
	c.SetAttachments(prod, policy.Type, []*Policy{p1, p2})
	c.SetAttachments(c.Root(), policy.Type, nil)
	p1.Content.Set("plans", str("changed"))
	p1.Tags = map[string]string{"k": "v"}
	c.Policy("p-sandbox0001").Content.Get("plans").Set("x", str("y"))
	newP := &Policy{Name: "test-bk-policy", Type: policy.Type, Content: obj("plans", obj())}
	c.SetAttachments(c.Root(), policy.Type, []*Policy{newP})

	if got := o.Encode(); string(got) != string(before) {
		t.Errorf("editing the clone changed the original:\n%s", lineDiff(string(before), string(got)))
	}
	if got := policyIDs(c.Attached(prod, policy.Type)); !slices.Equal(got, []string{"p-prodbackup1", "p-prodbackup2"}) {
		t.Errorf("clone Attached(Prod) = %v", got)
	}
	if got := policyIDs(c.Attached(c.Root(), policy.Type)); !slices.Equal(got, []string{"test-bk-policy"}) {
		t.Errorf("clone Attached(root) = %v", got)
	}
	if got := c.Policy("test-bk-policy"); got != newP {
		t.Errorf("SetAttachments did not add the new policy: %v", got)
	}
	if ps := c.Policies(); ps[len(ps)-1] != newP {
		t.Errorf("a policy without an id should sort last, got %v", policyIDs(ps))
	}
	if got := policyIDs(o.Attached(o.Root(), policy.Type)); !slices.Equal(got, []string{"p-rootbackup1"}) {
		t.Errorf("original Attached(root) = %v", got)
	}

	// AddPolicy with an existing id replaces the policy everywhere it is
	// attached: how a preview shows an updated policy.
	upd := c.Policy("p-prodbackup2").Clone()
	upd.Description = "updated"
	c.AddPolicy(upd)
	if got := c.Attached(prod, policy.Type)[1]; got != upd {
		t.Errorf("AddPolicy did not re-point attachments: %v", got.Description)
	}
	if n := len(c.Policies()); n != 8 {
		t.Errorf("len(Policies()) = %d, want 8", n)
	}
	// AddPolicy of a policy without an id replaces the id-less one of the
	// same type and name.
	newP2 := &Policy{Name: "test-bk-policy", Type: policy.Type, Content: obj("plans", obj("p", obj()))}
	c.AddPolicy(newP2)
	if got := c.Attached(c.Root(), policy.Type); len(got) != 1 || got[0] != newP2 || len(c.Policies()) != 8 {
		t.Errorf("AddPolicy(id-less) = %v, %d policies", policyIDs(got), len(c.Policies()))
	}
	// Targets follows every edit, in the clone and not in the original.
	checkTargets(t, c)
	checkTargets(t, o)
	if got := ids(c.Targets(upd)); !slices.Equal(got, []string{"ou-ab12-22222222"}) {
		t.Errorf("clone Targets(updated policy) = %v", got)
	}
	if got := ids(o.Targets(o.Policy("p-rootbackup1"))); len(got) != 1 {
		t.Errorf("original Targets(p-rootbackup1) = %v", got)
	}
	// The edited clone encodes; the new policy is attached by name.
	enc := string(c.Encode())
	if want := string(encodeJSON(c)); enc != want {
		t.Errorf("Encode differs from encoding/json's encoding of Snapshot():\n%s", lineDiff(want, enc))
	}
	if !strings.Contains(enc, `"test-bk-policy"`) || strings.Contains(enc, "p-rootbackup1\"\n") {
		t.Errorf("clone encoding:\n%s", enc)
	}
	// Attached results cannot be appended to in place.
	a := c.Attached(prod, policy.Type)
	_ = append(a, newP)
	if got := len(c.Attached(prod, policy.Type)); got != 2 {
		t.Errorf("append to Attached's result changed the attachments: %d", got)
	}
}

func TestExampleSnapshot(t *testing.T) {
	o, err := Load("../../policies/example-org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if o.Root().ID != "r-ab12" {
		t.Errorf("root = %s", o.Root().ID)
	}
	if m := o.ManagementAccount(); m == nil || m.ID != "111111111111" {
		t.Errorf("management account = %v", m)
	}
	for _, p := range []string{"Root/Workloads/Prod", "Root/Workloads/Dev", "Root/Sandbox"} {
		if e, err := o.Resolve(p); err != nil || e.Kind != OU {
			t.Errorf("Resolve(%s) = %v, %v", p, e, err)
		}
	}
	if p := o.PolicyOfType(policy.Type, "test-bk-policy"); p != nil {
		t.Errorf("test-bk-policy is in the example snapshot; it should only be created by a plan")
	}
	sandbox, _ := o.Resolve("Root/Sandbox")
	att := o.Attached(sandbox, policy.Type)
	if len(att) != 1 || att[0].Tags["managed-by"] == "orgbackup" {
		t.Errorf("Root/Sandbox should carry one foreign backup policy, got %v", policyIDs(att))
	}
	for _, e := range append([]*Entity{o.Root()}, o.OUs()...) {
		if e != sandbox && len(o.Attached(e, policy.Type)) > 0 {
			t.Errorf("%s has backup policies attached", o.Path(e))
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.json")
	var le *LoadError
	if err == nil || errors.As(err, &le) || !strings.HasPrefix(err.Error(), "read snapshot: ") {
		t.Errorf("Load(missing) = %v", err)
	}
}

// obj builds an object node from alternating keys and values.
func obj(kv ...any) *doc.Node {
	n := doc.NewObject(doc.Pos{})
	for i := 0; i < len(kv); i += 2 {
		n.Set(kv[i].(string), kv[i+1].(*doc.Node))
	}
	return n
}

func str(s string) *doc.Node { return doc.NewString(s, doc.Pos{}) }

// checkTargets compares Targets, which an index answers, with a scan of
// every entity's attachments.
func checkTargets(t *testing.T, o *Org) {
	t.Helper()
	ents := append(append([]*Entity{o.Root()}, o.OUs()...), o.Accounts()...)
	for _, p := range o.Policies() {
		var want []string
		for _, e := range ents {
			if slices.Contains(o.Attached(e, p.Type), p) {
				want = append(want, e.ID)
			}
		}
		if got := ids(o.Targets(p)); !slices.Equal(got, want) {
			t.Errorf("Targets(%s) = %v, attachments say %v", p.ref(), got, want)
		}
	}
}

// TestIndex checks that Index numbers the root, the OUs and the accounts
// densely in that order, the same in a clone.
func TestIndex(t *testing.T) {
	o := mustParse(t, treeSrc)
	c := o.Clone()
	all := append(append([]*Entity{o.Root()}, o.OUs()...), o.Accounts()...)
	if o.NumEntities() != len(all) || c.NumEntities() != len(all) {
		t.Errorf("NumEntities = %d, %d; want %d", o.NumEntities(), c.NumEntities(), len(all))
	}
	for i, e := range all {
		if e.Index() != i || c.Entity(e.ID).Index() != i {
			t.Errorf("%s: Index = %d, want %d", e.ID, e.Index(), i)
		}
	}
}

// TestCloneSharingContent checks the clone a plan edits: its policies are
// copies (tags, attachments, replaced content leave the original alone)
// whose Content trees are the original's, not copies.
func TestCloneSharingContent(t *testing.T) {
	o := mustParse(t, treeSrc)
	before := o.Encode()
	c := o.CloneSharingContent()
	p, orig := c.Policy("p-prodbackup1"), o.Policy("p-prodbackup1")
	if p == orig {
		t.Fatal("CloneSharingContent did not copy policies")
	}
	if p.Content != orig.Content {
		t.Fatal("CloneSharingContent copied a policy's content")
	}
	p.Content = obj("plans", obj("replaced", obj()))
	p.Tags = map[string]string{"k": "v"}
	c.SetAttachments(c.Root(), policy.Type, nil)
	if got := o.Encode(); string(got) != string(before) {
		t.Errorf("editing the clone changed the original:\n%s", lineDiff(string(before), string(got)))
	}
	checkTargets(t, c)
	checkTargets(t, o)
	// Clone still copies the content.
	if d := o.Clone(); d.Policy("p-prodbackup1").Content == orig.Content {
		t.Error("Clone shared a policy's content")
	}
}
