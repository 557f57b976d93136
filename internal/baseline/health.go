package baseline

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Failure is a baseline part that did not deploy in an account and Region:
// a failed stack instance, a failed management stack, a StackSet operation
// that failed as a whole. An empty Account or Region means every one.
type Failure struct {
	Baseline string `json:"baseline"`
	Part     string `json:"part"` // PartRole or PartVault
	Account  string `json:"account,omitempty"`
	Region   string `json:"region,omitempty"`
	Reason   string `json:"reason"`
}

func (f Failure) String() string {
	where := "every account"
	if f.Account != "" {
		where = "account " + f.Account
	}
	if f.Region != "" {
		where += " in " + f.Region
	}
	return fmt.Sprintf("baseline %q: %s failed in %s: %s", f.Baseline, f.Part, where, f.Reason)
}

func (f Failure) covers(account, region string) bool {
	return (f.Account == "" || f.Account == account) && (f.Region == "" || region == "" || f.Region == region)
}

// Health collects the failures of the baseline phase, so that apply can
// skip exactly the policy attachments that need a role or vault that is not
// there. It is safe for concurrent use.
type Health struct {
	mu       sync.Mutex
	failures []Failure
}

// Add records a failure.
func (h *Health) Add(f Failure) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures = append(h.failures, f)
}

// Failures returns the failures recorded, sorted.
func (h *Health) Failures() []Failure {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.failures)
	slices.SortFunc(out, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(a.Baseline, b.Baseline), cmp.Compare(a.Part, b.Part), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
	})
	return slices.CompactFunc(out, func(a, b Failure) bool { return a == b })
}

// OK reports whether nothing failed.
func (h *Health) OK() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.failures) == 0
}

// Blocker answers, after the baseline phase, whether a policy change
// depends on a baseline that failed.
type Blocker struct {
	health  *Health
	desired *org.Org
	repo    *policy.Repo
	engine  *effective.Engine
	bl      *effective.Baselines
}

// NewBlocker prepares the dependency checks for the desired organization
// (the actual one with the repository's policies at their targets).
func NewBlocker(h *Health, desired *org.Org, repo *policy.Repo) *Blocker {
	return &Blocker{health: h, desired: desired, repo: repo,
		engine: effective.NewEngine(desired, policy.Type), bl: effective.NewBaselines(desired, repo.Baselines)}
}

// Blocks reports whether attaching the named policy to target (a root, OU
// or account id) needs a role or vault that failed to deploy in one of the
// accounts the attachment reaches, and if so why. The attachment is
// all-or-nothing for its target, so one such account blocks it.
func (b *Blocker) Blocks(policyName, targetID string) (reason string, blocked bool) {
	failures := b.health.Failures()
	if len(failures) == 0 {
		return "", false
	}
	pol := b.desired.PolicyOfType(policy.Type, policyName)
	target := b.desired.Entity(targetID)
	if pol == nil || target == nil {
		return "", false
	}
	ours := func(id string) bool { return id == pol.ID && id != "" || id == pol.Name }
	for _, a := range b.desired.AccountsUnder(target) {
		var here []Failure
		for _, f := range failures {
			if f.covers(a.ID, "") {
				here = append(here, f)
			}
		}
		if len(here) == 0 {
			continue
		}
		s := b.engine.State(a)
		eff := b.engine.Effective(s)
		provided := b.bl.For(a)
		before := missing(effective.Validate(s, eff, provided, ours, nil))
		after := missing(effective.Validate(s, eff, withoutFailures(provided, here, a.ID), ours, nil))
		if after > before {
			var why []string
			for _, f := range here {
				why = append(why, f.String())
			}
			return fmt.Sprintf("policy %q needs a role or vault in account %s (%s) that failed to deploy: %s",
				policyName, a.ID, b.desired.Path(a), strings.Join(firstN(why, 3), "; ")), true
		}
	}
	return "", false
}

// BlocksPolicy reports whether changing the content of an attached policy
// depends on a failed baseline at any of its targets.
func (b *Blocker) BlocksPolicy(policyName string) (reason string, blocked bool) {
	pol := b.desired.PolicyOfType(policy.Type, policyName)
	if pol == nil {
		return "", false
	}
	for _, t := range b.desired.Targets(pol) {
		if r, ok := b.Blocks(policyName, t.ID); ok {
			return r, ok
		}
	}
	return "", false
}

func missing(ps []effective.Problem) int {
	n := 0
	for _, p := range ps {
		if p.Code == effective.VaultNotProvided || p.Code == effective.RoleNotProvided {
			n++
		}
	}
	return n
}

// withoutFailures returns copies of the baselines with the parts that
// failed in account taken away: no role, or no vault in the failed Regions.
func withoutFailures(bs []*policy.Baseline, fs []Failure, account string) []*policy.Baseline {
	out := make([]*policy.Baseline, 0, len(bs))
	for _, b := range bs {
		c := *b
		for _, f := range fs {
			if f.Baseline != b.Name || !f.covers(account, "") {
				continue
			}
			switch {
			case f.Part == PartRole:
				c.RoleName = ""
			case f.Region == "":
				c.VaultName = ""
			default:
				c.Regions = slices.DeleteFunc(slices.Clone(c.Regions), func(r string) bool { return r == f.Region })
			}
		}
		out = append(out, &c)
	}
	return out
}

// OperationID is the StackSet operation id of a change: derived from the
// plan's inputs digest and the change, so that apply, run again after a
// crash with the same inputs, finds the operation it submitted (still
// running, or done) instead of submitting another. attempt counts
// submissions of the same change whose operations ended without bringing
// the StackSet to the desired state (a failure, a later drift): each gets
// its own id, as StackSets refuses to reuse one.
func OperationID(inputsDigest string, c plan.Change, attempt int) string {
	b, err := json.Marshal(c)
	if err != nil {
		// A Change is strings, maps and slices of strings: it always
		// encodes.
		panic("baseline: encoding a change: " + err.Error())
	}
	h := sha256.New()
	h.Write([]byte(inputsDigest))
	h.Write([]byte{0})
	h.Write(b)
	id := "orgbackup-" + hex.EncodeToString(h.Sum(nil))[:32]
	if attempt > 0 {
		id += fmt.Sprintf("-%d", attempt)
	}
	return id
}
