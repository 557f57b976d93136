package effective

import (
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

const snapshot = `{
  "format_version": "1",
  "organization": {"management_account_id": "111111111111"},
  "roots": [{"id": "r-ab12", "name": "Root", "policies": {"BACKUP_POLICY": ["foreign", "ours-old"]}}],
  "organizational_units": [
    {"id": "ou-ab12-11111111", "name": "Workloads"},
    {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111111", "policies": {"BACKUP_POLICY": ["daily"]}}
  ],
  "accounts": [
    {"id": "111111111111", "name": "management"},
    {"id": "222222222222", "name": "prod-a", "parent_id": "ou-ab12-22222222"},
    {"id": "333333333333", "name": "prod-b", "parent_id": "ou-ab12-22222222"},
    {"id": "444444444444", "name": "shared", "parent_id": "ou-ab12-11111111"}
  ],
  "policies": [
    {"id": "p-foreign001", "name": "foreign", "type": "BACKUP_POLICY", "content": {"plans": {}}},
    {"id": "p-oursold001", "name": "ours-old", "type": "BACKUP_POLICY", "tags": {"managed-by": "orgbackup"}, "content": {"plans": {}}},
    {"id": "p-daily00001", "name": "daily", "type": "BACKUP_POLICY", "tags": {"managed-by": "orgbackup"}, "content": {"plans": {}}}
  ]
}`

func loadOrg(t *testing.T) *org.Org {
	t.Helper()
	o, err := org.Parse("snap.json", []byte(snapshot))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func target(s string) policy.Target {
	return policy.Target{Raw: s, Pos: doc.Pos{File: "p.cue", Line: 1, Col: 1}}
}

func TestEngineSharesChains(t *testing.T) {
	o := loadOrg(t)
	e := NewEngine(o, policy.Type)
	a, b := o.Entity("222222222222"), o.Entity("333333333333")
	if e.State(a) != e.State(b) {
		t.Error("accounts in one OU without policies of their own must share the OU's state")
	}
	if e.State(a) != e.State(a.Parent) {
		t.Error("an account without its own policies must share its parent's state")
	}
	if e.State(o.Entity("444444444444")) == e.State(a) {
		t.Error("accounts with different chains must not share a state")
	}
}

func TestResolver(t *testing.T) {
	r := NewResolver(loadOrg(t), &policy.Repo{})
	if cov, known := r.Covers(target("ou-ab12-11111111"), target("222222222222")); !cov || !known {
		t.Errorf("Workloads by id should cover prod-a: %v %v", cov, known)
	}
	if cov, known := r.Covers(target("222222222222"), target("Root/Workloads")); cov || !known {
		t.Errorf("an account covers no OU: %v %v", cov, known)
	}
	if _, known := r.Covers(target("ou-ab12-99999999"), target("Root")); known {
		t.Error("an unknown id cannot be judged")
	}
	if !r.Same(target("Root"), target("r-ab12")) {
		t.Error("Root and r-ab12 are the same entity")
	}
	if got := r.Attached(target("Root")); got != 2 {
		t.Errorf("foreign attachments at Root = %d, want 2", got)
	}
}
