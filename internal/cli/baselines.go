package cli

import (
	"context"
	"io"
	"slices"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// BaselineReader reads what is deployed of the baselines: orgbackup's
// StackSets, the management account's stacks and orgbackup's keys in the
// Regions given.
type BaselineReader func(ctx context.Context, lo LiveOptions, regions []string, progress io.Writer) (*baseline.Live, error)

// baselineRegions are the Regions where the baselines of repo may have
// management stacks or keys: every Region of every baseline.
func baselineRegions(repo *policy.Repo) []string {
	var out []string
	for _, b := range repo.Baselines {
		out = append(out, b.Regions...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// readBaselines reads the deployed baselines with o's reader; nil, nil when
// this build has none (the plan then says they were not read).
func readBaselines(o *IO, lo LiveOptions, repo *policy.Repo) (*baseline.Live, error) {
	if o.ReadBaselines == nil {
		return nil, nil
	}
	return o.ReadBaselines(context.Background(), lo, baselineRegions(repo), o.Err)
}

// baselinePart is plan.Input.Baselines for repo: the baselines planned
// against live (nil: not read, coverage only).
func baselinePart(repo *policy.Repo, rel func(string) string, live *baseline.Live) func(*org.Org) *plan.BaselinePart {
	return func(desired *org.Org) *plan.BaselinePart {
		return baseline.Part(baseline.Input{Repo: repo, Org: desired, Source: rel, Repository: repo.Repository()}, live)
	}
}
