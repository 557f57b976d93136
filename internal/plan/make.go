package plan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// MaxPolicies is the Organizations quota of backup policies in one
// organization.
const MaxPolicies = 1000

// Input is what a plan is made from: the repository (desired) and the
// organization as it is (actual), from a snapshot file or the live reader.
type Input struct {
	Repo   *policy.Repo
	Actual *org.Org
	// AllowDestroy is `plan --allow-destroy`; it is recorded in the plan
	// and digested with the inputs.
	AllowDestroy bool
	// Rel turns a definition file as the loader names it into the
	// repository-relative, slash-separated path that the source tag and
	// the changes carry, so plans made in different directories agree.
	// Nil keeps the name as it is.
	Rel func(file string) string
	// Against says what Actual was read from, for people.
	Against string
	// Baselines plans the member baselines against the desired
	// organization (package baseline provides it); nil plans none.
	Baselines func(desired *org.Org) *BaselinePart
	// NoLiveDigest leaves Plan.LiveDigest empty, for a plan that is shown
	// and never saved (preview, effective, verify): the digest encodes the
	// whole organization, 0.35 s of CPU at 100,000 accounts.
	NoLiveDigest bool
}

// Make computes the plan that turns in.Actual into what in.Repo defines:
// prerequisites, policies created, updated, adopted and tagged,
// attachments added and removed, managed policies the repository no longer
// defines detached and deleted (destructive), every account's effective
// policy change, and the problems that forbid applying it. Make is pure
// and deterministic: the same input gives the same plan, and the same
// bytes from Encode.
func Make(in Input) *Plan {
	// The live digest encodes the whole organization (30 MB at 100,000
	// accounts) and reads nothing Make changes: it runs alongside.
	live := make(chan string, 1)
	if in.NoLiveDigest {
		live <- ""
	} else {
		go func() { live <- LiveDigest(in.Actual) }()
	}
	m := &maker{in: in, repository: in.Repo.Repository(), rel: in.Rel}
	if m.rel == nil {
		m.rel = func(s string) string { return s }
	}
	m.desire()
	// Every account's effective policy, before and after, is most of a
	// large plan's work and reads only the two organizations and the
	// repository's baselines, none of which the rest of Make changes: it
	// runs while the changes are worked out, which at 100,000 accounts
	// took 0.1 s on one core while the other idled.
	previewed := make(chan *effective.Preview, 1)
	go func() {
		previewed <- effective.Compute(m.in.Actual, m.desired, m.in.Repo.Baselines, func(q *org.Policy) bool { return m.ours[q] })
	}()
	pre := m.prerequisites()
	var bp *BaselinePart
	if in.Baselines != nil {
		bp = in.Baselines(m.desired)
	}
	// Baselines deploy before any policy needs them; their removals go
	// after the policies that used them are detached and deleted.
	var deploy, remove []Change
	if bp != nil {
		for _, c := range bp.Changes {
			if c.Phase == PhaseBaselines {
				deploy = append(deploy, c)
			} else {
				remove = append(remove, c)
			}
		}
		m.problems = append(m.problems, bp.Problems...)
	}
	m.changes = append(append(append(pre, deploy...), m.policyChanges()...), remove...)
	m.quotas()

	p := &Plan{
		FormatVersion: FormatVersion,
		AllowDestroy:  in.AllowDestroy,
		Organization:  in.Actual.Info.ID,
		Against:       in.Against,
		Changes:       m.changes,
		Desired:       m.desired,
	}
	if bp != nil {
		p.Coverage, p.BaselineNotes = bp.Coverage, bp.Notes
	}
	m.effective(p, <-previewed)
	if n := len(p.Destructive()); n > 0 && !in.AllowDestroy {
		m.problem(SeverityWarning, CodeDestroyNotAllowed, "", "",
			"the plan has %s that remove%s what orgbackup manages (listed first); apply carries %s out only if the plan was made with --allow-destroy",
			countOf(n, "destructive change", "destructive changes"), map[bool]string{true: "s", false: ""}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1]).
			hint("review them, then run `orgbackup plan --allow-destroy`; or define the policy (or target) again to keep it")
	}
	p.Problems = m.sortedProblems()
	p.Summary = summarize(p)
	p.InputsDigest = m.inputsDigest()
	p.LiveDigest = <-live
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Effective == nil {
		p.Effective = []EffectiveGroup{}
	}
	return p
}

// ownership says how the plan treats a repository policy.
type ownership int

const (
	toCreate ownership = iota + 1 // no policy of that name exists
	owned                         // the existing policy is orgbackup's
	toAdopt                       // not orgbackup's, and the definition says adopt: true
	notOurs                       // not orgbackup's: never touched; a plan error
)

// def is one repository policy as the plan sees it.
type def struct {
	p       *policy.Policy
	doc     *doc.Node // operator form, as sent to AWS; nodes keep the author's positions
	content string    // minified: exactly what CreatePolicy/UpdatePolicy send
	source  string    // repository-relative definition file
	tags    map[string]string
	own     ownership
	actual  *org.Policy // the organization's policy of that name; nil for toCreate
	desired *org.Policy // its counterpart in the desired organization; nil for notOurs
	targets []*org.Entity
	posOf   map[*org.Entity]doc.Pos
}

type maker struct {
	in         Input
	repository string
	rel        func(string) string

	defs     []*def
	orphans  []*org.Policy // managed policies the repository no longer defines (actual side)
	desired  *org.Org
	ours     map[*org.Policy]bool // desired-side policies the repository defines
	changes  []Change
	problems []Problem
	unknown  []string // settings the actual organization does not record
}

func (m *maker) source(pos doc.Pos) string {
	if pos.File == "" {
		return ""
	}
	f := m.rel(pos.File)
	if !pos.IsValid() {
		return f
	}
	return fmt.Sprintf("%s:%d:%d", f, pos.Line, pos.Col)
}

// problemRef lets Make add a hint to the problem it just recorded.
type problemRef struct {
	m *maker
	i int
}

func (r problemRef) hint(format string, args ...any) {
	r.m.problems[r.i].Hint = fmt.Sprintf(format, args...)
}

func (m *maker) problem(sev, code, source, pol, format string, args ...any) problemRef {
	m.problems = append(m.problems, Problem{Severity: sev, Code: code, Source: source, Policy: pol, Message: fmt.Sprintf(format, args...)})
	return problemRef{m, len(m.problems) - 1}
}

// sortedProblems orders problems errors first, then by source, code and
// message, so the same input always reports them in the same order.
func (m *maker) sortedProblems() []Problem {
	rank := map[string]int{SeverityError: 0, SeverityWarning: 1, SeverityNotice: 2}
	ps := slices.Clone(m.problems)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(rank[a.Severity], rank[b.Severity]), strings.Compare(a.Source, b.Source),
			strings.Compare(a.Code, b.Code), strings.Compare(a.Policy, b.Policy), strings.Compare(a.Message, b.Message))
	})
	if ps == nil {
		ps = []Problem{}
	}
	return ps
}

// desire builds the desired organization: each repository policy that
// orgbackup may manage replaces the organization's policy of the same name
// (or is added) and is attached exactly at its targets; managed policies
// the repository no longer defines are detached everywhere; everything
// else keeps its content and attachments.
//
// New attachments go after the existing ones at each entity: that is where
// AttachPolicy puts them, and attachment order decides same-level
// conflicts.
func (m *maker) desire() {
	actual := m.in.Actual
	// The plan replaces the documents of the policies it defines and
	// never edits one in place.
	o := actual.CloneSharingContent()
	m.desired = o
	m.ours = map[*org.Policy]bool{}
	for _, p := range m.in.Repo.Policies {
		d := &def{p: p, doc: generate.Document(p), source: m.rel(p.Pos.File), posOf: map[*org.Entity]doc.Pos{}}
		d.content = string(d.doc.Compact())
		d.tags = Tags(d.source, m.repository)
		d.actual = actual.PolicyOfType(policy.Type, p.Name)
		m.defs = append(m.defs, d)
		if !validTagValue(d.source) {
			m.problem(SeverityError, "bad-tag-value", m.source(p.Pos), p.Name,
				"the definition file %q of policy %q cannot be an Organizations tag value (%s), which the policy carries", d.source, p.Name, policy.TagSource).
				hint("rename the file using letters, digits, spaces and _.:/=+-@ only, at most 256 characters")
		}
		switch {
		case d.actual == nil:
			d.own = toCreate
			d.desired = &org.Policy{Name: p.Name, Type: policy.Type, Description: p.Description, Tags: d.tags, Content: d.doc}
			o.AddPolicy(d.desired)
			if p.Adopt {
				m.problem(SeverityNotice, "nothing-to-adopt", m.source(p.Pos), p.Name,
					"policy %q says adopt: true, but the organization has no policy of that name; it will be created", p.Name)
			}
		case d.actual.AWSManaged:
			d.own = notOurs
			m.problem(SeverityError, CodeNotOwned, m.source(p.Pos), p.Name,
				"policy %q is an AWS managed policy (%s); orgbackup cannot change or adopt it", p.Name, d.actual.ID).
				hint("rename the policy in the repository")
		case Owned(d.actual, m.repository) || p.Adopt:
			d.own = owned
			if !Owned(d.actual, m.repository) {
				d.own = toAdopt
			} else if p.Adopt {
				m.problem(SeverityNotice, "already-owned", m.source(p.Pos), p.Name,
					"policy %q says adopt: true, but it is orgbackup's already; the line can go", p.Name)
			}
			d.desired = o.PolicyOfType(policy.Type, d.actual.ID)
			d.desired.Content = d.doc
			d.desired.Description = p.Description
			if d.desired.Tags == nil {
				d.desired.Tags = map[string]string{}
			}
			for k, v := range d.tags {
				d.desired.Tags[k] = v
			}
		default:
			d.own = notOurs
			m.notOurs(d)
		}
		if d.desired == nil {
			continue
		}
		m.ours[d.desired] = true
		for _, t := range p.Targets {
			ent, err := actual.Resolve(t.Raw)
			if err != nil {
				msg := fmt.Sprintf("policy %q is attached to %q, which is not in the organization", p.Name, t.Raw)
				hint := "use a target that exists: a path such as Root/Workloads, an OU id, or an account id"
				var re *org.ResolveError
				if errors.As(err, &re) {
					msg, hint = fmt.Sprintf("policy %q: %s", p.Name, re.Msg), re.Hint
				}
				m.problem(SeverityError, "unknown-target", m.source(t.Pos), p.Name, "%s", msg).hint("%s", hint)
				continue
			}
			if !slices.Contains(d.targets, ent) {
				d.targets = append(d.targets, ent)
				d.posOf[ent] = t.Pos
			}
		}
	}
	for _, p := range actual.Policies() {
		if p.Type == policy.Type && Owned(p, m.repository) && m.in.Repo.Policy(p.Name) == nil {
			m.orphans = append(m.orphans, p)
		}
	}
	slices.SortFunc(m.orphans, func(a, b *org.Policy) int { return strings.Compare(a.Name, b.Name) })

	// Re-attach: every entity that holds one of our policies now, or will.
	targets := map[*org.Policy][]*org.Entity{}
	touched := map[*org.Entity]bool{}
	var ours []*org.Policy
	for _, d := range m.defs {
		if d.desired == nil {
			continue
		}
		ours = append(ours, d.desired)
		targets[d.desired] = d.targets
		for _, e := range o.Targets(d.desired) {
			touched[e] = true
		}
		for _, e := range d.targets {
			touched[e] = true
		}
	}
	gone := map[*org.Policy]bool{}
	for _, p := range m.orphans {
		dp := o.PolicyOfType(policy.Type, p.ID)
		gone[dp] = true
		for _, e := range o.Targets(dp) {
			touched[e] = true
		}
	}
	for _, e := range sortedEntities(touched) {
		var list []*org.Policy
		for _, p := range o.Attached(e, policy.Type) {
			switch {
			case gone[p]:
			case !m.ours[p] || slices.Contains(targets[p], e):
				list = append(list, p)
			}
		}
		for _, p := range ours {
			if slices.Contains(targets[p], e) && !slices.Contains(list, p) {
				list = append(list, p)
			}
		}
		o.SetAttachments(e, policy.Type, list)
	}
}

// notOurs reports a repository policy whose name is taken by a policy
// orgbackup does not own. The plan leaves that policy alone.
func (m *maker) notOurs(d *def) {
	why := fmt.Sprintf("it lacks the tag %s=%s", policy.TagManagedBy, policy.ManagedBy)
	if d.actual.Tags[policy.TagManagedBy] == policy.ManagedBy {
		other := d.actual.Tags[policy.TagRepository]
		if other == "" {
			why = fmt.Sprintf("orgbackup manages it without a repository tag, and this repository sets organization.repository %q", m.repository)
		} else {
			why = fmt.Sprintf("orgbackup manages it for the repository %q, not %q", other, m.repository)
		}
	}
	m.problem(SeverityError, CodeNotOwned, m.source(d.p.Pos), d.p.Name,
		"policy %q already exists in the organization (%s) and is not orgbackup's: %s; orgbackup never changes a policy it does not own",
		d.p.Name, d.actual.ID, why).
		hint("to take it over, add adopt: true to its definition (`orgbackup import --from-org --policy %s` writes the live policy's definition with it) and the next plan shows the adoption; otherwise rename the policy in the repository", d.p.Name)
}

func (m *maker) target(e *org.Entity) *Target {
	return &Target{ID: e.ID, Kind: e.Kind.String(), Path: m.in.Actual.Path(e)}
}

// policyChanges compares every repository policy and every orphan with
// the organization, phase by phase.
func (m *maker) policyChanges() []Change {
	var pol, attach, detach, del []Change
	for _, d := range m.defs {
		p := d.p
		switch d.own {
		case notOurs:
			continue
		case toCreate:
			pol = append(pol, Change{Action: CreatePolicy, Phase: PhasePolicies, Policy: p.Name,
				After: d.content, Description: p.Description, Tags: d.tags, Source: m.source(p.Pos),
				Reason: "new policy"})
		case toAdopt:
			pol = append(pol, Change{Action: AdoptPolicy, Phase: PhasePolicies, Policy: p.Name, PolicyID: d.actual.ID,
				Tags: d.tags, Source: m.source(p.Pos),
				Reason: "the definition says adopt: true; the policy is not orgbackup's yet"})
		}
		if d.actual != nil {
			before := ""
			if d.actual.Content != nil {
				before = string(d.actual.Content.Compact())
			}
			// Both sides are canonical (sorted keys, no insignificant
			// space), so whitespace and key order never show as changes.
			if before != d.content || d.actual.Description != p.Description {
				reason := "content changes"
				switch {
				case before == d.content:
					reason = "description changes"
				case d.actual.Description != p.Description:
					reason = "content and description change"
				}
				pol = append(pol, Change{Action: UpdatePolicy, Phase: PhasePolicies, Policy: p.Name, PolicyID: d.actual.ID,
					Before: before, After: d.content, Description: p.Description, BeforeDescription: d.actual.Description,
					Source: m.source(p.Pos), Reason: reason})
			}
			if d.own == owned {
				if stale := staleTags(d.actual.Tags, d.tags); len(stale) > 0 {
					pol = append(pol, Change{Action: TagPolicy, Phase: PhasePolicies, Policy: p.Name, PolicyID: d.actual.ID,
						Tags: d.tags, Source: m.source(p.Pos), Reason: "orgbackup's tags are out of date: " + strings.Join(stale, ", ")})
				}
			}
		}
		var current []*org.Entity
		if d.actual != nil {
			current = m.in.Actual.Targets(d.actual)
		}
		for _, e := range d.targets {
			if !slices.Contains(current, e) {
				attach = append(attach, Change{Action: Attach, Phase: PhaseAttach, Policy: p.Name, PolicyID: idOf(d.actual),
					Target: m.target(e), Source: m.source(d.posOf[e]), Reason: "in the policy's targets"})
			}
		}
		for _, e := range current {
			if !slices.Contains(d.targets, e) {
				c := Change{Action: Detach, Phase: PhaseDetach, Policy: p.Name, PolicyID: d.actual.ID,
					Target: m.target(e), Source: m.source(p.Pos), Reason: "no longer in the policy's targets"}
				if e.Kind == org.Root {
					c.Destructive = true
					c.Reason += "; detaching from the root removes the policy from every account"
				}
				detach = append(detach, c)
			}
		}
	}
	for _, p := range m.orphans {
		for _, e := range m.in.Actual.Targets(p) {
			detach = append(detach, Change{Action: Detach, Phase: PhaseDetach, Policy: p.Name, PolicyID: p.ID,
				Target: m.target(e), Destructive: true, Reason: "the repository no longer defines the policy"})
		}
		del = append(del, Change{Action: DeletePolicy, Phase: PhaseDelete, Policy: p.Name, PolicyID: p.ID,
			Before: string(p.Content.Compact()), BeforeDescription: p.Description, Destructive: true,
			Reason: "the repository no longer defines the policy, which orgbackup manages (" + p.Tags[policy.TagSource] + ")"})
	}
	slices.SortStableFunc(detach, func(a, b Change) int { return strings.Compare(a.Policy, b.Policy) })
	return slices.Concat(pol, attach, detach, del)
}

// staleTags lists the orgbackup tags of want that have differs from or
// are missing in have.
func staleTags(have, want map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(want) {
		if v, ok := have[k]; !ok || v != want[k] {
			out = append(out, k)
		}
	}
	return out
}

func idOf(p *org.Policy) string {
	if p == nil {
		return ""
	}
	return p.ID
}

// quotas checks the Organizations hard limits the plan would hit: 10
// backup policies attached directly to one entity, at every moment of the
// apply (which attaches before it detaches), and 1,000 backup policies in
// the organization (which it creates before it deletes).
func (m *maker) quotas() {
	attaching := map[*org.Entity][]Change{}
	for _, c := range m.changes {
		if c.Action == Attach {
			e := m.in.Actual.Entity(c.Target.ID)
			attaching[e] = append(attaching[e], c)
		}
	}
	for _, e := range sortedEntities(keys(attaching)) {
		cs := attaching[e]
		final := len(m.desired.Attached(e, policy.Type))
		peak := len(m.in.Actual.Attached(e, policy.Type)) + len(cs)
		path := m.in.Actual.Path(e)
		switch {
		case final > org.MaxAttachedPerType:
			m.problem(SeverityError, "too-many-attachments", cs[0].Source, cs[0].Policy,
				"%d backup policies would be attached directly to %s (%s); Organizations allows %d",
				final, path, e.ID, org.MaxAttachedPerType).
				hint("merge policies, or attach some to the OUs or accounts below %s", path)
		case peak > org.MaxAttachedPerType:
			m.problem(SeverityError, "too-many-attachments", cs[0].Source, cs[0].Policy,
				"apply attaches before it detaches, so %s (%s) would briefly hold %d backup policies; Organizations allows %d",
				path, e.ID, peak, org.MaxAttachedPerType).
				hint("apply in two steps: first remove the targets that go, apply, then add the new ones")
		}
	}
	n := 0
	for _, p := range m.in.Actual.Policies() {
		if p.Type == policy.Type {
			n++
		}
	}
	creates := 0
	for _, c := range m.changes {
		if c.Action == CreatePolicy {
			creates++
		}
	}
	if creates > 0 && n+creates > MaxPolicies {
		m.problem(SeverityError, "too-many-policies", "", "",
			"the organization would have %d backup policies (%d now, %d to create); Organizations allows %d", n+creates, n, creates, MaxPolicies).
			hint("merge policies; policies to delete count until apply deletes them, after creating")
	}
}

// effective computes every account's effective-policy change and turns
// accounts that would get an invalid policy into problems: an error where
// the plan changes the account's policy, a warning where the account is
// invalid already and the plan does not change it.
func (m *maker) effective(p *Plan, pv *effective.Preview) {
	p.Preview = pv
	groups := pv.Groups()
	// The groups' accounts are filled in one pass over the accounts in id
	// order: group by group, each account was a cache miss on its entity,
	// 30 ms at 100,000 accounts.
	accounts := make([][]Account, len(groups))
	for i, g := range groups {
		accounts[i] = make([]Account, 0, len(g.Accounts))
	}
	for _, a := range pv.Accounts {
		if i := pv.GroupOf(a); i >= 0 {
			accounts[i] = append(accounts[i], Account{ID: a.Account.ID, Name: a.Account.Name, Path: a.Path})
		}
	}
	for i, g := range groups {
		eg := EffectiveGroup{Changed: g.Changed, before: g.Before, after: g.After, Accounts: accounts[i]}
		var codes []string
		for _, pr := range g.Problems {
			eg.Problems = append(eg.Problems, EffectiveProblem{Code: pr.Code, Path: pr.PathString(), Message: pr.Message,
				Hint: pr.Hint, Policies: pr.Policies, Source: m.source(pr.Pos)})
			if c := pr.Code + " at " + pr.PathString(); !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
		for _, n := range g.Notes {
			// Positions as everywhere in the plan: repository-relative.
			if n.Pos.File != "" {
				n.Pos.File = m.rel(n.Pos.File)
			}
			eg.Notes = append(eg.Notes, n.String())
		}
		p.Effective = append(p.Effective, eg)
		if len(g.Problems) == 0 {
			continue
		}
		who := accountList(eg.Accounts)
		src := ""
		if len(eg.Problems) > 0 {
			src = eg.Problems[0].Source
		}
		if eg.Changed {
			m.problem(SeverityError, CodeInvalidEffective, src, "",
				"%s would get an invalid effective backup policy (%s); AWS would keep their last valid policy and report nothing",
				who, strings.Join(codes, "; ")).
				hint("see the effective policy changes below for the contributing policies and the fix")
		} else {
			m.problem(SeverityWarning, CodeInvalidEffective, src, "",
				"%s already %s an invalid effective backup policy (%s), which this plan does not change",
				who, map[bool]string{true: "has", false: "have"}[len(eg.Accounts) == 1], strings.Join(codes, "; "))
		}
	}
}

// accountList names up to three accounts and counts the rest.
func accountList(as []Account) string {
	var ids []string
	for i, a := range as {
		if i == 3 {
			ids = append(ids, fmt.Sprintf("and %d more", len(as)-3))
			break
		}
		ids = append(ids, a.ID)
	}
	if len(as) == 1 {
		return "account " + ids[0]
	}
	return fmt.Sprintf("%d accounts (%s)", len(as), strings.Join(ids, ", "))
}

func summarize(p *Plan) Summary {
	var s Summary
	updated := map[string]bool{}
	for _, c := range p.Changes {
		switch c.Action {
		case CreatePolicy:
			s.Create++
		case UpdatePolicy, TagPolicy:
			updated[c.Policy] = true
		case DeletePolicy:
			s.Delete++
		case AdoptPolicy:
			s.Adopt++
		case Attach:
			s.Attach++
		case Detach:
			s.Detach++
		default:
			switch {
			case c.Action.IsBaseline():
				s.Baselines++
			case c.Phase == PhasePrerequisites:
				s.Prerequisites++
			}
		}
		if c.Destructive {
			s.Destructive++
		}
	}
	s.Update = len(updated)
	if p.Preview != nil {
		s.Accounts = len(p.Preview.Accounts)
	}
	for _, g := range p.Effective {
		if g.Changed {
			s.AccountsChanged += len(g.Accounts)
		}
		if len(g.Problems) > 0 {
			s.AccountsInvalid += len(g.Accounts)
		}
	}
	for _, pr := range p.Problems {
		switch pr.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		}
	}
	return s
}

func rawJSON(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}")
	}
	return b
}

func keys[V any](m map[*org.Entity]V) map[*org.Entity]bool {
	out := make(map[*org.Entity]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sortedEntities orders entities root first, then OUs, then accounts, each
// by id.
func sortedEntities(m map[*org.Entity]bool) []*org.Entity {
	out := make([]*org.Entity, 0, len(m))
	for e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *org.Entity) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.ID, b.ID))
	})
	return out
}
