package plan

import (
	"bytes"
	"slices"
	"testing"

	"github.com/orgbackup/orgbackup/internal/effective"
)

// TestGroupsAsByContent checks that the groups Compute finds from what
// identifies each account's outcome (its documents and its check) are the
// groups found by comparing the documents and problems themselves, which
// is how Groups groups a Preview built by hand.
func TestGroupsAsByContent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-account organization")
	}
	actual, repo := bigPreview(t)
	// Without the policy bigPreview adds at the root, some accounts keep
	// their effective policy, some of them invalid.
	repo.Policies = repo.Policies[:len(repo.Policies)-1]
	pv := Make(Input{Repo: repo, Actual: actual}).Preview
	byContent := &effective.Preview{Actual: pv.Actual, Desired: pv.Desired}
	for _, a := range pv.Accounts {
		c := *a
		byContent.Accounts = append(byContent.Accounts, &c)
	}
	got, want := pv.Groups(), byContent.Groups()
	if len(pv.Invalid()) == 0 || len(pv.Changed()) == 0 || len(pv.Changed()) == len(pv.Accounts) {
		t.Fatalf("the organization should have invalid, changed and unchanged accounts: %d invalid, %d changed of %d", len(pv.Invalid()), len(pv.Changed()), len(pv.Accounts))
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups, want %d", len(got), len(want))
	}
	ids := func(g *effective.Group) []string {
		var out []string
		for _, a := range g.Accounts {
			out = append(out, a.Account.ID)
		}
		return out
	}
	for i := range got {
		g, w := got[i], want[i]
		if !slices.Equal(ids(g), ids(w)) || !bytes.Equal(g.Before.Bytes(), w.Before.Bytes()) || !bytes.Equal(g.After.Bytes(), w.After.Bytes()) ||
			g.Changed != w.Changed || len(g.Problems) != len(w.Problems) || len(g.Notes) != len(w.Notes) {
			t.Fatalf("group %d differs: %d accounts (first %s), want %d (first %s)", i, len(g.Accounts), g.Accounts[0].Account.ID, len(w.Accounts), w.Accounts[0].Account.ID)
		}
		for j, a := range g.Accounts {
			if pv.GroupOf(a) != i || byContent.GroupOf(w.Accounts[j]) != i {
				t.Fatalf("account %s: GroupOf %d, want %d", a.Account.ID, pv.GroupOf(a), i)
			}
		}
	}
	t.Logf("%d groups, %d invalid, %d changed of %d accounts", len(got), len(pv.Invalid()), len(pv.Changed()), len(pv.Accounts))
}
