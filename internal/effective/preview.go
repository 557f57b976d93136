package effective

import (
	"bytes"
	"github.com/orgbackup/orgbackup/internal/backup"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Account is one account's preview.
type Account struct {
	Account *org.Entity
	Path    string
	// Before and After are the effective policies under the current and
	// the desired attachments: Bytes is their canonical indented JSON.
	// Accounts whose policies are equal share them.
	Before, After *inherit.Doc
	Changed       bool
	Problems      []Problem
	// Notes are what the inheritance engine ignored in the desired state:
	// operators a parent forbids, same-level overrides.
	Notes []inherit.Note

	group int // 1 + its group's key (see Group.key), 0 if none (set by Groups)
}

// Group is a set of accounts that see the same change and the same
// problems, so a preview of thousands of accounts stays readable.
type Group struct {
	Accounts []*Account
	Before   *inherit.Doc
	After    *inherit.Doc
	Changed  bool
	Problems []Problem
	Notes    []inherit.Note

	key int // the group's number before sorting, in order of first account
}

// Preview is the effect of a change to an organization on every account's
// effective policy.
type Preview struct {
	Actual, Desired *org.Org
	Accounts        []*Account // every account, sorted by id

	groups  []*Group // Groups' result, computed once
	grouped bool
	rank    []int32 // by group key: the group's index in groups
	// groupKeys, when Compute made the Preview, numbers each account's
	// group in order of first appearance, -1 for none (neither changed
	// nor with problems); numKeys is how many there are.
	groupKeys []int32
	numKeys   int
}

// Compute previews the change from actual to desired, two states of one
// organization (package plan builds desired from a repository). Only backup
// policies are considered. baselines are the member baselines deployed in
// desired; ours reports whether a policy of desired is defined by the
// repository, whose vault and role references are then checked against the
// baselines (see Validate). ours may be nil.
func Compute(actual, desired *org.Org, baselines []*policy.Baseline, ours func(*org.Policy) bool) *Preview {
	pv := &Preview{Actual: actual, Desired: desired}
	// Each side has its own Shared, which is not safe for concurrent use,
	// so that the before side's documents (their parts encoded and
	// numbered) are worked out on another core while this one does the
	// after side's (below). The two are siblings, numbering the parts of
	// documents alike, so that a document of one compares with one of the
	// other by what identifies it, not by writing both out.
	before := NewEngine(actual, policy.Type)
	after := before.Sibling(desired)
	bl := NewBaselines(desired, baselines)
	label := Label(desired)
	var oursID func(id string) bool
	if ours != nil {
		oursID = func(id string) bool {
			pol := desired.Policy(id)
			return pol != nil && ours(pol)
		}
	}

	type key struct {
		s         *inherit.State
		baselines string
	}
	// Everything below is computed once per distinct state, or state and
	// baselines, not once per account: 100,000 accounts have a few
	// thousand distinct chains.
	type check struct {
		s        *inherit.State
		eff      *doc.Node
		provided []*policy.Baseline
		problems []Problem
	}
	checks := map[key]*check{}
	var order []*check
	accounts := desired.Accounts()
	// The two organizations' merges and documents are independent (an
	// Engine is not safe for concurrent use, but two are, and States are
	// immutable): the before side on another core, all of it, while this
	// one merges the after side and works out its documents and checks.
	beforeDocs, afterDocs := make([]*inherit.Doc, len(accounts)), make([]*inherit.Doc, len(accounts))
	// Most accounts have no policy and no baseline target of their own,
	// so their outcome is their parent's: what a parent's plain accounts
	// share is kept by the parent's index (parents come first in the
	// numbering), and only accounts that add something of their own are
	// looked up in the maps below, which for 100,000 accounts took most of
	// the time of these loops.
	parents := desired.NumEntities() - len(accounts)
	plain := func(e *Engine, a *org.Entity) bool { return e.State(a) == e.State(a.Parent) }
	var wg sync.WaitGroup
	wg.Go(func() {
		shared := make([]*inherit.Doc, parents)
		for i, a := range accounts {
			p := a.Parent.Index()
			if d := shared[p]; d != nil && plain(before, a) {
				beforeDocs[i] = d
				continue
			}
			d := before.Doc(before.State(a))
			beforeDocs[i] = d
			if plain(before, a) {
				shared[p] = d
			}
		}
	})
	for _, a := range accounts {
		after.State(a)
	}
	checkOf := make([]*check, len(accounts))
	notes := map[*inherit.State][]inherit.Note{}
	accs := make([]Account, len(accounts)) // one allocation, not 100,000
	pv.Accounts = make([]*Account, len(accounts))
	type inherited struct {
		check *check
		notes []inherit.Note
		doc   *inherit.Doc
	}
	fromParent := make([]inherited, parents)
	// plainAfter[i] says accounts[i] gets all of the after side from its
	// parent: its state and its baselines.
	plainAfter := make([]bool, len(accounts))
	for i, a := range accounts {
		sa := after.State(a)
		provided := bl.reached(a)
		plainAfter[i] = plain(after, a) && provided.key == bl.reached(a.Parent).key
		in := &fromParent[a.Parent.Index()]
		if plainAfter[i] && in.check != nil {
			checkOf[i], afterDocs[i] = in.check, in.doc
			accs[i] = Account{Account: a, Path: desired.Path(a), After: in.doc, Notes: in.notes}
			pv.Accounts[i] = &accs[i]
			continue
		}
		k := key{s: sa, baselines: provided.key}
		c, ok := checks[k]
		if !ok {
			c = &check{s: sa, eff: after.Effective(sa), provided: provided.list}
			checks[k] = c
			order = append(order, c)
		}
		checkOf[i] = c
		ns, ok := notes[sa]
		if !ok {
			ns = sa.Notes()
			notes[sa] = ns
		}
		afterDocs[i] = after.Doc(sa)
		if plainAfter[i] {
			*in = inherited{check: c, notes: ns, doc: afterDocs[i]}
		}
		accs[i] = Account{
			Account: a,
			Path:    desired.Path(a),
			After:   afterDocs[i],
			Notes:   ns,
		}
		pv.Accounts[i] = &accs[i]
	}
	// Validation reads shared, immutable values only (states, trees,
	// baselines), so the distinct checks run on every core.
	// States share most of their plans' documents (inherit.Shared), so
	// each distinct plan is checked once.
	memo := &backup.Memo{}
	parallel(len(order), func(i int) {
		c := order[i]
		c.problems = validate(memo, c.s, c.eff, c.provided, oursID, label)
	})
	wg.Wait() // the before side, which validation does not read
	// A Shared hands out one Doc per distinct document, so the sides'
	// documents are compared once per distinct pair, not once per account
	// (100,000 comparisons of several KiB).
	//
	// Each account's group (see Groups) is found here too, from what
	// identifies it already: a side's Doc stands for its bytes, and a
	// check for its problems. Grouping 100,000 accounts by the content of
	// their documents and problems afterwards took four map lookups per
	// account, 40 ms on the one core that had work left.
	type seen struct {
		before, after *inherit.Doc
		check         *check
	}
	type outcome struct {
		changed bool
		group   int32
	}
	type gkey struct {
		before, after *inherit.Doc
		problems      int
	}
	outcomes := map[seen]outcome{}
	changed := map[[2]*inherit.Doc]bool{}
	var probs inherit.Interner
	probID := map[*check]int{}
	groupOf := map[gkey]int32{}
	pv.groupKeys = make([]int32, len(accs))
	// An account plain on both sides has its parent's plain accounts'
	// outcome: the same documents and the same check.
	type known struct {
		ok bool
		o  outcome
	}
	outcomeOf := make([]known, parents)
	for i, a := range accounts {
		db, da, c := beforeDocs[i], afterDocs[i], checkOf[i]
		both := plainAfter[i] && plain(before, a)
		kn := &outcomeOf[a.Parent.Index()]
		if both && kn.ok {
			accs[i].Before, accs[i].Changed = db, kn.o.changed
			accs[i].Problems = c.problems
			pv.groupKeys[i] = kn.o.group
			continue
		}
		o, ok := outcomes[seen{db, da, c}]
		if !ok {
			ch, ok := changed[[2]*inherit.Doc{db, da}]
			if !ok {
				ch = !db.Equal(da)
				changed[[2]*inherit.Doc{db, da}] = ch
			}
			o = outcome{changed: ch, group: -1}
			if ch || len(c.problems) > 0 {
				p, ok := probID[c]
				if !ok {
					p = -1
					if len(c.problems) > 0 {
						p = probs.ID([]byte(problemKey(c.problems)))
					}
					probID[c] = p
				}
				g, ok := groupOf[gkey{db, da, p}]
				if !ok {
					g = int32(len(groupOf))
					groupOf[gkey{db, da, p}] = g
				}
				o.group = g
			}
			outcomes[seen{db, da, c}] = o
		}
		if both {
			*kn = known{ok: true, o: o}
		}
		accs[i].Before, accs[i].Changed = db, o.changed
		accs[i].Problems = c.problems
		pv.groupKeys[i] = o.group
	}
	pv.numKeys = len(groupOf)
	return pv
}

// parallel calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Changed returns the accounts whose effective policy changes.
func (p *Preview) Changed() []*Account {
	var out []*Account
	for _, a := range p.Accounts {
		if a.Changed {
			out = append(out, a)
		}
	}
	return out
}

// Invalid returns the accounts whose desired effective policy has
// problems.
func (p *Preview) Invalid() []*Account {
	var out []*Account
	for _, a := range p.Accounts {
		if len(a.Problems) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Groups returns the accounts that change or have problems, grouped by
// identical before, after and problems, largest group first, then by the
// first account id. The groups are computed once and shared; callers must
// not modify them. Groups have no diffs: a JSON report shows none, and
// the diffs of thousands of groups took a second to compute (see Diff).
func (p *Preview) Groups() []*Group {
	if p.grouped {
		return p.groups
	}
	if len(p.groupKeys) == len(p.Accounts) && p.Accounts != nil {
		// Each group's list is made at its size: appending grew 5,000
		// lists a few times each at 100,000 accounts.
		sizes := make([]int32, p.numKeys)
		for _, k := range p.groupKeys {
			if k >= 0 {
				sizes[k]++
			}
		}
		p.groups = make([]*Group, p.numKeys)
		for i, a := range p.Accounts {
			k := p.groupKeys[i]
			if k < 0 {
				continue
			}
			g := p.groups[k]
			if g == nil {
				g = &Group{Before: a.Before, After: a.After, Changed: a.Changed, Problems: a.Problems, Notes: a.Notes, key: int(k)}
				g.Accounts = make([]*Account, 0, sizes[k])
				p.groups[k] = g
			}
			g.Accounts = append(g.Accounts, a)
			a.group = int(k) + 1
		}
		p.sortGroups()
		return p.groups
	}
	type gkey struct {
		before, after, problems int
	}
	// Accounts that share a chain share their documents' bytes and their
	// problems, so each distinct slice is interned by content once and
	// then found by where it starts: hashing two documents of several KiB
	// for each of 100,000 accounts was most of the time grouping took.
	var docs inherit.Interner
	docAt := map[*byte]int{}
	docID := func(b []byte) int {
		if len(b) == 0 {
			return docs.ID(nil)
		}
		n, ok := docAt[&b[0]]
		if !ok {
			n = docs.ID(b)
			docAt[&b[0]] = n
		}
		return n
	}
	var probs inherit.Interner
	probAt := map[*Problem]int{}
	problemsID := func(ps []Problem) int {
		if len(ps) == 0 {
			return -1
		}
		n, ok := probAt[&ps[0]]
		if !ok {
			n = probs.ID([]byte(problemKey(ps)))
			probAt[&ps[0]] = n
		}
		return n
	}
	idx := map[gkey]*Group{}
	var groups []*Group
	for _, a := range p.Accounts {
		if !a.Changed && len(a.Problems) == 0 {
			continue
		}
		k := gkey{before: docID(a.Before.Bytes()), after: docID(a.After.Bytes()), problems: problemsID(a.Problems)}
		g := idx[k]
		if g == nil {
			g = &Group{Before: a.Before, After: a.After, Changed: a.Changed, Problems: a.Problems, Notes: a.Notes, key: len(groups)}
			idx[k] = g
			groups = append(groups, g)
		}
		g.Accounts = append(g.Accounts, a)
		a.group = g.key + 1
	}
	p.groups = groups
	p.sortGroups()
	return groups
}

// sortGroups puts p.groups in Groups' order and ranks the groups' keys,
// which the accounts hold: numbering the accounts themselves group by
// group was a cache miss for each of 100,000 accounts.
func (p *Preview) sortGroups() {
	slices.SortStableFunc(p.groups, func(x, y *Group) int {
		if len(x.Accounts) != len(y.Accounts) {
			return len(y.Accounts) - len(x.Accounts)
		}
		return strings.Compare(x.Accounts[0].Account.ID, y.Accounts[0].Account.ID)
	})
	p.rank = make([]int32, len(p.groups))
	for i, g := range p.groups {
		p.rank[g.key] = int32(i)
	}
	p.grouped = true
}

// GroupOf returns the index in Groups of the group a is in, or -1 if a is
// in none (it neither changes nor has problems).
func (p *Preview) GroupOf(a *Account) int {
	p.Groups()
	if a.group == 0 {
		return -1
	}
	return int(p.rank[a.group-1])
}

// Diff returns a unified diff of two effective policies (canonical
// indented JSON), labelled before and after.
func Diff(before, after []byte) []byte {
	d := diff.Diff("before", before, "after", after)
	// The first line is a "diff before after" header, which says nothing
	// the ---/+++ lines do not.
	if i := bytes.IndexByte(d, '\n'); i >= 0 && bytes.HasPrefix(d, []byte("diff ")) {
		d = d[i+1:]
	}
	return d
}

func problemKey(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Code)
		b.WriteByte(0)
		b.WriteString(p.PathString())
		b.WriteByte(0)
		b.WriteString(p.Message)
		b.WriteByte(0)
	}
	return b.String()
}
