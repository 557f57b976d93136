package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// The organization of most tests: a root, Workloads/Prod, and three
// accounts below them. Policies are given per test.
const orgTemplate = `{
  "format_version": "1",
  "organization": {"id": "o-exampleorg1", "management_account_id": "111111111111"},
  "roots": [{"id": "r-ab12", "name": "Root", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}]%s}],
  "organizational_units": [
    {"id": "ou-ab12-11111111", "name": "Workloads"%s},
    {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111111"%s}
  ],
  "accounts": [
    {"id": "111111111111", "name": "management"},
    {"id": "222222222222", "name": "prod-a", "parent_id": "ou-ab12-22222222"},
    {"id": "333333333333", "name": "shared", "parent_id": "ou-ab12-11111111"}
  ],
  "policies": [%s]
}`

// snap builds an organization: attachments of the root, Workloads and Prod
// (policy names), and policies as JSON objects.
func snap(t *testing.T, root, workloads, prod []string, policies ...string) *org.Org {
	t.Helper()
	att := func(names []string) string {
		if len(names) == 0 {
			return ""
		}
		var q []string
		for _, n := range names {
			q = append(q, strconv.Quote(n))
		}
		return `, "policies": {"BACKUP_POLICY": [` + strings.Join(q, ", ") + `]}`
	}
	src := fmt.Sprintf(orgTemplate, att(root), att(workloads), att(prod), strings.Join(policies, ",\n"))
	o, err := org.Parse("org.json", []byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return o
}

// pol is a policy of the snapshot; tags is "k=v,k=v".
func pol(id, name, content, tags string) string {
	m := map[string]string{}
	for _, kv := range strings.Split(tags, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	tj, _ := json.Marshal(m)
	return fmt.Sprintf(`{"id": %q, "name": %q, "type": "BACKUP_POLICY", "tags": %s, "content": %s}`, id, name, tj, strconv.Quote(content))
}

const ours = "managed-by=orgbackup,orgbackup:source=policies/daily.cue"

const completePlan = `{"daily": {"regions": ["eu-west-1"], "rules": {"r": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "vault"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/role", "tag_key": "Backup", "tag_value": ["On"]}}}}}`

func plans(t *testing.T, src string) *doc.Node {
	t.Helper()
	n, err := doc.Parse("p.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func definition(t *testing.T, name, plansSrc string, targets ...string) *policy.Policy {
	t.Helper()
	p := &policy.Policy{Name: name, Pos: doc.Pos{File: "policies/" + name + ".cue", Line: 3, Col: 1}, Plans: plans(t, plansSrc), Partial: true}
	for i, tg := range targets {
		p.Targets = append(p.Targets, policy.Target{Raw: tg, Pos: doc.Pos{File: p.Pos.File, Line: 4, Col: 12 + 8*i}})
	}
	return p
}

// content is the minified document the definition builds, as the
// organization would hold it after an apply.
func content(p *policy.Policy) string { return string(generate.Document(p).Compact()) }

// repo is a repository of ps with a baseline that provides the vault and
// role completePlan names everywhere.
func repo(ps ...*policy.Policy) *policy.Repo {
	r := &policy.Repo{Policies: ps, Baselines: []*policy.Baseline{{Name: "main", Targets: []policy.Target{{Raw: "Root"}},
		Regions: []string{"eu-west-1"}, RoleName: "role", VaultName: "vault"}}}
	slices.SortFunc(r.Policies, func(a, b *policy.Policy) int { return strings.Compare(a.Name, b.Name) })
	return r
}

// brief renders changes one per line for comparison.
func brief(cs []Change) []string {
	var out []string
	for _, c := range cs {
		s := string(c.Action) + " " + c.Policy
		if c.Setting != "" {
			s += " " + c.Setting
		}
		if c.Target != nil {
			s += " @" + c.Target.Path
		}
		if c.Destructive {
			s += " !"
		}
		out = append(out, s)
	}
	return out
}

func codes(ps []Problem, sev string) []string {
	var out []string
	for _, p := range ps {
		if p.Severity == sev {
			out = append(out, p.Code)
		}
	}
	return out
}

func TestCreateAndAttach(t *testing.T) {
	daily := definition(t, "daily", completePlan, "Root", "Root/Workloads/Prod")
	daily.Description = "Daily backups"
	p := Make(Input{Repo: repo(daily), Actual: snap(t, nil, nil, nil)})
	want := []string{"create daily", "attach daily @Root", "attach daily @Root/Workloads/Prod"}
	if got := brief(p.Changes); !slices.Equal(got, want) {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	c := p.Changes[0]
	if c.After != content(daily) || c.Description != "Daily backups" || c.Phase != PhasePolicies || c.Source != "policies/daily.cue:3:1" {
		t.Errorf("create = %+v", c)
	}
	if !maps.Equal(c.Tags, map[string]string{"managed-by": "orgbackup", "orgbackup:source": "policies/daily.cue"}) {
		t.Errorf("create tags = %v", c.Tags)
	}
	if a := p.Changes[1]; a.Target.ID != "r-ab12" || a.Target.Kind != "root" || a.PolicyID != "" || a.Phase != PhaseAttach || a.Source != "policies/daily.cue:4:12" {
		t.Errorf("attach = %+v", a)
	}
	if got, want := p.Summary.Line(), "Plan: 1 to create, 0 to update, 0 to delete, 2 attachments to add, 0 to remove"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if p.HasErrors() || !p.HasChanges() {
		t.Errorf("errors %v, changes %v: %+v", p.HasErrors(), p.HasChanges(), p.Problems)
	}
	if p.Summary.AccountsChanged != 3 || p.Summary.Accounts != 3 {
		t.Errorf("summary = %+v", p.Summary)
	}
}

func TestNoChangesWhenApplied(t *testing.T) {
	daily := definition(t, "daily", completePlan, "Root/Workloads/Prod")
	// The organization holds the document with other white space and key
	// order: a semantic comparison sees no change.
	var v any
	if err := json.Unmarshal([]byte(content(daily)), &v); err != nil {
		t.Fatal(err)
	}
	noisy, _ := json.MarshalIndent(v, "", "\t")
	noisy = bytes.Replace(noisy, []byte(`"plans": {`), []byte(`"plans"  :   {`), 1)
	actual := snap(t, nil, nil, []string{"daily"}, pol("p-daily00001", "daily", string(noisy), ours))
	p := Make(Input{Repo: repo(daily), Actual: actual})
	if len(p.Changes) != 0 {
		t.Fatalf("changes = %q, want none", brief(p.Changes))
	}
	if got := p.Summary.Line(); got != "No changes." {
		t.Errorf("summary = %q", got)
	}
	if len(p.Effective) != 0 || p.HasErrors() {
		t.Errorf("effective %d groups, problems %+v", len(p.Effective), p.Problems)
	}
}

func TestUpdate(t *testing.T) {
	old := definition(t, "daily", completePlan, "Root")
	actual := snap(t, []string{"daily"}, nil, nil, pol("p-daily00001", "daily", content(old), ours))

	changed := definition(t, "daily", strings.Replace(completePlan, "cron(0 5 ? * * *)", "cron(0 6 ? * * *)", 1), "Root")
	p := Make(Input{Repo: repo(changed), Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"update daily"}) {
		t.Fatalf("changes = %q, want one update", got)
	}
	c := p.Changes[0]
	if c.PolicyID != "p-daily00001" || c.Before != content(old) || c.After != content(changed) || c.Reason != "content changes" {
		t.Errorf("update = %+v", c)
	}
	if got := p.Summary.Line(); got != "Plan: 0 to create, 1 to update, 0 to delete, 0 attachments to add, 0 to remove" {
		t.Errorf("summary = %q", got)
	}
	if p.Summary.AccountsChanged != 3 || len(p.Effective) != 1 || !strings.Contains(p.Effective[0].DiffText(), `+          "schedule_expression": "cron(0 6 ? * * *)"`) {
		t.Errorf("effective change: %+v", p.Effective)
	}

	// A description alone is an update too.
	described := definition(t, "daily", completePlan, "Root")
	described.Description = "now described"
	p = Make(Input{Repo: repo(described), Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"update daily"}) || p.Changes[0].Reason != "description changes" ||
		p.Changes[0].Description != "now described" || p.Changes[0].BeforeDescription != "" {
		t.Fatalf("changes = %+v", p.Changes)
	}
	if len(p.Effective) != 0 {
		t.Errorf("a description changes no effective policy: %+v", p.Effective)
	}
}

func TestDetach(t *testing.T) {
	d := definition(t, "daily", completePlan)
	actual := snap(t, []string{"daily"}, nil, []string{"daily"}, pol("p-daily00001", "daily", content(d), ours))

	// A removed OU target is one ordinary detach.
	p := Make(Input{Repo: repo(definition(t, "daily", completePlan, "Root")), Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"detach daily @Root/Workloads/Prod"}) {
		t.Fatalf("changes = %q", got)
	}
	if p.Changes[0].Phase != PhaseDetach || p.Changes[0].PolicyID != "p-daily00001" {
		t.Errorf("detach = %+v", p.Changes[0])
	}
	if got := p.Summary.Line(); got != "Plan: 0 to create, 0 to update, 0 to delete, 0 attachments to add, 1 to remove" {
		t.Errorf("summary = %q", got)
	}
	if slices.Contains(codes(p.Problems, SeverityWarning), CodeDestroyNotAllowed) {
		t.Error("an OU detach is not destructive")
	}

	// Detaching from the root is destructive.
	p = Make(Input{Repo: repo(definition(t, "daily", completePlan, "Root/Workloads/Prod")), Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"detach daily @Root !"}) {
		t.Fatalf("changes = %q", got)
	}
	if !slices.Contains(codes(p.Problems, SeverityWarning), CodeDestroyNotAllowed) || p.Summary.Destructive != 1 {
		t.Errorf("problems = %+v, summary %+v", p.Problems, p.Summary)
	}
}

func TestNeverTouchesForeignPolicies(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root/Workloads/Prod")
	// A hand-made policy (no tag) attached where ours goes, and one of
	// another tool: neither is updated, tagged, detached or deleted.
	actual := snap(t, []string{"hand-made"}, nil, []string{"hand-made", "other-tool"},
		pol("p-handmade01", "hand-made", `{"plans":{}}`, "owner=team"),
		pol("p-othertool1", "other-tool", `{"plans":{}}`, "managed-by=terraform"))
	p := Make(Input{Repo: repo(d), Actual: actual, AllowDestroy: true})
	for _, c := range p.Changes {
		if c.Policy != "daily" {
			t.Errorf("a change touches %s: %+v", c.Policy, c)
		}
	}
	prod, _ := p.Desired.Resolve("Root/Workloads/Prod")
	var got []string
	for _, q := range p.Desired.Attached(prod, policy.Type) {
		got = append(got, q.Name)
	}
	if want := []string{"hand-made", "other-tool", "daily"}; !slices.Equal(got, want) {
		t.Errorf("desired Prod attachments = %v, want %v (ours appended after the existing ones)", got, want)
	}
}

func TestOwnershipRefusal(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	actual := snap(t, nil, []string{"daily"}, nil, pol("p-daily00001", "daily", `{"plans":{}}`, "owner=team"))
	p := Make(Input{Repo: repo(d), Actual: actual, AllowDestroy: true})
	if len(p.Changes) != 0 {
		t.Errorf("changes = %q: nothing may touch the unowned policy, and nothing of the refused definition is planned", brief(p.Changes))
	}
	if !p.HasErrors() {
		t.Fatal("a name clash with an unowned policy must be an error")
	}
	var clash *Problem
	for i := range p.Problems {
		if p.Problems[i].Code == CodeNotOwned {
			clash = &p.Problems[i]
		}
	}
	if clash == nil || clash.Severity != SeverityError || clash.Policy != "daily" || clash.Source != "policies/daily.cue:3:1" ||
		!strings.Contains(clash.Hint, "orgbackup import --from-org --policy daily") || !strings.Contains(clash.Hint, "adopt: true") {
		t.Fatalf("clash problem = %+v", clash)
	}
	// The unowned policy stays where it is, with its content.
	w, _ := p.Desired.Resolve("Root/Workloads")
	if got := p.Desired.Attached(w, policy.Type); len(got) != 1 || got[0].ID != "p-daily00001" || string(got[0].Content.Compact()) != `{"plans":{}}` {
		t.Errorf("desired Workloads = %+v", got)
	}
	if len(p.Desired.Attached(p.Desired.Root(), policy.Type)) != 0 {
		t.Error("a refused definition must not be attached in the desired state")
	}
}

func TestAdoption(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	d.Adopt = true
	actual := snap(t, nil, []string{"daily"}, nil, pol("p-daily00001", "daily", `{"plans":{}}`, "owner=team"))
	p := Make(Input{Repo: repo(d), Actual: actual})
	want := []string{"adopt daily", "update daily", "attach daily @Root", "detach daily @Root/Workloads"}
	if got := brief(p.Changes); !slices.Equal(got, want) {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	if a := p.Changes[0]; a.PolicyID != "p-daily00001" || a.Tags[policy.TagManagedBy] != policy.ManagedBy || a.Tags[policy.TagSource] != "policies/daily.cue" {
		t.Errorf("adopt = %+v", a)
	}
	if p.HasErrors() {
		t.Errorf("problems: %+v", p.Problems)
	}
	if got := p.Summary.Line(); got != "Plan: 0 to create, 1 to update, 0 to delete, 1 attachment to add, 1 to remove, 1 to adopt" {
		t.Errorf("summary = %q", got)
	}

	// Once adopted, adopt: true is a no-op with a notice.
	actual = snap(t, []string{"daily"}, nil, nil, pol("p-daily00001", "daily", content(d), ours+",owner=team"))
	p = Make(Input{Repo: repo(d), Actual: actual})
	if len(p.Changes) != 0 || !slices.Contains(codes(p.Problems, SeverityNotice), "already-owned") {
		t.Errorf("changes %q, problems %+v", brief(p.Changes), p.Problems)
	}
}

func TestRepositoryScope(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	r := repo(d)
	r.Organization = &policy.Organization{Repository: "acme/backup"}
	actual := snap(t, []string{"daily", "theirs"}, nil, nil,
		pol("p-daily00001", "daily", content(d), ours),
		pol("p-theirs0001", "theirs", `{"plans":{}}`, "managed-by=orgbackup,orgbackup:repository=acme/other"))
	p := Make(Input{Repo: r, Actual: actual, AllowDestroy: true})
	// daily has no repository tag: with a repository configured it is not
	// ours; theirs belongs to another repository and is no orphan of ours.
	if len(p.Changes) != 0 {
		t.Errorf("changes = %q, want none", brief(p.Changes))
	}
	if !slices.Contains(codes(p.Problems, SeverityError), CodeNotOwned) {
		t.Errorf("problems = %+v", p.Problems)
	}

	// Tagged for this repository: ours, and the tags are complete.
	actual = snap(t, []string{"daily"}, nil, nil, pol("p-daily00001", "daily", content(d), ours+",orgbackup:repository=acme/backup"))
	p = Make(Input{Repo: r, Actual: actual})
	if len(p.Changes) != 0 || p.HasErrors() {
		t.Errorf("changes %q, problems %+v", brief(p.Changes), p.Problems)
	}
}

func TestTagsFollowTheDefinition(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	actual := snap(t, []string{"daily"}, nil, nil, pol("p-daily00001", "daily", content(d), "managed-by=orgbackup,orgbackup:source=old/place.cue,owner=team"))
	p := Make(Input{Repo: repo(d), Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"tag daily"}) {
		t.Fatalf("changes = %q", got)
	}
	if c := p.Changes[0]; c.Tags[policy.TagSource] != "policies/daily.cue" || c.Tags["owner"] != "" {
		t.Errorf("tag = %+v (only orgbackup's tags are set)", c)
	}
	// Rel makes the source repository-relative.
	p = Make(Input{Repo: repo(d), Actual: actual, Rel: func(f string) string { return "repo/" + f }})
	if p.Changes[0].Tags[policy.TagSource] != "repo/policies/daily.cue" || p.Changes[0].Source != "repo/policies/daily.cue:3:1" {
		t.Errorf("tag with Rel = %+v", p.Changes[0])
	}
}

func TestDestroy(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	gone := pol("p-gone000001", "gone", content(definition(t, "gone", strings.Replace(completePlan, `"daily"`, `"gone"`, 1))), "managed-by=orgbackup,orgbackup:source=policies/gone.cue")
	actual := snap(t, []string{"daily", "gone"}, nil, []string{"gone"}, pol("p-daily00001", "daily", content(d), ours), gone)
	p := Make(Input{Repo: repo(d), Actual: actual})
	want := []string{"detach gone @Root !", "detach gone @Root/Workloads/Prod !", "delete gone !"}
	if got := brief(p.Changes); !slices.Equal(got, want) {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	if got := brief(p.Destructive()); !slices.Equal(got, want) {
		t.Errorf("destructive = %q", got)
	}
	if !slices.Contains(codes(p.Problems, SeverityWarning), CodeDestroyNotAllowed) || p.AllowDestroy {
		t.Errorf("problems = %+v", p.Problems)
	}
	if got := p.Summary.Line(); got != "Plan: 0 to create, 0 to update, 1 to delete, 0 attachments to add, 2 to remove" {
		t.Errorf("summary = %q", got)
	}
	allowed := Make(Input{Repo: repo(d), Actual: actual, AllowDestroy: true})
	if !allowed.AllowDestroy || slices.Contains(codes(allowed.Problems, SeverityWarning), CodeDestroyNotAllowed) {
		t.Errorf("allowed plan: %+v", allowed.Problems)
	}
	if allowed.InputsDigest == p.InputsDigest {
		t.Error("allow_destroy must be part of the inputs digest")
	}
	// The effective policies show the deletion.
	if p.Summary.AccountsChanged == 0 {
		t.Error("detaching gone changes effective policies")
	}
}

func TestPrerequisites(t *testing.T) {
	yes := true
	actual := snap(t, nil, nil, nil)
	actual.Root().PolicyTypes = []org.PolicyTypeStatus{}
	actual.Source = "aws"
	actual.Settings = &org.Settings{BackupGlobalSettings: map[string]string{CrossAccountBackupSetting: "false"}}
	r := repo(definition(t, "daily", completePlan))
	r.Organization = &policy.Organization{Pos: doc.Pos{File: "policies/org.cue", Line: 3, Col: 1},
		TrustedAccess: &yes, CrossAccountBackup: &yes, DelegatedAdministrator: "333333333333"}
	p := Make(Input{Repo: r, Actual: actual})
	want := []string{"enable-policy-type  BACKUP_POLICY @Root", "enable-service-access  backup.amazonaws.com",
		"register-delegated-administrator  333333333333 @Root/Workloads/shared", "update-backup-setting  isCrossAccountBackupEnabled", "create daily"}
	if got := brief(p.Changes); !slices.Equal(got, want) {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	for _, c := range p.Changes[:4] {
		if c.Phase != PhasePrerequisites {
			t.Errorf("%s in phase %d", c.Action, c.Phase)
		}
	}
	if c := p.Changes[3]; c.Before != "false" || c.After != "true" {
		t.Errorf("setting = %+v", c)
	}
	if got := p.Summary.Line(); !strings.HasSuffix(got, ", 4 organization settings to change") {
		t.Errorf("summary = %q", got)
	}

	// Already in place: nothing to do.
	actual.Root().PolicyTypes = []org.PolicyTypeStatus{{Type: "BACKUP_POLICY", Status: "PENDING_ENABLE"}}
	actual.Settings = &org.Settings{TrustedServices: []string{BackupPrincipal},
		DelegatedAdministrators: map[string][]string{BackupPrincipal: {"333333333333"}},
		BackupGlobalSettings:    map[string]string{CrossAccountBackupSetting: "true"}}
	p = Make(Input{Repo: r, Actual: actual})
	if got := brief(p.Changes); !slices.Equal(got, []string{"create daily"}) {
		t.Errorf("changes = %q", got)
	}

	// A snapshot that does not record the settings: not compared, said once.
	p = Make(Input{Repo: r, Actual: snap(t, nil, nil, nil)})
	if got := codes(p.Problems, SeverityNotice); !slices.Equal(got, []string{"not-recorded"}) {
		t.Errorf("notices = %v", got)
	}

	// The management account cannot be delegated; an unknown account is
	// no account.
	for id, code := range map[string]string{"111111111111": "management-delegated-administrator", "999999999999": "unknown-account"} {
		r.Organization.DelegatedAdministrator = id
		p = Make(Input{Repo: r, Actual: actual})
		if !slices.Contains(codes(p.Problems, SeverityError), code) {
			t.Errorf("delegated administrator %s: problems %+v", id, p.Problems)
		}
	}
	// A delegated administrator without trusted access.
	r.Organization = &policy.Organization{DelegatedAdministrator: "333333333333"}
	actual.Settings.TrustedServices = nil
	p = Make(Input{Repo: r, Actual: actual})
	if !slices.Contains(codes(p.Problems, SeverityError), "delegated-administrator-needs-trusted-access") {
		t.Errorf("problems %+v", p.Problems)
	}
}

func TestQuotas(t *testing.T) {
	var names, pols []string
	for i := range 10 {
		n := fmt.Sprintf("foreign-%d", i)
		names = append(names, n)
		pols = append(pols, pol(fmt.Sprintf("p-foreign%03d", i), n, `{"plans":{}}`, "owner=x"))
	}
	actual := snap(t, nil, nil, names, pols...)
	p := Make(Input{Repo: repo(definition(t, "daily", completePlan, "Root/Workloads/Prod")), Actual: actual})
	if !slices.Contains(codes(p.Problems, SeverityError), "too-many-attachments") {
		t.Errorf("11 attachments at Prod: problems %+v", p.Problems)
	}

	// Moving one of ours off a full entity and another on: AWS would see
	// 11 for a moment, because apply attaches first.
	pols = append(pols[:9], pol("p-oldours001", "old", `{"plans":{}}`, ours))
	names = append(names[:9], "old")
	actual = snap(t, nil, nil, names, pols...)
	old := definition(t, "old", `{}`)
	p = Make(Input{Repo: repo(old, definition(t, "daily", completePlan, "Root/Workloads/Prod")), Actual: actual})
	var msg string
	for _, pr := range p.Problems {
		if pr.Code == "too-many-attachments" {
			msg = pr.Message
		}
	}
	if !strings.Contains(msg, "briefly hold 11") {
		t.Errorf("problems %+v", p.Problems)
	}
}

func TestInvalidEffectivePolicy(t *testing.T) {
	// Eleven rules in one plan: ELEMENTS_TOO_MANY for every account.
	var rules []string
	for i := range 11 {
		rules = append(rules, fmt.Sprintf(`"r%d": {"schedule_expression": "cron(0 %d ? * * *)", "target_backup_vault_name": "vault"}`, i, i))
	}
	src := strings.Replace(completePlan, `"r": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "vault"}`, strings.Join(rules, ","), 1)
	p := Make(Input{Repo: repo(definition(t, "daily", src, "Root")), Actual: snap(t, nil, nil, nil)})
	if !p.HasErrors() || !slices.Contains(codes(p.Problems, SeverityError), CodeInvalidEffective) {
		t.Fatalf("problems = %+v", p.Problems)
	}
	if p.Summary.AccountsInvalid != 3 || len(p.Effective) != 1 || p.Effective[0].Problems[0].Code != "ELEMENTS_TOO_MANY" {
		t.Errorf("effective = %+v", p.Effective)
	}
}

func TestUnknownTarget(t *testing.T) {
	p := Make(Input{Repo: repo(definition(t, "daily", completePlan, "Root/Workload")), Actual: snap(t, nil, nil, nil)})
	var found bool
	for _, pr := range p.Problems {
		if pr.Code == "unknown-target" {
			found = pr.Severity == SeverityError && strings.Contains(pr.Hint, "Workloads") && pr.Source == "policies/daily.cue:4:12"
		}
	}
	if !found {
		t.Errorf("problems = %+v", p.Problems)
	}
}

// TestDesiredAttachmentOrder: existing attachments keep their order, new
// ones go last as AttachPolicy appends, and the repository is
// authoritative for its own policies' attachments.
func TestDesiredAttachmentOrder(t *testing.T) {
	actual := snap(t, []string{"foreign", "ours-old"}, nil, []string{"daily"},
		pol("p-foreign001", "foreign", `{"plans":{}}`, ""),
		pol("p-oursold001", "ours-old", `{"plans":{}}`, ours),
		pol("p-daily00001", "daily", `{"plans":{}}`, ours))
	r := repo(definition(t, "daily", completePlan, "Root"), definition(t, "new", `{}`, "r-ab12", "Root/Workloads/Prod"), definition(t, "ours-old", `{}`, "Root"))
	p := Make(Input{Repo: r, Actual: actual})
	d := p.Desired
	names := func(e *org.Entity) []string {
		var out []string
		for _, q := range d.Attached(e, policy.Type) {
			out = append(out, q.Name)
		}
		return out
	}
	prod, _ := d.Resolve("Root/Workloads/Prod")
	if got, want := names(d.Root()), []string{"foreign", "ours-old", "daily", "new"}; !slices.Equal(got, want) {
		t.Errorf("root = %v, want %v", got, want)
	}
	if got, want := names(prod), []string{"new"}; !slices.Equal(got, want) {
		t.Errorf("prod = %v, want %v", got, want)
	}
	if got := actual.Attached(actual.Root(), policy.Type); len(got) != 2 {
		t.Errorf("the actual organization changed: %v", got)
	}
	// The attach changes come in the order that gives the root that order.
	var attach []string
	for _, c := range p.Changes {
		if c.Action == Attach && c.Target.ID == "r-ab12" {
			attach = append(attach, c.Policy)
		}
	}
	if !slices.Equal(attach, []string{"daily", "new"}) {
		t.Errorf("root attachments in order %v", attach)
	}
}

func TestValidateCoverage(t *testing.T) {
	r := repo(definition(t, "daily", completePlan, "Root"))
	r.Policies[0].Partial = false
	r.Baselines = []*policy.Baseline{{Name: "prod", Targets: []policy.Target{{Raw: "Root/Workloads/Prod"}}, Regions: []string{"eu-west-1"}, RoleName: "role", VaultName: "vault"}}
	p := Make(Input{Repo: r, Actual: snap(t, nil, nil, nil)})
	invalid := map[string][]EffectiveProblem{}
	for _, g := range p.Effective {
		for _, a := range g.Accounts {
			invalid[a.ID] = g.Problems
		}
	}
	if len(invalid["222222222222"]) > 0 {
		t.Errorf("prod-a is covered: %+v", invalid["222222222222"])
	}
	var got []string
	for _, pr := range invalid["333333333333"] {
		got = append(got, pr.Code)
		if !slices.Equal(pr.Policies, []string{"daily"}) {
			t.Errorf("%s names contributors %v", pr.Code, pr.Policies)
		}
	}
	if !slices.Equal(got, []string{"VAULT_NOT_PROVIDED", "ROLE_NOT_PROVIDED"}) {
		t.Errorf("shared account problems = %v", got)
	}
}

func TestDeterministicAndRoundTrip(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root", "Root/Workloads/Prod")
	gone := pol("p-gone000001", "gone", `{"plans":{}}`, "managed-by=orgbackup")
	make1 := func() []byte {
		return Make(Input{Repo: repo(d, definition(t, "weekly", completePlan, "333333333333")), Actual: snap(t, []string{"gone"}, nil, nil, gone), Against: "org.json"}).Encode()
	}
	a, b := make1(), make1()
	if !bytes.Equal(a, b) {
		t.Fatal("two plans of the same input differ")
	}
	p, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Encode(), a) {
		t.Errorf("decode and encode again changes the bytes:\n%s\n---\n%s", p.Encode(), a)
	}
	if !strings.Contains(string(a), `"format_version": "1"`) {
		t.Error("no format_version")
	}
	if _, err := Decode([]byte(`{"format_version": "9"}`)); err == nil || !strings.Contains(err.Error(), `format_version "9"`) {
		t.Errorf("Decode of another version: %v", err)
	}
}

func TestDigests(t *testing.T) {
	d := definition(t, "daily", completePlan, "Root")
	actual := snap(t, nil, nil, nil)
	base := Make(Input{Repo: repo(d), Actual: actual})

	// The capture time and source of the snapshot do not count.
	later := snap(t, nil, nil, nil)
	later.CapturedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later.Source = "aws"
	if LiveDigest(later) != base.LiveDigest {
		t.Error("the live digest depends on the capture time")
	}
	// The live state counts in the live digest, not in the inputs digest.
	other := snap(t, nil, []string{"x"}, nil, pol("p-xxxxxxxx01", "x", `{"plans":{}}`, ""))
	p := Make(Input{Repo: repo(d), Actual: other})
	if p.LiveDigest == base.LiveDigest || p.InputsDigest != base.InputsDigest {
		t.Errorf("live %v inputs %v", p.LiveDigest == base.LiveDigest, p.InputsDigest == base.InputsDigest)
	}
	// Any change of the desired side changes the inputs digest.
	d2 := definition(t, "daily", completePlan, "Root")
	d2.Description = "x"
	if Make(Input{Repo: repo(d2), Actual: actual}).InputsDigest == base.InputsDigest {
		t.Error("a description is an input")
	}
	if Make(Input{Repo: repo(definition(t, "daily", completePlan, "r-ab12")), Actual: actual}).InputsDigest != base.InputsDigest {
		t.Error("targets are digested as ids: Root and r-ab12 are one target")
	}
	// A plan that is only shown goes without the live digest, and without
	// it is the same plan.
	shown := Make(Input{Repo: repo(d), Actual: actual, NoLiveDigest: true})
	if base.LiveDigest == "" || shown.LiveDigest != "" {
		t.Errorf("live digest %q, without %q", base.LiveDigest, shown.LiveDigest)
	}
	shown.LiveDigest = base.LiveDigest
	if !bytes.Equal(shown.Encode(), base.Encode()) {
		t.Error("NoLiveDigest changes more than the live digest")
	}
}

func TestPolicyQuota(t *testing.T) {
	var pols []string
	for i := range MaxPolicies {
		pols = append(pols, pol(fmt.Sprintf("p-foreign%04d", i), fmt.Sprintf("foreign-%d", i), `{"plans":{}}`, ""))
	}
	actual := snap(t, nil, nil, nil, pols...)
	p := Make(Input{Repo: repo(definition(t, "daily", completePlan, "Root")), Actual: actual})
	var msg string
	for _, pr := range p.Problems {
		if pr.Code == "too-many-policies" && pr.Severity == SeverityError {
			msg = pr.Message
		}
	}
	if !strings.Contains(msg, "1001 backup policies (1000 now, 1 to create)") {
		t.Errorf("problems = %+v", p.Problems)
	}
	// At the quota, without creating, all is well.
	p = Make(Input{Repo: &policy.Repo{}, Actual: actual})
	if slices.Contains(codes(p.Problems, SeverityError), "too-many-policies") {
		t.Error("no policy is created")
	}
}

// applyPlan carries out p's changes on a copy of o, as apply would, by
// editing its snapshot: the model test of "a plan applied leaves nothing
// to plan".
func applyPlan(t *testing.T, o *org.Org, p *Plan) *org.Org {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(o.Encode(), &raw); err != nil {
		t.Fatal(err)
	}
	entities := map[string]map[string]any{}
	for _, key := range []string{"roots", "organizational_units", "accounts"} {
		list, _ := raw[key].([]any)
		for _, e := range list {
			m := e.(map[string]any)
			entities[m["id"].(string)] = m
		}
	}
	policies, _ := raw["policies"].([]any)
	byName := func(name string) map[string]any {
		for _, q := range policies {
			if m := q.(map[string]any); m["name"] == name && m["type"] == policy.Type {
				return m
			}
		}
		t.Fatalf("apply: no policy %q", name)
		return nil
	}
	attached := func(e map[string]any) []any {
		ps, _ := e["policies"].(map[string]any)
		if ps == nil {
			return nil
		}
		l, _ := ps[policy.Type].([]any)
		return l
	}
	setAttached := func(e map[string]any, l []any) {
		ps, _ := e["policies"].(map[string]any)
		if ps == nil {
			ps = map[string]any{}
			e["policies"] = ps
		}
		ps[policy.Type] = l
	}
	settings := o.Settings.Clone()
	for i, c := range p.Changes {
		switch c.Action {
		case EnablePolicyType:
			root := entities[c.Target.ID]
			types, _ := root["policy_types"].([]any)
			root["policy_types"] = append(types, map[string]any{"type": c.Setting, "status": "ENABLED"})
		case EnableServiceAccess:
			settings.TrustedServices = append(settings.TrustedServices, c.Setting)
		case RegisterDelegatedAdmin:
			if settings.DelegatedAdministrators == nil {
				settings.DelegatedAdministrators = map[string][]string{}
			}
			settings.DelegatedAdministrators[c.After] = append(settings.DelegatedAdministrators[c.After], c.Setting)
		case UpdateBackupSetting:
			if settings.BackupGlobalSettings == nil {
				settings.BackupGlobalSettings = map[string]string{}
			}
			settings.BackupGlobalSettings[c.Setting] = c.After
		case CreatePolicy:
			tags := map[string]any{}
			for k, v := range c.Tags {
				tags[k] = v
			}
			policies = append(policies, map[string]any{"id": fmt.Sprintf("p-created%04d", i), "name": c.Policy, "type": policy.Type,
				"description": c.Description, "tags": tags, "content": c.After})
		case UpdatePolicy:
			m := byName(c.Policy)
			m["content"], m["description"] = c.After, c.Description
		case AdoptPolicy, TagPolicy:
			m := byName(c.Policy)
			tags, _ := m["tags"].(map[string]any)
			if tags == nil {
				tags = map[string]any{}
				m["tags"] = tags
			}
			for k, v := range c.Tags {
				tags[k] = v
			}
		case Attach:
			e := entities[c.Target.ID]
			setAttached(e, append(attached(e), byName(c.Policy)["id"]))
		case Detach:
			e := entities[c.Target.ID]
			id := byName(c.Policy)["id"]
			setAttached(e, slices.DeleteFunc(slices.Clone(attached(e)), func(x any) bool { return x == id }))
		case DeletePolicy:
			id := byName(c.Policy)["id"]
			policies = slices.DeleteFunc(policies, func(q any) bool { return q.(map[string]any)["id"] == id })
		default:
			t.Fatalf("apply: unknown action %s", c.Action)
		}
	}
	raw["policies"] = policies
	raw["source"] = "hand-written" // the copy has no capture time
	data, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := org.Parse("applied.json", data)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, data)
	}
	out.Source, out.Settings = o.Source, settings
	return out
}

// TestPlanConverges: applying a plan's changes leaves nothing to plan,
// and the effective policies the plan showed are the ones the applied
// organization has.
func TestPlanConverges(t *testing.T) {
	yes := true
	daily := definition(t, "daily", completePlan, "Root/Workloads", "222222222222")
	adopted := definition(t, "legacy", strings.Replace(completePlan, `"daily"`, `"legacy"`, 1), "Root")
	adopted.Adopt = true
	withOrg := repo(daily, adopted)
	withOrg.Organization = &policy.Organization{TrustedAccess: &yes, CrossAccountBackup: &yes, DelegatedAdministrator: "333333333333", Repository: "acme/backup"}
	live := func(o *org.Org) *org.Org {
		o.Source = "aws"
		o.Root().PolicyTypes = []org.PolicyTypeStatus{}
		o.Settings = &org.Settings{}
		return o
	}
	for name, tc := range map[string]struct {
		repo   *policy.Repo
		actual *org.Org
	}{
		"fresh organization": {withOrg, live(snap(t, nil, nil, nil, pol("p-legacy0001", "legacy", `{"plans":{}}`, "owner=team")))},
		"moves, updates and removals": {repo(daily), snap(t, []string{"daily", "gone"}, nil, []string{"gone"},
			pol("p-daily00001", "daily", `{"plans":{}}`, "managed-by=orgbackup,orgbackup:source=elsewhere.cue"),
			pol("p-gone000001", "gone", `{"plans":{}}`, ours),
			pol("p-foreign001", "foreign", `{"plans":{}}`, ""))},
	} {
		t.Run(name, func(t *testing.T) {
			p := Make(Input{Repo: tc.repo, Actual: tc.actual, AllowDestroy: true})
			if !p.HasChanges() {
				t.Fatal("the scenario plans nothing")
			}
			after := applyPlan(t, tc.actual, p)
			again := Make(Input{Repo: tc.repo, Actual: after, AllowDestroy: true})
			if again.HasChanges() {
				t.Errorf("after applying %q, the plan still has %q", brief(p.Changes), brief(again.Changes))
			}
			// The plan's effective view is what the organization now has.
			showed := map[string][]byte{}
			for _, a := range p.Preview.Accounts {
				showed[a.Account.ID] = a.After.Bytes()
			}
			for _, a := range again.Preview.Accounts {
				if !bytes.Equal(showed[a.Account.ID], a.Before.Bytes()) {
					t.Errorf("account %s: the plan showed\n%s\nthe applied organization has\n%s", a.Account.ID, showed[a.Account.ID], a.Before.Bytes())
				}
			}
		})
	}
}
