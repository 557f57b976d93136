package effective

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestComputeMatchesEachAccount holds Compute, which works out each
// distinct chain once and hands most accounts their parent's outcome, to
// the preview of every account worked out alone: its documents before and
// after, whether they differ, its problems and its notes. The organization
// has accounts with policies of their own, accounts that are baseline
// targets themselves, and plain accounts, under OUs of each kind.
func TestComputeMatchesEachAccount(t *testing.T) {
	actual := orgtest.Synthetic(5, 3000, 150, 60)
	desired := actual.Clone()
	content := func(vault string) *doc.Node {
		n, err := doc.Parse("p.json", []byte(`{"plans": {"`+vault+`-plan": {"regions": {"@@assign": ["us-east-1", "eu-west-1"]}, "rules": {"daily": {"schedule_expression": {"@@assign": "cron(0 5 ? * * *)"}, "target_backup_vault_name": {"@@assign": "`+vault+`"}}}, "selections": {"tags": {"all": {"iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/backup"}, "tag_key": {"@@assign": "Backup"}, "tag_value": {"@@assign": ["On"]}}}}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	central := &org.Policy{Name: "central", Type: policy.Type, Content: content("central")}
	edge := &org.Policy{Name: "edge", Type: policy.Type, Content: content("edge")}
	attach := func(e *org.Entity, p *org.Policy) {
		desired.SetAttachments(e, policy.Type, append(desired.Attached(e, policy.Type), p))
	}
	accounts, ous := desired.Accounts(), desired.OUs()
	for i := 0; i < len(ous); i += 3 {
		attach(ous[i], central)
	}
	for i := 0; i < len(accounts); i += 97 {
		attach(accounts[i], edge)
	}
	// Accounts that lose their own policies: their state before is their
	// own, after it is their parent's.
	withOwn := 0
	for _, a := range accounts {
		if len(actual.Attached(a, policy.Type)) > 0 {
			if withOwn%2 == 0 {
				desired.SetAttachments(a, policy.Type, nil)
			}
			withOwn++
		}
	}
	attach(ous[7], edge)
	attach(ous[8], edge)
	// The edge vault is deployed to one OU the edge policy reaches, to
	// some of the accounts of another it reaches (not all: they share
	// their OU's state but not its baselines), and to some accounts
	// anywhere.
	edgeTargets := []policy.Target{{Raw: ous[7].ID}}
	under8 := 0
	for _, c := range ous[8].Children {
		if c.Kind == org.Account && under8 < 3 {
			edgeTargets = append(edgeTargets, policy.Target{Raw: c.ID})
			under8++
		}
	}
	if under8 == 0 || under8 == len(desired.AccountsUnder(ous[8])) {
		t.Fatalf("%s has %d accounts: the fixture needs an OU some of whose accounts are baseline targets", ous[8].ID, len(desired.AccountsUnder(ous[8])))
	}
	for i := 0; i < len(accounts); i += 89 {
		edgeTargets = append(edgeTargets, policy.Target{Raw: accounts[i].ID})
	}
	baselines := []*policy.Baseline{
		{Name: "central", Targets: []policy.Target{{Raw: "Root"}}, Regions: []string{"us-east-1", "eu-west-1"}, RoleName: "backup", VaultName: "central"},
		{Name: "edge", Targets: edgeTargets, Regions: []string{"us-east-1"}, VaultName: "edge"},
	}
	ours := func(p *org.Policy) bool { return p == central || p == edge }
	pv := Compute(actual, desired, baselines, ours)

	before, after := NewEngine(actual, policy.Type), NewEngine(desired, policy.Type)
	// The baselines that reach an account: those with a target on its
	// chain, found here by walking the chain.
	provided := func(a *org.Entity) []*policy.Baseline {
		var out []*policy.Baseline
		chain := desired.Chain(a)
		for _, b := range baselines {
			if slices.ContainsFunc(b.Targets, func(t policy.Target) bool {
				e, err := desired.Resolve(t.Raw)
				return err == nil && slices.Contains(chain, e)
			}) {
				out = append(out, b)
			}
		}
		return out
	}
	oursID := func(id string) bool {
		p := desired.Policy(id)
		return p != nil && ours(p)
	}
	var withProblems, changed, own int
	for i, a := range accounts {
		got := pv.Accounts[i]
		if got.Account != a {
			t.Fatalf("account %d is %s, want %s", i, got.Account.ID, a.ID)
		}
		sb, sa := before.State(a), after.State(a)
		wantBefore, wantAfter := before.Canonical(sb), after.Canonical(sa)
		problems := validate(&backup.Memo{}, sa, after.Effective(sa), provided(a), oursID, Label(desired))
		if !bytes.Equal(got.Before.Bytes(), wantBefore) || !bytes.Equal(got.After.Bytes(), wantAfter) {
			t.Fatalf("account %s: documents differ from the account's own", a.ID)
		}
		if got.Changed != !bytes.Equal(wantBefore, wantAfter) {
			t.Fatalf("account %s: changed %v", a.ID, got.Changed)
		}
		if problemKey(got.Problems) != problemKey(problems) {
			t.Fatalf("account %s: problems\n%q\nwant\n%q", a.ID, problemKey(got.Problems), problemKey(problems))
		}
		if !reflect.DeepEqual(got.Notes, sa.Notes()) {
			t.Fatalf("account %s: notes differ", a.ID)
		}
		if len(problems) > 0 {
			withProblems++
		}
		if got.Changed {
			changed++
		}
		if sa != after.State(a.Parent) {
			own++
		}
	}
	if withProblems == 0 || withProblems == len(accounts) || changed == 0 || changed == len(accounts) || own == 0 || own == len(accounts) {
		t.Fatalf("%d accounts, %d with problems, %d changed, %d with policies of their own: the fixture should have some of each and not all", len(accounts), withProblems, changed, own)
	}
	t.Logf("%d accounts, %d with problems, %d changed, %d with policies of their own", len(accounts), withProblems, changed, own)
}
