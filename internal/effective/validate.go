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
	// targeted marks, by index, the entities some baseline's targets
	// resolve to: the few that reach has to be asked about.
	targeted []bool
	// memo holds each entity's answer, once known, by its index: 1 + the
	// answer's index in answers, 0 for not yet known. Most entities share
	// their parent's answer, so the answers are few and the memo 4 bytes
	// an entity, not the 40 of a reached.
	memo    []int32
	answers []reached
}

// reached is what reaches one entity: the baselines, and a key that is
// equal for equal lists.
type reached struct {
	list []*policy.Baseline
	key  string
}

// NewBaselines resolves the baselines' targets in o. Targets that do not
// resolve reach nothing (Desired reports them for policies; validate for
// baselines).
func NewBaselines(o *org.Org, list []*policy.Baseline) *Baselines {
	n := o.NumEntities()
	b := &Baselines{org: o, list: list, targeted: make([]bool, n), memo: make([]int32, n), answers: []reached{{}}}
	for _, bl := range list {
		m := map[*org.Entity]bool{}
		for _, t := range bl.Targets {
			if e, err := o.Resolve(t.Raw); err == nil {
				m[e] = true
				b.targeted[e.Index()] = true
			}
		}
		b.reach = append(b.reach, m)
	}
	return b
}

// For returns the baselines deployed to account a: those with a target on
// a's chain, in the order of the list. (StackSets skip the management
// account; orgbackup deploys the same templates there as a plain stack, so
// it counts as reached too.) Entities that add no baseline of their own
// share their parent's slice, which callers must not modify.
func (b *Baselines) For(a *org.Entity) []*policy.Baseline {
	if b == nil {
		return nil
	}
	return b.reached(a).list
}

// reached is For with a key, computed once per entity from its parent's:
// a preview asks for every one of 100,000 accounts, most of which add
// nothing to what their OU gets.
func (b *Baselines) reached(e *org.Entity) reached {
	if b == nil || e == nil {
		return reached{}
	}
	return b.answers[b.answer(e)]
}

// answer returns the index in answers of what reaches e, worked out once
// from its parent's.
func (b *Baselines) answer(e *org.Entity) int32 {
	if e == nil {
		return 0 // nothing
	}
	if i := b.memo[e.Index()]; i > 0 {
		return i - 1
	}
	i := b.answer(e.Parent)
	// Only an entity something is deployed to can differ from its parent:
	// the others take its answer without a map lookup per baseline, for
	// each of 100,000 accounts.
	if b.targeted[e.Index()] {
		p := b.answers[i]
		own := false
		for j := range b.list {
			if b.reach[j][e] && !slices.Contains(p.list, b.list[j]) {
				own = true
				break
			}
		}
		if own {
			var names []string
			var list []*policy.Baseline
			for j, bl := range b.list {
				if b.reach[j][e] || slices.Contains(p.list, bl) {
					list = append(list, bl)
					names = append(names, bl.Name)
				}
			}
			b.answers = append(b.answers, reached{list: list, key: strings.Join(names, "\x00")})
			i = int32(len(b.answers) - 1)
		}
	}
	b.memo[e.Index()] = i + 1
	return i
}

// Validate checks an account's effective backup policy: AWS's rules for an
// effective policy (required keys, quotas, schedules, lifecycles) and that
// every vault and role it names exists in the account, in every Region the
// plan needs, given the baselines provided there. Only references that a
// policy for which ours returns true contributes to are checked: for a
// vault named only by someone else's policy, orgbackup cannot know whether
// its owner deployed it. ours == nil skips reference checks. Validate
// returns nothing for an account no backup policy reaches.
//
// eff is s's effective policy; callers usually hold it already (the Engine
// memoises it), and computing it again per account would be wasted work.
func Validate(s *inherit.State, eff *doc.Node, provided []*policy.Baseline, ours func(id string) bool, label func(id string) string) []Problem {
	return validate(nil, s, eff, provided, ours, label)
}

// validate is Validate, checking each plan's document once with memo
// (see backup.Memo). The problems' paths may be shared between accounts.
func validate(memo *backup.Memo, s *inherit.State, eff *doc.Node, provided []*policy.Baseline, ours func(id string) bool, label func(id string) string) []Problem {
	if Empty(eff) {
		return nil
	}
	var out []Problem
	for _, v := range memo.Check(eff, backup.Complete) {
		if v.Warning {
			// AWS accepts it: the policy is valid, if not what its author
			// may expect; validate reports it on the policy itself.
			continue
		}
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
	// One problem per missing vault or role per plan, however many rules
	// or selections name it: the fix is one baseline change.
	type gap struct {
		kind    backup.RefKind
		name    string
		plan    string
		missing string
	}
	var order []gap
	byGap := map[gap][]backup.Ref{}
	for _, ref := range memo.References(eff) {
		if ref.Account != "" {
			continue
		}
		var missing []string
		if ref.Kind == backup.Role {
			if slices.ContainsFunc(provided, func(b *policy.Baseline) bool { return b.RoleName == ref.Name }) {
				continue
			}
		} else {
			for _, r := range ref.Regions {
				if !slices.ContainsFunc(provided, func(b *policy.Baseline) bool {
					return b.VaultName == ref.Name && slices.Contains(b.Regions, r)
				}) {
					missing = append(missing, r)
				}
			}
			if len(missing) == 0 {
				continue
			}
		}
		// Asked only of a reference nothing provides: gathering the
		// contributors walks the reference's subtree, and at 100,000
		// accounts asking it of every reference was 40 ms.
		if !slices.ContainsFunc(s.Contributors(ref.Path...), ours) {
			continue
		}
		g := gap{kind: ref.Kind, name: ref.Name, plan: ref.Plan, missing: strings.Join(missing, ", ")}
		if _, ok := byGap[g]; !ok {
			order = append(order, g)
		}
		byGap[g] = append(byGap[g], ref)
	}
	for _, g := range order {
		refs := byGap[g]
		first := refs[0]
		p := Problem{Path: first.Path}
		if len(refs) > 1 {
			// Several rules or selections: point at what they share.
			p.Path = commonPrefix(refs)
		}
		// The plan's Regions are part of the cause: a policy that only
		// appends a Region contributes to a missing vault there.
		var ids []string
		for _, r := range refs {
			ids = append(ids, s.Contributors(r.Path...)...)
		}
		if g.kind == backup.Vault {
			ids = append(ids, s.Contributors("plans", strings.ToLower(g.plan), "regions")...)
		}
		slices.Sort(ids)
		p.Policies = labels(slices.Compact(ids), label)
		if first.Node != nil {
			p.Pos = first.Node.Pos
		}
		who := describeRefs(refs)
		var bnames []string
		for _, b := range provided {
			bnames = append(bnames, fmt.Sprintf("%q", b.Name))
		}
		deployed := "no baseline is deployed to this account"
		if len(bnames) > 0 {
			deployed = "baselines deployed here: " + strings.Join(bnames, ", ")
		}
		if g.kind == backup.Role {
			p.Code = RoleNotProvided
			p.Message = fmt.Sprintf("%s use%s role %q, which no baseline creates in this account (%s)", who, verbS(len(refs)), g.name, deployed)
			p.Hint = fmt.Sprintf("deploy a baseline with role_name %q to this account or its OU, or change the role", g.name)
		} else {
			p.Code = VaultNotProvided
			p.Message = fmt.Sprintf("%s write%s to vault %q in %s, which no baseline creates in this account (%s)", who, verbS(len(refs)), g.name, g.missing, deployed)
			p.Hint = fmt.Sprintf("add %s to the regions of the baseline that creates vault %q here (or deploy one), or stop the plan running in %s", g.missing, g.name, g.missing)
		}
		out = append(out, p)
	}
	return out
}

// describeRefs names the rules or selections that share a missing vault or
// role, briefly: `rules "r0", "r1" and 7 more of plan "daily"`.
func describeRefs(refs []backup.Ref) string {
	if len(refs) == 1 {
		return refs[0].Where
	}
	sameKind := true
	var names []string
	for _, r := range refs {
		if len(r.Path) < 4 || r.Path[2] != refs[0].Path[2] || len(r.Path) != len(refs[0].Path) {
			sameKind = false
		}
		names = append(names, fmt.Sprintf("%q", r.Path[min(3, len(r.Path)-1)]))
	}
	const shown = 3
	list := strings.Join(names, ", ")
	if len(names) > shown {
		list = fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
	}
	if sameKind {
		kind := "rules"
		if refs[0].Path[2] == "selections" {
			kind = "selections"
		}
		return fmt.Sprintf("%s %s of plan %q", kind, list, refs[0].Plan)
	}
	return fmt.Sprintf("%d places in plan %q", len(refs), refs[0].Plan)
}

// verbS is the third-person "s" for one subject.
func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// commonPrefix returns the longest path shared by the references.
func commonPrefix(refs []backup.Ref) []string {
	p := refs[0].Path
	for _, r := range refs[1:] {
		n := 0
		for n < len(p) && n < len(r.Path) && strings.EqualFold(p[n], r.Path[n]) {
			n++
		}
		p = p[:n]
	}
	return slices.Clone(p)
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
