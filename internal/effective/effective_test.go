package effective

import (
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/diag"
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

func plans(t *testing.T, src string) *doc.Node {
	t.Helper()
	n, err := doc.Parse("p.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const completePlan = `{"daily": {"regions": ["eu-west-1"], "rules": {"r": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "vault"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/role", "tag_key": "Backup", "tag_value": ["On"]}}}}}`

func target(s string) policy.Target {
	return policy.Target{Raw: s, Pos: doc.Pos{File: "p.cue", Line: 1, Col: 1}}
}

func names(ps []*org.Policy) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestDesiredAttachments(t *testing.T) {
	actual := loadOrg(t)
	repo := &policy.Repo{Policies: []*policy.Policy{
		// daily moves from Prod to Root; "new" is added at Root and Prod.
		{Name: "daily", Targets: []policy.Target{target("Root")}, Plans: plans(t, completePlan)},
		{Name: "new", Targets: []policy.Target{target("r-ab12"), target("Root/Workloads/Prod")}, Plans: plans(t, `{}`)},
	}}
	d, diags := Desired(actual, repo)
	root := d.Root()
	prod, _ := d.Resolve("Root/Workloads/Prod")
	// Existing attachments keep their order; new ones go last, as
	// AttachPolicy appends.
	if got, want := names(d.Attached(root, policy.Type)), []string{"foreign", "ours-old", "daily", "new"}; !slices.Equal(got, want) {
		t.Errorf("root attachments = %v, want %v", got, want)
	}
	if got, want := names(d.Attached(prod, policy.Type)), []string{"new"}; !slices.Equal(got, want) {
		t.Errorf("prod attachments = %v, want %v (daily detached: the repository is authoritative for its own policies)", got, want)
	}
	// The snapshot itself is untouched.
	if got := names(actual.Attached(actual.Root(), policy.Type)); !slices.Equal(got, []string{"foreign", "ours-old"}) {
		t.Errorf("actual root attachments changed: %v", got)
	}
	// ours-old is owned but no longer defined: kept, and reported.
	var orphan bool
	for _, dg := range diags {
		if dg.Code == "orphaned" && strings.Contains(dg.Message, `"ours-old"`) && dg.Severity == diag.Notice {
			orphan = true
		}
	}
	if !orphan {
		t.Errorf("no orphan notice for ours-old: %v", diags)
	}
}

func TestDesiredConflictsAndUnknownTargets(t *testing.T) {
	repo := &policy.Repo{Policies: []*policy.Policy{
		{Name: "foreign", Targets: []policy.Target{target("Root/Workload")}, Plans: plans(t, `{}`)},
	}}
	_, diags := Desired(loadOrg(t), repo)
	var codes []string
	for _, d := range diags {
		codes = append(codes, d.Code)
		if d.Code == "unknown-target" && (!strings.Contains(d.Hint, "Workloads") || d.Pos.Line != 1) {
			t.Errorf("unknown target should suggest Workloads at the target's position: %+v", d)
		}
	}
	for _, want := range []string{"not-owned", "unknown-target"} {
		if !slices.Contains(codes, want) {
			t.Errorf("diagnostics %v lack %s", codes, want)
		}
	}
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

func TestValidateCoverage(t *testing.T) {
	actual := loadOrg(t)
	repo := &policy.Repo{
		Policies: []*policy.Policy{{Name: "daily", Targets: []policy.Target{target("Root")}, Plans: plans(t, completePlan)}},
		Baselines: []*policy.Baseline{
			{Name: "prod", Targets: []policy.Target{target("Root/Workloads/Prod")}, Regions: []string{"eu-west-1"}, RoleName: "role", VaultName: "vault"},
		},
	}
	pv := Compute(actual, repo)
	invalid := map[string][]Problem{}
	for _, a := range pv.Invalid() {
		invalid[a.Account.ID] = a.Problems
	}
	// Prod accounts are covered; shared and management are not.
	for _, id := range []string{"222222222222", "333333333333"} {
		if ps := invalid[id]; len(ps) > 0 {
			t.Errorf("%s: unexpected problems %+v", id, ps)
		}
	}
	ps := invalid["444444444444"]
	var codes []string
	for _, p := range ps {
		codes = append(codes, p.Code)
		if !slices.Equal(p.Policies, []string{"daily (p-daily00001)"}) {
			t.Errorf("problem %s does not name the contributing policy: %v", p.Code, p.Policies)
		}
	}
	if !slices.Equal(codes, []string{VaultNotProvided, RoleNotProvided}) {
		t.Errorf("shared account problems = %v, want vault and role not provided", codes)
	}
	// Groups: the two prod accounts change identically.
	var sizes []int
	for _, g := range pv.Groups() {
		sizes = append(sizes, len(g.Accounts))
	}
	if !slices.Contains(sizes, 2) {
		t.Errorf("group sizes = %v, want the two prod accounts grouped", sizes)
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

// An organization that has not enabled backup policies attaches none: the
// preview must not show accounts gaining a policy they would not get.
func TestDesiredWithBackupPoliciesDisabled(t *testing.T) {
	const disabled = `{"format_version": "1",
  "roots": [{"id": "r-ab12", "name": "Root", "policy_types": [{"type": "TAG_POLICY", "status": "ENABLED"}]}],
  "accounts": [{"id": "222222222222", "name": "a"}]}`
	actual, err := org.Parse("snap.json", []byte(disabled))
	if err != nil {
		t.Fatal(err)
	}
	repo := &policy.Repo{Policies: []*policy.Policy{{Name: "daily", Targets: []policy.Target{target("Root")}, Plans: plans(t, completePlan)}}}
	pv := Compute(actual, repo)
	if len(pv.Changed()) != 0 {
		t.Errorf("%d accounts change; none can get a backup policy", len(pv.Changed()))
	}
	if len(pv.Diags) != 1 || pv.Diags[0].Code != "backup-policies-disabled" || pv.Diags[0].Severity != diag.Error ||
		!strings.Contains(pv.Diags[0].Hint, "--root-id r-ab12 --policy-type BACKUP_POLICY") {
		t.Errorf("diagnostics: %+v", pv.Diags)
	}
	// A snapshot that does not list policy types says nothing either way.
	unknown := strings.Replace(disabled, `, "policy_types": [{"type": "TAG_POLICY", "status": "ENABLED"}]`, "", 1)
	actual, err = org.Parse("snap.json", []byte(unknown))
	if err != nil {
		t.Fatal(err)
	}
	if pv := Compute(actual, repo); len(pv.Changed()) != 1 || len(pv.Diags) != 0 {
		t.Errorf("policy types unknown: %d changed, diagnostics %+v", len(pv.Changed()), pv.Diags)
	}
}
