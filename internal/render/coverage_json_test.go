package render

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/orgbackup/orgbackup/internal/plan"
)

// TestWriteCoverageMatchesCoverageJSON: the preview writes the coverage's
// account lists directly; the bytes must be CoverageJSON's, for empty and
// full lists, names left out, names that need escaping and a management
// account or none.
func TestWriteCoverageMatchesCoverageJSON(t *testing.T) {
	accounts := func(n int) []plan.Account {
		var as []plan.Account
		for i := range n {
			a := plan.Account{ID: fmt.Sprintf("%012d", i), Path: fmt.Sprintf("Root/OU-%d/acct-%d", i%3, i)}
			switch i % 4 {
			case 1:
				a.Name = fmt.Sprintf("acct-%d", i)
			case 2:
				a.Name = "<ünïcode & \"quotes\"\\ \u2028 \x1b>"
			}
			as = append(as, a)
		}
		return as
	}
	for _, c := range []*plan.Coverage{
		{Baselines: []plan.CoverageBaseline{}, Groups: []plan.CoverageGroup{}, Uncovered: []plan.Account{}},
		{
			Baselines: []plan.CoverageBaseline{{Name: "vaults", Role: "backup", Vault: "main", Regions: []string{"us-east-1", "eu-west-1"}, StackSets: []string{"ss"}, Targets: []string{"Root"}, ManagementStacks: true}},
			Groups: []plan.CoverageGroup{
				{Via: []plan.Via{{Baseline: "vaults", How: plan.ViaStackSet}}, Accounts: accounts(7)},
				{Via: []plan.Via{{Baseline: "vaults", How: plan.ViaManagement}, {Baseline: "x", How: plan.ViaExisting}}, Accounts: accounts(1)},
			},
			Uncovered:  accounts(5),
			Management: "000000000001",
		},
	} {
		want := appendNested(nil, CoverageJSON(c).Indent(), "  ")
		var got bytes.Buffer
		writeCoverage(&got, c, "  ")
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("writeCoverage:\n%s\nCoverageJSON:\n%s", got.Bytes(), want)
		}
	}
}
