// Package status reports, per account and Region, whether an
// organization's backups are working: the effective backup policy is
// present and valid, the baselines' stack instances are deployed, and the
// backup, copy and restore jobs of the last hours succeeded (AWS Backup's
// cross-account monitoring, as a report). It is pure: the organization,
// the deployed baselines and the jobs come in as values.
package status

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// JobKind is what a job does.
type JobKind string

// The kinds of AWS Backup jobs status reports.
const (
	BackupJob  JobKind = "backup"
	CopyJob    JobKind = "copy"
	RestoreJob JobKind = "restore"
)

// Job is one AWS Backup job of any account of the organization.
type Job struct {
	Kind         JobKind
	ID           string
	Account      string
	Region       string
	State        string // COMPLETED, FAILED, ABORTED, EXPIRED, PARTIAL, RUNNING, CREATED, PENDING, …
	Message      string
	ResourceType string
	Created      time.Time
}

// Failed reports whether the job ended without doing its work.
func (j Job) Failed() bool {
	switch j.State {
	case "FAILED", "ABORTED", "EXPIRED", "PARTIAL":
		return true
	}
	return false
}

// Done reports whether the job completed.
func (j Job) Done() bool { return j.State == "COMPLETED" }

// Input is what a status report is made from.
type Input struct {
	// Org is the organization as it is (the live read).
	Org  *org.Org
	Repo *policy.Repo
	// Scope is the root or the OU the report covers.
	Scope *org.Entity
	// Live is what is deployed of the baselines; nil when not read.
	Live *baseline.Live
	// Jobs are the jobs created since Now-Since; JobsNote says why they
	// could not be listed, if so (then they count as unknown).
	Jobs     []Job
	JobsNote string
	Since    time.Duration
	// Invalid are the accounts AWS reports with an invalid effective
	// backup policy (ListAccountsWithInvalidEffectivePolicy); nil when
	// not asked.
	Invalid map[string]bool
}

// Report is a status report.
type Report struct {
	Scope    string
	Since    time.Duration
	Accounts []Account
	// Failures are the failed jobs grouped by account, kind and reason.
	Failures []FailureGroup
	JobsNote string
	// Attention lists, one line each, what needs attention; empty when
	// all is well.
	Attention []string
}

// Account is one account's status.
type Account struct {
	ID         string
	Name       string
	Path       string
	Management bool
	// Policy is "valid", "invalid" or "none".
	Policy   string
	Problems []effective.Problem
	Regions  []Region
	// OK is false when something in the account needs attention.
	OK bool
}

// Region is one account's status in one Region.
type Region struct {
	Region    string
	Baselines []Instance
	Jobs      map[JobKind]Counts
}

// Instance is one baseline part deployed (or not) in an account and Region.
type Instance struct {
	Baseline string
	Part     string // role or vault
	How      string // plan.ViaStackSet, ViaManagement, ViaExisting
	Status   string // CURRENT, OUTDATED/FAILED, MISSING, CREATE_COMPLETE, … or "declared" for existing ones
	Reason   string
	OK       bool
}

// Counts counts jobs by outcome.
type Counts struct {
	Completed, Running, Failed int
}

// FailureGroup is the failed jobs of one account of one kind that share a
// reason.
type FailureGroup struct {
	Account string
	Kind    JobKind
	Reason  string
	Count   int
	Regions []string
	// Example is one job's id, to look up.
	Example string
}

// Make builds the report.
func Make(in Input) *Report {
	o := in.Org
	r := &Report{Scope: o.Path(in.Scope), Since: in.Since, JobsNote: in.JobsNote}
	eng := effective.NewEngine(o, policy.Type)
	bl := effective.NewBaselines(o, in.Repo.Baselines)
	label := effective.Label(o)
	ours := func(id string) bool {
		p := o.Policy(id)
		return p != nil && in.Repo.Policy(p.Name) != nil
	}
	jobs := map[string][]Job{}
	for _, j := range in.Jobs {
		jobs[j.Account] = append(jobs[j.Account], j)
	}
	mgmt := o.ManagementAccount()
	for _, a := range o.AccountsUnder(in.Scope) {
		acc := Account{ID: a.ID, Name: a.Name, Path: o.Path(a), Management: a == mgmt, Policy: "none", OK: true}
		s := eng.State(a)
		eff := eng.Effective(s)
		regions := map[string]bool{}
		if !effective.Empty(eff) {
			acc.Policy = "valid"
			acc.Problems = effective.Validate(s, eff, bl.For(a), ours, label)
			if len(acc.Problems) > 0 || in.Invalid[a.ID] {
				acc.Policy = "invalid"
			}
			for _, r := range planRegions(eff) {
				regions[r] = true
			}
		} else if in.Invalid[a.ID] {
			acc.Policy = "invalid"
		}
		parts := instances(a, mgmt, !effective.Empty(eff), bl.For(a), in.Live)
		for _, p := range parts {
			regions[p.region] = true
		}
		for _, j := range jobs[a.ID] {
			regions[j.Region] = true
		}
		for _, rg := range slices.Sorted(maps.Keys(regions)) {
			reg := Region{Region: rg, Jobs: map[JobKind]Counts{}}
			for _, p := range parts {
				if p.region == rg {
					reg.Baselines = append(reg.Baselines, p.Instance)
				}
			}
			for _, j := range jobs[a.ID] {
				if j.Region != rg {
					continue
				}
				c := reg.Jobs[j.Kind]
				switch {
				case j.Failed():
					c.Failed++
				case j.Done():
					c.Completed++
				default:
					c.Running++
				}
				reg.Jobs[j.Kind] = c
			}
			acc.Regions = append(acc.Regions, reg)
		}
		r.judge(&acc, in)
		r.Accounts = append(r.Accounts, acc)
	}
	r.Failures = failures(in.Jobs, r.Accounts)
	if in.JobsNote != "" {
		r.Attention = append(r.Attention, "jobs: "+in.JobsNote)
	}
	return r
}

// judge decides whether an account needs attention, and why.
func (r *Report) judge(acc *Account, in Input) {
	say := func(format string, args ...any) {
		acc.OK = false
		r.Attention = append(r.Attention, fmt.Sprintf("%s (%s): ", acc.ID, acc.Path)+fmt.Sprintf(format, args...))
	}
	if acc.Policy == "invalid" {
		what := "AWS reports it invalid"
		if len(acc.Problems) > 0 {
			what = acc.Problems[0].Code + " at " + acc.Problems[0].PathString()
		}
		say("the effective backup policy is invalid (%s); the account keeps its last valid plans", what)
	}
	for _, rg := range acc.Regions {
		for _, b := range rg.Baselines {
			if !b.OK {
				say("baseline %q: %s %s in %s (%s)", b.Baseline, b.Part, strings.ToLower(b.Status), rg.Region, b.Reason)
			}
		}
		for _, k := range []JobKind{BackupJob, CopyJob, RestoreJob} {
			if n := rg.Jobs[k].Failed; n > 0 {
				say("%d %s job%s failed in %s", n, k, plural(n), rg.Region)
			}
		}
	}
}

type part struct {
	Instance
	region string
}

// instances lists the baseline parts expected in account a and their
// deployment status. The management account gets its stacks only when a
// backup policy reaches it (plan deploys them only then: StackSets never
// deploy there), so unreached, a stack it lacks is not missing.
func instances(a, mgmt *org.Entity, reached bool, bs []*policy.Baseline, live *baseline.Live) []part {
	var out []part
	for _, b := range bs {
		type want struct{ part, region, name string }
		var ws []want
		if b.RoleName != "" && len(b.Regions) > 0 {
			ws = append(ws, want{baseline.PartRole, b.Regions[0], generateName(b.Name, baseline.PartRole)})
		}
		if b.VaultName != "" {
			for _, r := range b.Regions {
				ws = append(ws, want{baseline.PartVault, r, generateName(b.Name, baseline.PartVault)})
			}
		}
		for _, w := range ws {
			in := Instance{Baseline: b.Name, Part: w.part, How: plan.ViaStackSet}
			switch {
			case b.Existing:
				in.How, in.Status, in.OK = plan.ViaExisting, "declared", true
				in.Reason = "existing: true; orgbackup doctor checks it"
			case live == nil:
				in.Status, in.OK, in.Reason = "unknown", true, "deployments not read"
			case a == mgmt:
				in.How = plan.ViaManagement
				in.Status, in.Reason = "MISSING", "no stack "+w.name+" in the management account"
				found := false
				for _, st := range live.Stacks {
					if st.Name == w.name && st.Region == w.region {
						in.Status, in.Reason, found = st.Status, st.Reason, true
						in.OK = strings.HasSuffix(st.Status, "_COMPLETE") && !strings.Contains(st.Status, "ROLLBACK") && st.Status != "DELETE_COMPLETE"
					}
				}
				if !found && !reached {
					continue
				}
			default:
				in.Status, in.Reason = "MISSING", "no stack instance of "+w.name
				for _, ls := range live.StackSets {
					if ls.Name != w.name {
						continue
					}
					for _, i := range ls.Instances {
						if i.Account == a.ID && i.Region == w.region {
							in.Status, in.Reason, in.OK = i.Status, i.Reason, i.Healthy()
							if i.Detailed != "" && i.Detailed != "SUCCEEDED" {
								in.Status += "/" + i.Detailed
							}
						}
					}
				}
			}
			out = append(out, part{Instance: in, region: w.region})
		}
	}
	return out
}

func generateName(b, part string) string {
	if part == baseline.PartRole {
		return generate.RoleStackSetName(b)
	}
	return generate.VaultStackSetName(b)
}

// planRegions lists the Regions of an effective policy's plans.
func planRegions(eff *doc.Node) []string {
	var out []string
	if plans := eff.GetFold("plans"); plans != nil && plans.Kind == doc.Object {
		for _, f := range plans.Fields {
			rs, _ := f.Value.GetFold("regions").Strings()
			out = append(out, rs...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// failures groups failed jobs of the accounts in the report by account,
// kind and reason, most frequent first.
func failures(jobs []Job, accounts []Account) []FailureGroup {
	in := map[string]bool{}
	for _, a := range accounts {
		in[a.ID] = true
	}
	type key struct {
		account string
		kind    JobKind
		reason  string
	}
	groups := map[key]*FailureGroup{}
	for _, j := range jobs {
		if !j.Failed() || !in[j.Account] {
			continue
		}
		reason := j.Message
		if reason == "" {
			reason = j.State + " (no message)"
		}
		k := key{j.Account, j.Kind, reason}
		g := groups[k]
		if g == nil {
			g = &FailureGroup{Account: j.Account, Kind: j.Kind, Reason: reason, Example: j.ID}
			groups[k] = g
		}
		g.Count++
		if !slices.Contains(g.Regions, j.Region) {
			g.Regions = append(g.Regions, j.Region)
		}
		if j.ID < g.Example {
			g.Example = j.ID
		}
	}
	var out []FailureGroup
	for _, g := range groups {
		slices.Sort(g.Regions)
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b FailureGroup) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// NeedsAttention reports whether anything in the report needs a person.
func (r *Report) NeedsAttention() bool { return len(r.Attention) > 0 }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
