package plan

import (
	"io"
	"runtime"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// bigPreview returns a synthetic organization of 10,000 accounts under 500
// OUs with 200 policies, and a repository that changes part of it: it
// takes over five of the organization's backup policies (one of them with
// an extra Region) and adds one at the root, so every account's effective
// policy must be recomputed and a share of them changes.
func bigPreview(tb testing.TB) (*org.Org, *policy.Repo) {
	tb.Helper()
	o := orgtest.Synthetic(1, 10000, 500, 200)
	repo := &policy.Repo{}
	n := 0
	for _, p := range o.Policies() {
		if p.Type != policy.Type || n == 5 {
			continue
		}
		targets := o.Targets(p)
		if len(targets) == 0 {
			continue
		}
		n++
		rp := &policy.Policy{Name: p.Name, Partial: true, Plans: p.Content.Get("plans").Clone()}
		for _, t := range targets {
			rp.Targets = append(rp.Targets, policy.Target{Raw: o.Path(t)})
		}
		if n == 1 {
			for _, f := range rp.Plans.Fields {
				if r := f.Value.Get("regions"); r != nil && r.Get("@@assign") != nil {
					a := r.Get("@@assign")
					a.Items = append(a.Items, doc.NewString("sa-east-1", doc.Pos{}))
				}
			}
		}
		repo.Policies = append(repo.Policies, rp)
	}
	root, err := doc.Parse("root.json", []byte(`{"root-extra": {"regions": ["us-east-1"], "rules": {"weekly": {"schedule_expression": "cron(0 3 ? * SUN *)", "target_backup_vault_name": "central"}}, "selections": {"tags": {"all": {"iam_role_arn": "arn:aws:iam::$account:role/backup", "tag_key": "Backup", "tag_value": ["On"]}}}}}`))
	if err != nil {
		tb.Fatal(err)
	}
	repo.Policies = append(repo.Policies, &policy.Policy{Name: "root-extra", Targets: []policy.Target{{Raw: "Root"}}, Plans: root})
	repo.Baselines = []*policy.Baseline{{Name: "central", Targets: []policy.Target{{Raw: "Root"}}, Regions: []string{"us-east-1"}, RoleName: "backup", VaultName: "central"}}
	return o, repo
}

// BenchmarkPreview10k plans a 10,000-account organization: desired
// state, changes, both merges for every account, validation, grouping and diffs.
// Target: well under 2 s and 300 MB on a 2-core machine. peak-heap-MB is
// the largest live heap seen while computing (sampled after the preview,
// which holds everything it built).
func BenchmarkPreview10k(b *testing.B) {
	actual, repo := bigPreview(b)
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		p := Make(Input{Repo: repo, Actual: actual})
		pv := p.Preview
		for i := range p.Effective {
			_, _ = io.WriteString(io.Discard, p.Effective[i].DiffText())
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		if len(pv.Accounts) != 10000 {
			b.Fatalf("%d accounts", len(pv.Accounts))
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// TestPreview10kDistinctChains checks the premise of the speed target:
// 10,000 accounts collapse to far fewer distinct merges.
func TestPreview10kDistinctChains(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-account organization")
	}
	actual, repo := bigPreview(t)
	pv := Make(Input{Repo: repo, Actual: actual}).Preview
	if len(pv.Changed()) == 0 {
		t.Fatal("the repository should change some accounts")
	}
	e := effective.NewEngine(pv.Desired, policy.Type)
	states := map[any]bool{}
	for _, a := range pv.Desired.Accounts() {
		states[e.State(a)] = true
	}
	if n := len(states); n > 1500 {
		t.Errorf("%d distinct states for 10,000 accounts; accounts sharing a chain must share the merge", n)
	}
	t.Logf("%d accounts, %d distinct effective states, %d changed, %d invalid, %d groups", len(pv.Accounts), len(states), len(pv.Changed()), len(pv.Invalid()), len(pv.Groups()))
}
