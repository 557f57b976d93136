package baseline

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
)

func coverageSummary(c *plan.Coverage) string {
	var b strings.Builder
	for _, g := range c.Groups {
		var ids []string
		for _, a := range g.Accounts {
			ids = append(ids, a.ID)
		}
		fmt.Fprintf(&b, "%v: %s\n", g.Via, strings.Join(ids, ","))
	}
	for _, a := range c.Uncovered {
		fmt.Fprintf(&b, "uncovered: %s\n", a.ID)
	}
	return b.String()
}

func TestCoverage(t *testing.T) {
	legacy := `baselines: legacy: {targets: ["Root/Sandbox"], regions: ["us-east-1"], role_name: "backup", vault_name: "vault", existing: true}`
	for _, tc := range []struct {
		name string
		cue  []string
		want string
	}{
		{
			name: "the management account through stacks",
			cue:  []string{policyCUE("all", `"Root"`, `"us-east-1"`), mainBaseline},
			want: `[{main management-stack}]: 111111111111
[{main stack-set}]: 222222222222,333333333333,444444444444,666666666666,777777777777
`,
		},
		{
			name: "existing resources, and the management account left out",
			cue:  []string{policyCUE("all", `"Root"`, `"us-east-1"`), strings.Replace(mainBaseline, `["Root"]`, `["Root/Workloads"]`, 1), legacy},
			want: `[{main stack-set}]: 222222222222,333333333333,444444444444
[{legacy existing}]: 666666666666,777777777777
uncovered: 111111111111
`,
		},
		{
			name: "accounts no policy reaches are not listed",
			cue:  []string{policyCUE("sandbox", `"Root/Sandbox"`, `"us-east-1"`), mainBaseline, legacy},
			want: `[{legacy existing} {main stack-set}]: 666666666666,777777777777
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, o := fixture(t, tc.cue...)
			c := NewCoverage(Desire(Input{Repo: repo, Org: o}), repo)
			if d := cmp.Diff(tc.want, coverageSummary(c)); d != "" {
				t.Errorf("coverage (-want +got):\n%s", d)
			}
		})
	}
}

// TestUnion holds union, which marks accounts by index, to what it
// replaced: a set of entities sorted by id.
func TestUnion(t *testing.T) {
	o, err := org.Load("testdata/org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var ents []*org.Entity
	ents = append(ents, o.Root())
	ents = append(ents, o.OUs()...)
	ents = append(ents, o.Accounts()...)
	ids := func(es []*org.Entity) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	// Every pair and triple of targets, repeats and nesting included.
	n := 0
	for i := range ents {
		for j := range ents {
			for k := j; k < len(ents); k += 3 {
				lists := [][]*org.Entity{o.AccountsUnder(ents[i]), o.AccountsUnder(ents[j]), o.AccountsUnder(ents[k])}[:2+k%2]
				seen := map[*org.Entity]bool{}
				var want []*org.Entity
				for _, l := range lists {
					for _, a := range l {
						if !seen[a] {
							seen[a] = true
							want = append(want, a)
						}
					}
				}
				slices.SortFunc(want, func(a, b *org.Entity) int { return strings.Compare(a.ID, b.ID) })
				if d := cmp.Diff(ids(want), ids(union(o, lists))); d != "" {
					t.Errorf("union of %s, %s, %s (-want +got):\n%s", ents[i].ID, ents[j].ID, ents[k].ID, d)
				}
				n++
			}
		}
	}
	if len(o.Accounts()) < 3 || len(o.OUs()) < 2 || n < 50 {
		t.Fatalf("%d accounts, %d OUs, %d cases: the fixture is too small to tell", len(o.Accounts()), len(o.OUs()), n)
	}
}
