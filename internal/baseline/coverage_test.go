package baseline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
