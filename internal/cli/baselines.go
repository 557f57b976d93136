package cli

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/observe"
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

// awsConfig is how live commands get the SDK's configuration: o.AWS when a
// test substitutes its own, awsenv otherwise.
func awsConfig(ctx context.Context, o *IO, lo LiveOptions) (aws.Config, error) {
	if o.AWS != nil {
		return o.AWS(ctx, lo.awsenv())
	}
	return awsenv.Load(ctx, lo.awsenv())
}

// regional returns a copy of cfg for region.
func regional(cfg aws.Config, region string) aws.Config {
	c := cfg.Copy()
	c.Region = region
	return c
}

// readLiveBaselines is the production BaselineReader: orgbackup's
// StackSets (managed from the configured Region), the management stacks
// and orgbackup's keys in every Region of the baselines.
func readLiveBaselines(o *IO) BaselineReader {
	return func(ctx context.Context, lo LiveOptions, regions []string, _ io.Writer) (*baseline.Live, error) {
		cfg, err := awsConfig(ctx, o, lo)
		if err != nil {
			return nil, err
		}
		live, err := observe.Live(ctx, observe.Deployed{
			StackSets: cloudformation.NewFromConfig(cfg),
			Stacks:    func(r string) awscfn.StackReadAPI { return cloudformation.NewFromConfig(regional(cfg, r)) },
		}, regions)
		if err != nil {
			return nil, fmt.Errorf("read the deployed baselines: %w", err)
		}
		for _, r := range regions {
			k, err := awskms.ReadKey(ctx, kms.NewFromConfig(regional(cfg, r)), baseline.KeyAlias, r)
			if err != nil {
				return nil, fmt.Errorf("read orgbackup's key: %w", err)
			}
			if k != nil {
				live.Keys = append(live.Keys, k)
			}
		}
		return live, nil
	}
}
