package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/orgbackup/orgbackup/internal/awscfn"
	"github.com/orgbackup/orgbackup/internal/awskms"
	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/deploy"
	"github.com/orgbackup/orgbackup/internal/observe"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
	"github.com/orgbackup/orgbackup/internal/render"
)

// BaselineReader reads what is deployed of the baselines: orgbackup's
// StackSets, the management account's stacks in regions (and wherever the
// StackSets deploy), and orgbackup's keys in keyRegions.
type BaselineReader func(ctx context.Context, lo LiveOptions, regions, keyRegions []string, progress io.Writer) (*baseline.Live, error)

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
	return o.ReadBaselines(context.Background(), lo, baselineRegions(repo), keyRegions(repo), o.Err)
}

// keyRegions are the Regions of the baselines whose vaults use orgbackup's
// key: where the key is read, and only there.
func keyRegions(repo *policy.Repo) []string {
	var out []string
	for _, b := range repo.Baselines {
		if b.ManagedKMSKey {
			out = append(out, b.Regions...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// baselinePart is plan.Input.Baselines for repo: the baselines planned
// against live (nil: not read, coverage only).
func baselinePart(repo *policy.Repo, rel func(string) string, live *baseline.Live) func(*org.Org) *plan.BaselinePart {
	return func(desired *org.Org) *plan.BaselinePart {
		return baseline.Part(baseline.Input{Repo: repo, Org: desired, Source: rel, Repository: repo.Repository()}, live)
	}
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
	return func(ctx context.Context, lo LiveOptions, regions, keyRegions []string, _ io.Writer) (*baseline.Live, error) {
		cfg, err := o.awsConfig(ctx, lo)
		if err != nil {
			return nil, err
		}
		live, _, err := observe.Live(ctx, observe.Deployed{
			StackSets: cloudformation.NewFromConfig(cfg),
			Stacks:    func(r string) awscfn.StackReadAPI { return cloudformation.NewFromConfig(regional(cfg, r)) },
		}, regions)
		if err != nil {
			return nil, fmt.Errorf("read the deployed baselines: %w", err)
		}
		for _, r := range keyRegions {
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

// baselineApply is apply's baselines side: it reads what is deployed each
// time apply plans, keeps what the baselines' planning found for the
// executor, carries the changes out, and answers which policy changes a
// failed baseline blocks.
type baselineApply struct {
	o    *IO
	repo *policy.Repo
	rel  func(string) string
	lo   LiveOptions

	deployer *deploy.Deployer
	desired  *org.Org
	blocker  *baseline.Blocker
	progress sync.Mutex
	// ctx is apply's; settle waits, once, for StackSet operations the plan
	// found running before the first attachment is judged.
	ctx       context.Context
	settle    sync.Once
	settleErr error
}

func newBaselineApply(o *IO, cfg aws.Config, repo *policy.Repo, rel func(string) string, lo LiveOptions) *baselineApply {
	b := &baselineApply{o: o, repo: repo, rel: rel, lo: lo}
	cfn := cloudformation.NewFromConfig(cfg)
	b.deployer = &deploy.Deployer{
		StackSets: &awscfn.StackSets{API: cfn, Since: time.Now()},
		Stacks:    &awscfn.Stacks{API: func(r string) awscfn.StackAPI { return cloudformation.NewFromConfig(regional(cfg, r)) }},
		Keys:      &awskms.Keys{API: func(r string) awskms.API { return kms.NewFromConfig(regional(cfg, r)) }},
		ReadStackSet: func(ctx context.Context, name string) (*baseline.LiveStackSet, error) {
			return awscfn.ReadStackSet(ctx, cfn, name, "")
		},
		Health: &baseline.Health{},
		Progress: func(line string) {
			b.progress.Lock()
			defer b.progress.Unlock()
			fmt.Fprintln(o.Err, render.Inert(line))
		},
	}
	return b
}

// plan makes apply's plan: the deployed baselines are read first, and the
// executor keeps what their planning found.
func (b *baselineApply) plan(ctx context.Context, in plan.Input) (*plan.Plan, error) {
	b.ctx = ctx
	live, err := readBaselines(b.o, b.lo, b.repo)
	if err != nil {
		return nil, err
	}
	var prepared *baseline.Prepared
	in.Baselines = func(desired *org.Org) *plan.BaselinePart {
		prepared = baseline.Prepare(baseline.Input{Repo: b.repo, Org: desired, Source: b.rel, Repository: b.repo.Repository()}, live)
		return prepared.Part
	}
	p := plan.Make(in)
	b.deployer.Desired, b.deployer.Planned = prepared.Desired, prepared.Planned
	b.deployer.StackSets.InputsDigest = p.InputsDigest
	if live != nil {
		b.deployer.KeyARNs = live.KeyARNs()
	}
	b.desired = p.Desired
	b.blocker = baseline.NewBlocker(b.deployer.Health, p.Desired, b.repo)
	return p, nil
}

// blocked is apply.Options.Blocked: an attachment, or an update of an
// attached policy, that needs a role or vault that failed to deploy.
func (b *baselineApply) blocked(c plan.Change) (string, bool) {
	if b.blocker == nil {
		return "", false
	}
	b.settle.Do(func() { b.settleErr = b.deployer.Settle(b.ctx) })
	if b.settleErr != nil {
		return "waiting for the StackSet operations already running: " + b.settleErr.Error(), true
	}
	switch {
	case c.Action == plan.Attach && c.Target != nil:
		return b.blocker.Blocks(c.Policy, c.Target.ID)
	case c.Action == plan.UpdatePolicy:
		return b.blocker.BlocksPolicy(c.Policy)
	}
	return "", false
}

// report writes what failed to deploy, per account and Region with
// CloudFormation's reason, after the apply.
func (b *baselineApply) report(w io.Writer) {
	fs := b.deployer.Health.Failures()
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "baselines that did not deploy (%d):\n", len(fs))
	for _, f := range fs {
		fmt.Fprintf(w, "  %s\n", render.Inert(f.String()))
	}
}
