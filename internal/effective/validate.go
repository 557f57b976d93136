package effective

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Problem codes beyond backup's: a vault or role the effective policy needs
// that no baseline creates for the account.
const (
	VaultNotProvided = "VAULT_NOT_PROVIDED"
	RoleNotProvided  = "ROLE_NOT_PROVIDED"
)

// Problem is one reason an account's effective backup policy would not
// work: AWS would reject it (and silently keep the account's last valid
// policy), or it names a vault or role that is not there.
type Problem struct {
	Code string
	// Path is the path in the effective policy, as Organizations'
	// ListEffectivePolicyValidationErrors prints PathToError.
	Path    []string
	Message string
	Hint    string
	// Policies are the policies that contributed to the problem's part of
	// the effective policy, as labels ("name (p-id)").
	Policies []string
	// Pos is the source position of the offending value where known.
	Pos doc.Pos
}

// PathString renders the path as Organizations does.
func (p Problem) PathString() string { return strings.Join(p.Path, "/") }

// Baselines answers which baselines reach an account.
type Baselines struct {
	org   *org.Org
	list  []*policy.Baseline
	reach []map[*org.Entity]bool // per baseline: the entities its targets resolve to
}

// NewBaselines resolves the baselines' targets in o. Targets that do not
// resolve reach nothing (Desired reports them for policies; validate for
// baselines).
func NewBaselines(o *org.Org, list []*policy.Baseline) *Baselines {
	b := &Baselines{org: o, list: list}
	for _, bl := range list {
		m := map[*org.Entity]bool{}
		for _, t := range bl.Targets {
			if e, err := o.Resolve(t.Raw); err == nil {
				m[e] = true
			}
		}
		b.reach = append(b.reach, m)
	}
	return b
}

// For returns the baselines deployed to account a: those with a target on
// a's chain. (StackSets skip the management account; orgbackup deploys the
// same templates there as a plain stack, so it counts as reached too.)
func (b *Baselines) For(a *org.Entity) []*policy.Baseline {
	if b == nil {
		return nil
	}
	var out []*policy.Baseline
	chain := b.org.Chain(a)
	for i, bl := range b.list {
		for _, e := range chain {
			if b.reach[i][e] {
				out = append(out, bl)
				break
			}
		}
	}
	return out
}

// Validate checks an account's effective backup policy: AWS's rules for an
// effective policy (required keys, quotas, schedules, lifecycles) and that
// every vault and role it names exists in the account, in every Region the
// plan needs, given the baselines provided there. Only references that a
// policy for which ours returns true contributes to are checked: for a
// vault named only by someone else's policy, orgbackup cannot know whether
// its owner deployed it. ours == nil skips reference checks. Validate
// returns nothing for an account no backup policy reaches.
func Validate(s *inherit.State, provided []*policy.Baseline, ours func(id string) bool, label func(id string) string) []Problem {
	eff := s.Effective()
	if Empty(eff) {
		return nil
	}
	var out []Problem
	for _, v := range backup.Check(eff, backup.Complete) {
		p := Problem{Code: v.Code, Path: v.Path, Message: v.Message, Hint: v.Hint}
		if v.Node != nil {
			p.Pos = v.Node.Pos
		}
		p.Policies = labels(s.Contributors(v.Path...), label)
		out = append(out, p)
	}
	if ours == nil {
		return out
	}
	for _, ref := range backup.References(eff) {
		contributors := s.Contributors(ref.Path...)
		if ref.Account != "" || !slices.ContainsFunc(contributors, ours) {
			continue
		}
		var missing []string
		found := false
		if ref.Kind == backup.Role {
			for _, b := range provided {
				if b.RoleName == ref.Name {
					found = true
				}
			}
			if found {
				continue
			}
		} else {
			for _, r := range ref.Regions {
				ok := false
				for _, b := range provided {
					if b.VaultName == ref.Name && slices.Contains(b.Regions, r) {
						ok = true
					}
				}
				if !ok {
					missing = append(missing, r)
				}
			}
			if len(missing) == 0 {
				continue
			}
		}
		p := Problem{Path: ref.Path, Policies: labels(contributors, label)}
		if ref.Node != nil {
			p.Pos = ref.Node.Pos
		}
		var names []string
		for _, b := range provided {
			names = append(names, fmt.Sprintf("%q", b.Name))
		}
		deployed := "no baseline is deployed to this account"
		if len(names) > 0 {
			deployed = "baselines deployed here: " + strings.Join(names, ", ")
		}
		if ref.Kind == backup.Role {
			p.Code = RoleNotProvided
			p.Message = fmt.Sprintf("%s uses role %q, which no baseline creates in this account (%s)", ref.Where, ref.Name, deployed)
			p.Hint = fmt.Sprintf("deploy a baseline with role_name %q to this account's OU, or change the role", ref.Name)
		} else {
			p.Code = VaultNotProvided
			p.Message = fmt.Sprintf("%s writes to vault %q in %s, which no baseline creates in this account (%s)", ref.Where, ref.Name, strings.Join(missing, ", "), deployed)
			p.Hint = fmt.Sprintf("deploy a baseline with vault_name %q and regions %s to this account's OU, or change the vault", ref.Name, strings.Join(missing, ", "))
		}
		out = append(out, p)
	}
	return out
}

func labels(ids []string, label func(string) string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if label != nil {
			out = append(out, label(id))
		} else {
			out = append(out, id)
		}
	}
	return out
}

// Label returns a function naming a policy id for reports: "name (p-id)".
func Label(o *org.Org) func(string) string {
	return func(id string) string {
		p := o.Policy(id)
		if p == nil || p.ID == "" || p.Name == id {
			return id
		}
		return fmt.Sprintf("%s (%s)", p.Name, p.ID)
	}
}
