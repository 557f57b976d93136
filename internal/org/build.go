package org

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// builder checks a decoded snapshot and builds the Org. Every check reports
// and carries on, so one run lists every problem; checks that depend on an
// earlier one skip quietly when it failed instead of piling on.
type builder struct {
	ps *problems
	o  *Org

	roots []*Entity
	// ents are the roots and OUs in the order of the file, and metas
	// what the builder knows about each; the accounts follow them, in
	// o.accounts and f.Accounts (accts). Entity e's meta is meta(e)
	// until finish numbers the entities for good. The accounts' metas
	// are read from accts when needed: copying them was 3 MB at 100,000.
	ents  []*Entity
	metas []meta
	accts []SnapshotAccount
	// sorted holds the accounts' places in the file and id numbers in id
	// order: the account of rank r is accounts[r] and accts[sorted[r].i].
	sorted []keyed
	// detach says to copy the strings the Org keeps (see build).
	detach bool
	// runs maps the number of a long run of accounts in sorted (see
	// accountDups) to the rank of the first account of each id in it.
	runs map[uint64]map[string]int
	// unlinked are the accounts accountEntities did not link to a parent
	// (see parents), in the order of the file.
	unlinked []int
	// accounts holds the accounts, each at its rank in id order.
	accounts []Entity
	// found is what attachments resolved, for applyAttachments.
	found []attachment
	// names holds, for each account at its rank, its nameKey, read while
	// the account's bytes are at hand for finish, which otherwise read
	// every name from all over the file.
	names []uint64
	seed  maphash.Seed
}

// nameKey is 63 bits of name's hash, shifted up, and in the lowest bit
// whether the name can be a path segment: it is not empty, has no "/",
// and cannot be read as an account id.
func nameKey(seed maphash.Seed, name string) uint64 {
	k := maphash.String(seed, name) << 1
	if name != "" && !strings.Contains(name, "/") && !IsAccountID(name) {
		k |= 1
	}
	return k
}

// meta is what the builder knows about an entity while it checks it.
type meta struct {
	loc      *loc
	parentID string
	refs     map[string][]string // attachments as written
}

// badRef marks a reference the decoder already reported.
const badRef = "\x00bad"

// build validates f and returns the Org, or nil with problems added to ps.
// With detach, f's strings are substrings of a buffer (the snapshot file)
// that the Org is not to keep alive: the Org gets copies of those it
// keeps.
func build(f *Snapshot, ps *problems, detach bool) *Org {
	b := &builder{
		ps:     ps,
		detach: detach,
		ents:   make([]*Entity, 0, len(f.Roots)+len(f.OUs)),
		metas:  make([]meta, 0, len(f.Roots)+len(f.OUs)),
		accts:  f.Accounts,
		o: &Org{
			byID:     make(map[string]*Entity, len(f.Roots)+len(f.OUs)),
			policyID: make(map[string]*Policy, len(f.Policies)),
			attached: map[*Entity]map[string][]*Policy{},
			targets:  map[*Policy]map[*Entity]bool{},
		},
	}
	if !b.header(f) {
		return nil
	}
	b.policies(f)
	b.entities(f)
	b.parents()
	b.attachments()
	b.managementAccount(f)
	b.settings(f)
	if len(ps.list) > 0 {
		return nil
	}
	applied := make(chan struct{})
	go func() {
		defer close(applied)
		b.applyAttachments()
	}()
	b.finish()
	<-applied
	if detach {
		b.o.detach()
	}
	return b.o
}

// header checks format_version, source, captured_at and organization. It
// returns false when the format version is one this build does not read.
func (b *builder) header(f *Snapshot) bool {
	l := f.loc
	switch {
	case f.FormatVersion == FormatVersion, l.isBad("format_version"):
	case f.FormatVersion == "" && !l.has("format_version"):
		b.ps.add(l.pos(), `add "format_version": "1" at the top of the file`, "missing format_version")
	case f.FormatVersion == "":
		b.ps.add(l.at("format_version"), `write "format_version": "1"`, "format_version is empty")
	default:
		b.ps.add(l.at("format_version"), "upgrade orgbackup to read it, or write the snapshot again with this version (orgbackup reads format_version \"1\")",
			"unsupported format_version %q; this build reads only %q", f.FormatVersion, FormatVersion)
		return false
	}

	o := b.o
	o.Source = f.Source
	switch f.Source {
	case "":
		o.Source = "hand-written"
	case "hand-written", "aws", "synthetic":
	default:
		b.ps.add(l.at("source"), `use "hand-written", or "aws" for a snapshot captured from AWS`, "unknown source %q", f.Source)
	}
	if f.CapturedAt != "" {
		t, err := time.Parse(time.RFC3339, f.CapturedAt)
		if err != nil {
			b.ps.add(l.at("captured_at"), `write an RFC 3339 time, e.g. "2025-01-31T09:00:00Z"`, "captured_at %q is not an RFC 3339 time", f.CapturedAt)
		}
		o.CapturedAt = t
	} else if f.Source == "aws" && !l.isBad("captured_at") {
		b.ps.add(l.at("source"), `add "captured_at" with the time the snapshot was read, e.g. "2025-01-31T09:00:00Z"`, "a snapshot with source \"aws\" needs captured_at")
	}

	if g := f.Organization; g != nil {
		o.Info = Info{ID: g.ID, ARN: g.ARN, ManagementAccountID: g.ManagementAccountID, FeatureSet: g.FeatureSet}
		if g.ID != "" && !IsOrgID(g.ID) {
			b.ps.add(g.loc.at("id"), `an organization id is "o-" and 10 to 32 lower-case letters or digits, as DescribeOrganization returns it`, "bad organization id %q", g.ID)
		}
		b.arn(g.loc, g.ARN)
		if m := g.ManagementAccountID; m != "" && !IsAccountID(m) {
			b.ps.add(g.loc.at("management_account_id"), "an account id is exactly 12 digits", "bad management account id %q", m)
		}
		if fs := g.FeatureSet; fs != "" && fs != "ALL" && fs != "CONSOLIDATED_BILLING" {
			b.ps.add(g.loc.at("feature_set"), `use "ALL" or "CONSOLIDATED_BILLING"; backup policies need "ALL"`, "unknown feature_set %q", fs)
		}
	}
	return true
}

// arn does a light sanity check: every ARN the API returns starts with
// "arn:", and anything else in an arn field is a value pasted into the
// wrong key.
func (b *builder) arn(l *loc, arn string) {
	if arn != "" && !strings.HasPrefix(arn, "arn:") {
		b.ps.add(l.at("arn"), "an ARN starts with \"arn:\"; leave the key out if you do not know it", "bad arn %q", arn)
	}
}

func (b *builder) enum(l *loc, key, v string, allowed ...string) {
	if v != "" && !slices.Contains(allowed, v) {
		b.ps.add(l.at(key), "use one of "+strings.Join(allowed, ", "), "unknown %s %q", key, v)
	}
}

// policyType reports an unsupported policy type name.
func (b *builder) policyType(pos doc.Pos, t string) bool {
	if IsPolicyType(t) {
		return true
	}
	b.ps.add(pos, joinHints(didYouMean(suggest(t, PolicyTypes)), "this build knows "+strings.Join(PolicyTypes, ", ")+"; if AWS has added a type, upgrade orgbackup"),
		"unsupported policy type %q", t)
	return false
}

func (b *builder) policies(f *Snapshot) {
	o := b.o
	firstID := map[string]doc.Pos{}
	firstName := map[[2]string]doc.Pos{}
	for i := range f.Policies {
		rp := &f.Policies[i]
		l := rp.loc
		what := fmt.Sprintf("policy %q", cmp.Or(rp.Name, rp.ID))
		if rp.Name == "" && rp.ID == "" {
			what = fmt.Sprintf("policy #%d", i+1)
		}
		p := &Policy{ID: rp.ID, Name: rp.Name, ARN: rp.ARN, Type: rp.Type, Description: rp.Description,
			AWSManaged: rp.AWSManaged, Tags: rp.Tags, Content: rp.content}
		if len(p.Tags) == 0 {
			p.Tags = nil // "tags": {} and no tags are the same thing
		}
		switch {
		case l.isBad("id"):
		case rp.ID == "":
			b.ps.add(l.at("id"), `copy the id from ListPolicies, e.g. "p-abcd1234"`, "%s has no id", what)
		case !IsPolicyID(rp.ID):
			b.ps.add(l.at("id"), `a policy id is "p-" and 8 to 128 letters, digits or underscores`, "bad policy id %q", rp.ID)
		}
		if rp.ID != "" {
			if first, dup := firstID[rp.ID]; dup {
				b.ps.add(l.at("id"), "each policy is listed once; first "+at(first), "duplicate policy id %q", rp.ID)
			} else {
				firstID[rp.ID] = l.at("id")
				o.policyID[rp.ID] = p
			}
		}
		switch n := utf8.RuneCountInString(rp.Name); {
		case l.isBad("name"):
		case n == 0:
			b.ps.add(l.at("name"), "add the policy's name as ListPolicies shows it", "%s has no name", what)
		case n > 128:
			b.ps.add(l.at("name"), "Organizations allows 1 to 128 characters", "policy name %q is longer than 128 characters", rp.Name)
		}
		switch {
		case l.isBad("type"):
		case rp.Type == "":
			b.ps.add(l.at("type"), `add e.g. "type": "BACKUP_POLICY"`, "%s has no type", what)
		default:
			b.policyType(l.at("type"), rp.Type)
		}
		if rp.Name != "" && rp.Type != "" {
			k := [2]string{rp.Type, rp.Name}
			if first, dup := firstName[k]; dup {
				b.ps.add(l.at("name"), "Organizations keeps policy names unique within a type; first "+at(first), "duplicate %s name %q", rp.Type, rp.Name)
			} else {
				firstName[k] = l.at("name")
			}
		}
		if utf8.RuneCountInString(rp.Description) > 512 {
			b.ps.add(l.at("description"), "Organizations allows at most 512 characters", "description of %s is longer than 512 characters", what)
		}
		for _, k := range sortedKeys(rp.Tags) {
			if n := utf8.RuneCountInString(k); n == 0 || n > 128 || utf8.RuneCountInString(rp.Tags[k]) > 256 {
				b.ps.add(l.at("tags"), "tag keys are 1 to 128 characters and values at most 256", "bad tag %q on %s", k, what)
			}
		}
		b.arn(l, rp.ARN)
		if rp.contentProblem != nil {
			b.ps.list = append(b.ps.list, *rp.contentProblem)
		}
		o.policies = append(o.policies, p)
	}
	slices.SortStableFunc(o.policies, policyCmp)
}

// at renders where something was first seen, for "duplicate" hints.
func at(p doc.Pos) string {
	if !p.IsValid() {
		return "above"
	}
	return fmt.Sprintf("at line %d", p.Line)
}

func (b *builder) add(e *Entity, l *loc, parentID string, policies map[string][]string) {
	e.index = int32(len(b.ents))
	b.ents = append(b.ents, e)
	b.metas = append(b.metas, meta{loc: l, parentID: parentID, refs: policies})
	if e.ID == "" || l.isBad("id") {
		return
	}
	if first, dup := b.o.byID[e.ID]; dup {
		b.duplicateID(l, first)
		return
	}
	b.o.byID[e.ID] = e
}

// duplicateID reports an id, at l, that first has already.
func (b *builder) duplicateID(l *loc, first *Entity) {
	b.ps.add(l.at("id"), "each root, OU and account is listed once; first "+at(b.meta(first).loc.at("id")), "duplicate id %q", first.ID)
}

func (b *builder) entities(f *Snapshot) {
	o := b.o
	if len(f.Roots) == 0 {
		b.ps.add(f.loc.at("roots"), `add the root as ListRoots returns it, e.g. "roots": [{"id": "r-ab12"}]`, "no root: a snapshot needs the organization's root")
	}
	for i := range f.Roots {
		r := &f.Roots[i]
		l := r.loc
		e := &Entity{Kind: Root, ID: r.ID, Name: cmp.Or(r.Name, "Root"), ARN: r.ARN}
		if i > 0 {
			b.ps.add(l.pos(), "an organization has exactly one root (ListRoots returns one); keep one and put every OU and account under it",
				"two roots: %q and %q", f.Roots[0].ID, r.ID)
		}
		switch {
		case l.isBad("id"):
		case r.ID == "":
			b.ps.add(l.at("id"), `add the root's id, e.g. "id": "r-ab12"`, "root has no id")
		case !IsRootID(r.ID):
			b.ps.add(l.at("id"), `a root id is "r-" and 4 to 32 lower-case letters or digits`, "bad root id %q", r.ID)
		}
		b.arn(l, r.ARN)
		seen := map[string]bool{}
		if r.PolicyTypes != nil {
			// An empty list says no type is enabled; no list, that the
			// snapshot does not say.
			e.PolicyTypes = []PolicyTypeStatus{}
		}
		for _, pt := range r.PolicyTypes {
			pl := pt.loc
			if pt.Type == "" && !pl.isBad("type") {
				b.ps.add(pl.at("type"), `add e.g. "type": "BACKUP_POLICY"`, "policy type status has no type")
			} else if pt.Type != "" && b.policyType(pl.at("type"), pt.Type) && seen[pt.Type] {
				b.ps.add(pl.at("type"), "list each policy type once", "policy type %s is listed twice", pt.Type)
			}
			seen[pt.Type] = true
			switch {
			case pl.isBad("status"):
			case pt.Status == "":
				b.ps.add(pl.at("status"), `add e.g. "status": "ENABLED"`, "policy type %s has no status", pt.Type)
			default:
				b.enum(pl, "status", pt.Status, "ENABLED", "PENDING_ENABLE", "PENDING_DISABLE")
			}
			e.PolicyTypes = append(e.PolicyTypes, PolicyTypeStatus{Type: pt.Type, Status: pt.Status})
		}
		b.add(e, l, "", r.Policies)
		b.roots = append(b.roots, e)
	}
	if len(b.roots) > 0 {
		o.root = b.roots[0]
	}
	for i := range f.OUs {
		u := &f.OUs[i]
		l := u.loc
		e := &Entity{Kind: OU, ID: u.ID, Name: u.Name, ARN: u.ARN}
		switch {
		case l.isBad("id"):
		case u.ID == "":
			b.ps.add(l.at("id"), `add the OU's id, e.g. "id": "ou-ab12-11111111"`, "organizational unit %q has no id", u.Name)
		case !IsOUID(u.ID):
			b.ps.add(l.at("id"), `an OU id is "ou-", 4 to 32 lower-case letters or digits (the root id without "r-"), "-", and 8 to 32 more, e.g. "ou-ab12-11111111"`, "bad organizational unit id %q", u.ID)
		}
		switch n := utf8.RuneCountInString(u.Name); {
		case l.isBad("name"):
		case n == 0:
			b.ps.add(l.at("name"), "OUs are addressed by name in target paths like Root/Workloads/Prod; add the OU's name", "organizational unit %q has no name", u.ID)
		case n > 128:
			b.ps.add(l.at("name"), "Organizations allows 1 to 128 characters", "organizational unit name %q is longer than 128 characters", u.Name)
		}
		b.arn(l, u.ARN)
		b.add(e, l, u.ParentID, u.Policies)
		o.ous = append(o.ous, e)
	}
	b.accountEntities(f)
}

// accountEntities checks and adds the accounts. At 100,000 accounts this
// is a tenth of a second of work, most of it independent from one account
// to the next: chunks of accounts are checked on goroutines of their own
// while one goroutine files them by id, the only part that writes a map.
// The problems are put back in the order of a single loop.
func (b *builder) accountEntities(f *Snapshot) {
	o := b.o
	// The accounts live in one array in id order: allocated one by one
	// in the order of the file, every pass over them in id order (a
	// preview makes about a dozen: both merges, baselines, coverage, the
	// report's lists) read memory at random, a cache miss per account per
	// pass at 100,000 accounts.
	b.sorted = sortAccounts(f.Accounts)
	rank := ranks(b.sorted)
	n := len(f.Accounts)
	b.accounts = make([]Entity, n)
	b.names = make([]uint64, n)
	b.seed = maphash.MakeSeed()
	o.accounts = make([]*Entity, n)
	base := len(b.ents)

	dups := make(chan []dup, 1)
	go func() { dups <- b.accountDups() }()

	// With detach, the strings accounts keep are copied into one array,
	// each account's where its rank puts it (at[i] for account i): they
	// were scattered over the 30 MB snapshot in the order of the file,
	// and every pass over the accounts in id order (the preview's report
	// makes three) missed the cache reading them. They are copied here,
	// where the checks have just read them.
	var arena []byte
	var at []int
	if b.detach {
		at = make([]int, n)
		chunked(n, minChunkItems, func(lo, hi int) struct{} {
			for i := lo; i < hi; i++ {
				a := &f.Accounts[i]
				at[i] = len(a.ID) + len(a.Name) + len(a.ARN) + len(a.Email)
			}
			return struct{}{}
		})
		size := 0
		for _, k := range b.sorted {
			at[k.i], size = size, size+at[k.i]
		}
		arena = make([]byte, size)
	}

	type checked struct {
		ps       problems
		of       []int // of[j] is the account ps.list[j] is about
		unlinked []int // the accounts whose parent is not the root or an OU
	}
	res := chunked(n, minChunkItems, func(lo, hi int) *checked {
		r := &checked{}
		c := *b
		c.ps = &r.ps
		for i := lo; i < hi; i++ {
			e := &b.accounts[rank[i]]
			c.account(&f.Accounts[i], e, base+i)
			if arena != nil {
				e.detach(arena[at[i]:])
			}
			b.names[rank[i]] = nameKey(b.seed, e.Name)
			o.accounts[i] = e
			// Linked to its parent while at hand, where parents did it
			// later, reading every account once more at random. byID
			// holds the root and the OUs, done by now: what it does not
			// have is reported by parents, in order.
			if pid := f.Accounts[i].ParentID; pid == "" {
				e.Parent = o.root
			} else if p := o.byID[pid]; p != nil {
				e.Parent = p
			} else {
				r.unlinked = append(r.unlinked, i)
			}
			for len(r.of) < len(r.ps.list) {
				r.of = append(r.of, i)
			}
		}
		return r
	})
	dup := <-dups
	for _, r := range res {
		b.unlinked = append(b.unlinked, r.unlinked...)
	}

	d := 0
	for _, r := range res {
		for j, p := range r.ps.list {
			for ; d < len(dup) && dup[d].i < r.of[j]; d++ {
				b.duplicateID(f.Accounts[dup[d].i].loc, dup[d].first)
			}
			b.ps.list = append(b.ps.list, p)
		}
	}
	for ; d < len(dup); d++ {
		b.duplicateID(f.Accounts[dup[d].i].loc, dup[d].first)
	}
}

// dup is an account whose id something has already.
type dup struct {
	i     int     // the account, in the order of the file
	first *Entity // what has its id already
}

// accountDups returns the accounts whose id a root, an OU or an account
// earlier in the file has already, in the order of the file, with what
// has it first: what filing the accounts in byID one by one found. The
// accounts are not filed in byID: 100,000 of them were 3.5 MB of map and
// a core busy for 30 ms, where the accounts sorted by the numbers their
// ids spell (b.sorted) find one by binary search (see accountByID), and
// equal ids are next to one another.
func (b *builder) accountDups() []dup {
	as := b.accts
	filed := func(i int) bool { return as[i].ID != "" && !as[i].loc.isBad("id") }
	var out []dup
	// Accounts with the id of a root or an OU, which were filed first.
	// Long runs of one number are left to the loop below.
	taken := map[int]bool{}
	for id, x := range b.o.byID {
		lo, hi := b.numbered(idNumber(id))
		if hi-lo > longRun {
			continue
		}
		for r := lo; r < hi; r++ {
			if i := b.sorted[r].i; as[i].ID == id && filed(i) {
				out = append(out, dup{i, x})
				taken[i] = true
			}
		}
	}
	// Accounts with the id of an earlier account. Equal ids spell equal
	// numbers, and accounts of equal numbers are in the order of the
	// file; only different ids that spell the same number (not account
	// ids, which build reports) make a run of more than a few. A long
	// run, which looking through for each id would make quadratic, has
	// its first account of each id kept in b.runs for accountByID.
	firstOf := map[string]int{}
	for lo := 0; lo < len(b.sorted); {
		hi := lo + 1
		for hi < len(b.sorted) && b.sorted[hi].id == b.sorted[lo].id {
			hi++
		}
		if hi-lo > 1 {
			long := hi-lo > longRun
			first := firstOf
			if long {
				first = map[string]int{}
				if b.runs == nil {
					b.runs = map[uint64]map[string]int{}
				}
				b.runs[b.sorted[lo].id] = first
			} else {
				clear(first)
			}
			for r := lo; r < hi; r++ {
				i := b.sorted[r].i
				if !filed(i) || taken[i] {
					continue
				}
				if x := b.o.byID[as[i].ID]; x != nil && long {
					out = append(out, dup{i, x})
				} else if f, ok := first[as[i].ID]; ok {
					out = append(out, dup{i, &b.accounts[f]})
				} else {
					first[as[i].ID] = r
				}
			}
		}
		lo = hi
	}
	slices.SortFunc(out, func(x, y dup) int { return cmp.Compare(x.i, y.i) })
	return out
}

// longRun is how many accounts whose ids spell one number accountDups
// and accountByID look through one by one; a longer run has a map.
const longRun = 16

// numbered returns the ranks [lo, hi) of the accounts whose ids spell
// the number n.
func (b *builder) numbered(n uint64) (lo, hi int) {
	lo, _ = slices.BinarySearchFunc(b.sorted, n, func(k keyed, n uint64) int { return cmp.Compare(k.id, n) })
	hi = lo + sort.Search(len(b.sorted)-lo, func(j int) bool { return b.sorted[lo+j].id != n })
	return lo, hi
}

// entity returns the root, OU or account with the given id, as byID of
// every entity would: the first in the file to have the id.
func (b *builder) entity(id string) *Entity {
	if e := b.o.byID[id]; e != nil {
		return e
	}
	return b.accountByID(id)
}

// accountByID returns the first account in the file with the given id,
// unless a root or an OU has it, or nil.
func (b *builder) accountByID(id string) *Entity {
	if id == "" {
		return nil
	}
	n := idNumber(id)
	lo, hi := b.numbered(n)
	if hi-lo > longRun {
		if r, ok := b.runs[n][id]; ok && b.o.byID[id] == nil {
			return &b.accounts[r]
		}
		return nil
	}
	for r := lo; r < hi; r++ {
		if a := &b.accts[b.sorted[r].i]; a.ID == id && !a.loc.isBad("id") {
			if b.o.byID[id] != nil {
				return nil
			}
			return &b.accounts[r]
		}
	}
	return nil
}

// account checks account a and fills in its entity e, the index-th in
// the order of the file.
func (b *builder) account(a *SnapshotAccount, e *Entity, index int) {
	l := a.loc
	*e = Entity{Kind: Account, ID: a.ID, Name: a.Name, ARN: a.ARN, Email: a.Email, Status: a.Status, State: a.State, JoinedMethod: a.JoinedMethod, index: int32(index)}
	switch {
	case l.isBad("id"):
	case a.ID == "":
		b.ps.add(l.at("id"), `add the account's 12-digit id, e.g. "id": "123456789012"`, "account %q has no id", a.Name)
	case !IsAccountID(a.ID):
		b.ps.add(l.at("id"), "an account id is exactly 12 digits, written as a string", "bad account id %q", a.ID)
	}
	if utf8.RuneCountInString(a.Name) > 50 {
		b.ps.add(l.at("name"), "Organizations allows at most 50 characters", "account name %q is longer than 50 characters", a.Name)
	}
	if a.Email != "" && !strings.Contains(a.Email, "@") {
		b.ps.add(l.at("email"), "write the account's root user email address, or leave the key out", "bad email %q", a.Email)
	}
	b.arn(l, a.ARN)
	b.enum(l, "status", a.Status, accountStatuses...)
	b.enum(l, "state", a.State, accountStates...)
	b.enum(l, "joined_method", a.JoinedMethod, joinedMethods...)
	if a.JoinedTimestamp != "" {
		t, err := time.Parse(time.RFC3339, a.JoinedTimestamp)
		if err != nil {
			b.ps.add(l.at("joined_timestamp"), `write an RFC 3339 time, e.g. "2021-04-01T12:00:00Z"`, "joined_timestamp %q is not an RFC 3339 time", a.JoinedTimestamp)
		}
		e.JoinedTimestamp = t
	}
	if b.detach {
		e.Status = known(a.Status, accountStatuses)
		e.State = known(a.State, accountStates)
		e.JoinedMethod = known(a.JoinedMethod, joinedMethods)
	}
}

// meta returns what the builder knows about e.
func (b *builder) meta(e *Entity) meta { return b.metaAt(int(e.index)) }

// metaAt returns what the builder knows about the entity of index i:
// b.ents[i], or past them o.accounts[i-len(b.ents)].
func (b *builder) metaAt(i int) meta {
	if i < len(b.metas) {
		return b.metas[i]
	}
	return accountMeta(&b.accts[i-len(b.metas)])
}

func accountMeta(a *SnapshotAccount) meta {
	return meta{loc: a.loc, parentID: a.ParentID, refs: a.Policies}
}

// describe names e in messages.
func describe(e *Entity) string {
	switch e.Kind {
	case Root:
		return "the root"
	case OU:
		if e.Name != "" {
			return fmt.Sprintf("organizational unit %q", e.Name)
		}
		return "organizational unit " + e.ID
	}
	if e.Name != "" {
		return fmt.Sprintf("account %s (%s)", e.ID, e.Name)
	}
	return "account " + e.ID
}

// parents links every OU and account to its parent, then checks for cycles,
// nesting depth and sibling OU names.
func (b *builder) parents() {
	o := b.o
	// Parents are the root and OUs, which byID holds (2,000 at 100,000
	// accounts): it stays in the cache. An account is looked for only
	// when no root or OU has the id, to say that the parent is one.
	link := func(b *builder, e *Entity, m meta) {
		pid, l := m.parentID, m.loc
		if pid == "" {
			// Omitted parent_id means "directly under the root"; with no
			// root or two, the root problem is already reported.
			e.Parent = o.root
			return
		}
		p := o.byID[pid]
		if p == nil {
			p = b.accountByID(pid)
		}
		switch {
		case p == nil:
			var parentIDs []string
			for _, x := range append(slices.Clone(b.roots), o.ous...) {
				parentIDs = append(parentIDs, x.ID)
			}
			hint := didYouMean(suggest(pid, parentIDs))
			for _, x := range append(slices.Clone(b.roots), o.ous...) {
				if x.Name == pid && x.ID != "" {
					hint = fmt.Sprintf("parent_id takes an id: %s is %q", describe(x), x.ID)
					break
				}
			}
			hint = joinHints(hint, "parent_id is the id of the root or of an OU listed under organizational_units")
			if e.Kind == Account {
				b.ps.add(l.at("parent_id"), hint, "account %s is under an unknown parent %q", e.ID, pid)
			} else {
				b.ps.add(l.at("parent_id"), hint, "unknown parent %q of %s", pid, describe(e))
			}
		case p.Kind == Account:
			b.ps.add(l.at("parent_id"), "only the root and OUs contain OUs and accounts; use the id of the root or an OU", "parent %q of %s is an account", pid, describe(e))
		default:
			e.Parent = p
		}
	}
	for _, u := range o.ous {
		link(b, u, b.meta(u))
	}
	// accountEntities linked the accounts under the root or an OU; the
	// others, in the order of the file, as in o.accounts (until finish),
	// have a parent that is unknown or an account.
	for _, i := range b.unlinked {
		link(b, o.accounts[i], accountMeta(&b.accts[i]))
	}

	// Depths, and cycles among OUs. An OU below a broken link or a cycle
	// has no known depth; the link or cycle is reported once.
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[*Entity]int{}
	known := map[*Entity]bool{}
	for _, r := range b.roots {
		state[r], known[r] = done, true
	}
	for _, start := range o.ous {
		var path []*Entity
		ok := false
	walk:
		for x := start; x != nil; x = x.Parent {
			switch state[x] {
			case visiting:
				b.cycle(path[slices.Index(path, x):])
				break walk
			case done:
				ok = known[x]
				break walk
			}
			state[x] = visiting
			path = append(path, x)
		}
		for i := len(path) - 1; i >= 0; i-- {
			u := path[i]
			state[u] = done
			if ok {
				u.Depth = u.Parent.Depth + 1
				known[u] = true
			}
		}
	}
	for _, u := range o.ous {
		if known[u] && u.Depth == MaxOUDepth+1 {
			b.ps.add(b.meta(u).loc.at("parent_id"), "move it, or one of the OUs above it, higher up the tree",
				"%s is nested %d levels below the root; AWS allows at most %d", describe(u), u.Depth, MaxOUDepth)
		}
	}
	// In the order of memory (id order), not of the file: the order does
	// not matter here, and following o.accounts missed the cache for
	// every account.
	chunked(len(b.accounts), minChunkItems, func(lo, hi int) struct{} {
		for i := range b.accounts[lo:hi] {
			a := &b.accounts[lo+i]
			if known[a.Parent] {
				a.Depth = a.Parent.Depth + 1
			}
		}
		return struct{}{}
	})

	// Sibling OU names must be unique: AWS enforces it, and paths rely on it.
	type key struct {
		parent *Entity
		name   string
	}
	first := map[key]*Entity{}
	for _, u := range o.ous {
		if u.Parent == nil || u.Name == "" {
			continue
		}
		k := key{u.Parent, u.Name}
		if f, dup := first[k]; dup {
			b.ps.add(b.meta(u).loc.at("name"), "OU names are unique under one parent, as in AWS, so that paths like Root/Workloads/Prod are unambiguous; first "+at(b.meta(f).loc.at("name")),
				"two organizational units named %q under %s", u.Name, describe(u.Parent))
			continue
		}
		first[k] = u
	}
}

// cycle reports a parent cycle once, at the OU of the cycle that comes first
// in the file.
func (b *builder) cycle(c []*Entity) {
	start := 0
	for i, e := range c {
		if e.index < c[start].index {
			start = i
		}
	}
	c = append(slices.Clone(c[start:]), c[:start]...)
	names := make([]string, 0, len(c)+1)
	for _, e := range append(c, c[0]) {
		names = append(names, cmp.Or(e.Name, e.ID))
	}
	b.ps.add(b.meta(c[0]).loc.at("parent_id"), "an OU cannot be below itself; point one of these parent_ids at the root or another OU",
		"parent cycle: %s", strings.Join(names, " → "))
}

// attachments resolves every attachment list, for applyAttachments to
// record once build knows there are no problems.
func (b *builder) attachments() {
	o := b.o
	var enabled map[string]bool
	if o.root != nil && o.root.PolicyTypes != nil {
		enabled = map[string]bool{}
		for _, pt := range o.root.PolicyTypes {
			enabled[pt.Type] = true // PENDING_* too: attachments exist while AWS works
		}
	}
	byName := map[[2]string]*Policy{}
	for _, p := range o.policies {
		k := [2]string{p.Type, p.Name}
		if _, dup := byName[k]; !dup {
			byName[k] = p
		}
	}
	// Resolving is independent from one entity to the next: chunks of
	// them are resolved side by side, each with problems of its own, put
	// back in order. The entities are b.ents and then o.accounts, in
	// the order of the file until finish.
	type resolved struct {
		ps    problems
		found []attachment
	}
	for _, r := range chunked(len(b.ents)+len(o.accounts), minChunkItems, func(lo, hi int) *resolved {
		r := &resolved{}
		c := *b
		c.ps = &r.ps
		for i := lo; i < hi; i++ {
			if m := b.metaAt(i); m.refs != nil {
				var e *Entity
				if i < len(b.ents) {
					e = b.ents[i]
				} else {
					e = o.accounts[i-len(b.ents)]
				}
				r.found = c.resolve(e, &m, enabled, byName, r.found)
			}
		}
		return r
	}) {
		b.ps.list = append(b.ps.list, r.ps.list...)
		b.found = append(b.found, r.found...)
	}
}

// attachment is a list of policies of one type attached to an entity.
type attachment struct {
	e  *Entity
	t  string
	ps []*Policy
}

// applyAttachments records what attachments resolved, once there are no
// problems. It writes only o.attached and o.targets, so it can run beside
// finish.
func (b *builder) applyAttachments() {
	o := b.o
	for _, a := range b.found {
		if o.attached[a.e] == nil {
			o.attached[a.e] = map[string][]*Policy{}
		}
		o.attached[a.e][a.t] = a.ps
		for _, p := range a.ps {
			o.link(p, a.e, true)
		}
	}
}

// resolve resolves the attachments of e, whose meta is m, appending what
// it finds to found.
func (b *builder) resolve(e *Entity, m *meta, enabled map[string]bool, byName map[[2]string]*Policy, found []attachment) []attachment {
	o := b.o
	l := m.loc
	for _, t := range sortedKeys(m.refs) {
		refs := m.refs[t]
		if !b.policyType(l.typeKey(t), t) {
			continue
		}
		t = policyTypeName(t) // not the snapshot's string (see detach)
		if enabled != nil && !enabled[t] && len(refs) > 0 {
			b.ps.add(l.typeKey(t), fmt.Sprintf(`add {"type": %q, "status": "ENABLED"} to the root's policy_types, or remove these attachments`, t),
				"%s policies are attached to %s but the policy type is not enabled on the root", t, describe(e))
		}
		if len(refs) > MaxAttachedPerType {
			b.ps.add(l.list(t), fmt.Sprintf("AWS allows at most %d policies of one type attached directly to an entity; detach some or attach them higher up", MaxAttachedPerType),
				"%d %s policies attached to %s", len(refs), t, describe(e))
		}
		var ps []*Policy
		for i, ref := range refs {
			if ref == badRef {
				continue
			}
			p := o.policyID[ref]
			if p == nil {
				p = byName[[2]string{t, ref}]
			}
			if p != nil && p.Type != t {
				b.ps.add(l.ref(t, i), fmt.Sprintf("list it under %q", p.Type), "policy %q is a %s, not a %s", ref, p.Type, t)
				continue
			}
			if p == nil {
				var other *Policy
				var cands []string
				for _, q := range o.policies {
					if q.Name == ref && other == nil {
						other = q
					}
					if q.Type == t {
						cands = append(cands, q.ID, q.Name)
					}
				}
				if other != nil {
					b.ps.add(l.ref(t, i), fmt.Sprintf("list it under %q", other.Type), "policy %q is a %s, not a %s", ref, other.Type, t)
					continue
				}
				b.ps.add(l.ref(t, i), joinHints(didYouMean(suggest(ref, cands)), "attach a policy listed under policies, by its id or name"),
					"attachment to unknown policy %q", ref)
				continue
			}
			if slices.Contains(ps, p) {
				b.ps.add(l.ref(t, i), "a policy is attached to an entity at most once; remove the repeat", "policy %q is attached to %s twice", ref, describe(e))
				continue
			}
			ps = append(ps, p)
		}
		if len(ps) > 0 {
			found = append(found, attachment{e, t, ps})
		}
	}
	return found
}

func (b *builder) managementAccount(f *Snapshot) {
	m := b.o.Info.ManagementAccountID
	if m == "" || !IsAccountID(m) {
		return
	}
	if e := b.entity(m); e == nil || e.Kind != Account {
		b.ps.add(f.Organization.loc.at("management_account_id"), "add the management account under accounts (it is a member of the organization like any other), or fix the id",
			"management account %s is not among the accounts", m)
	}
}

// settings checks the organization-wide settings and records them sorted.
func (b *builder) settings(f *Snapshot) {
	s := f.Settings
	if s == nil {
		return
	}
	l := s.loc
	out := &Settings{}
	if s.TrustedServices != nil {
		out.TrustedServices = []string{}
		seen := map[string]bool{}
		for i, sp := range s.TrustedServices {
			pos := l.item("trusted_services", i)
			switch {
			case sp == badRef, !b.servicePrincipal(pos, sp):
			case seen[sp]:
				b.ps.add(pos, "list each service once", "service principal %q is listed twice in trusted_services", sp)
			default:
				seen[sp] = true
				out.TrustedServices = append(out.TrustedServices, sp)
			}
		}
		slices.Sort(out.TrustedServices)
	}
	if s.DelegatedAdministrators != nil {
		al := s.adminLoc
		if al == nil && l != nil && l.path != "" {
			al = &loc{path: named(l.path, "delegated_administrators").File}
		}
		out.DelegatedAdministrators = make(map[string][]string, len(s.DelegatedAdministrators))
		mgmt := b.o.Info.ManagementAccountID
		for _, sp := range sortedKeys(s.DelegatedAdministrators) {
			if !b.servicePrincipal(al.mapKey(sp), sp) {
				continue
			}
			ids := []string{}
			for i, id := range s.DelegatedAdministrators[sp] {
				pos := al.item(sp, i)
				switch e := b.entity(id); {
				case id == badRef:
				case !IsAccountID(id):
					b.ps.add(pos, "an account id is exactly 12 digits, written as a string", "bad delegated administrator account id %q for %s", id, sp)
				case slices.Contains(ids, id):
					b.ps.add(pos, "list each account once", "account %s is listed twice as a delegated administrator for %s", id, sp)
				case id == mgmt:
					b.ps.add(pos, "AWS does not allow it (CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR); remove it", "the management account %s cannot be a delegated administrator for %s", id, sp)
				case e == nil || e.Kind != Account:
					b.ps.add(pos, "a delegated administrator is a member account: add it under accounts, or fix the id", "delegated administrator %s for %s is not among the accounts", id, sp)
				default:
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			out.DelegatedAdministrators[sp] = ids
		}
	}
	if s.BackupGlobalSettings != nil {
		gl := s.globalLoc
		if gl == nil && l != nil && l.path != "" {
			gl = &loc{path: named(l.path, "backup_global_settings").File}
		}
		out.BackupGlobalSettings = make(map[string]string, len(s.BackupGlobalSettings))
		for _, k := range sortedKeys(s.BackupGlobalSettings) {
			v := s.BackupGlobalSettings[k]
			switch {
			case v == badRef:
			case k == "":
				b.ps.add(gl.mapKey(k), "write the setting's name as DescribeGlobalSettings returns it, e.g. \"isCrossAccountBackupEnabled\"", "global setting of AWS Backup with an empty name")
			case booleanBackupSettings[k] && v != "true" && v != "false":
				b.ps.add(gl.at(k), `AWS Backup writes this setting as "true" or "false"`, "global setting %s of AWS Backup is %q, not \"true\" or \"false\"", k, v)
			default:
				out.BackupGlobalSettings[k] = v
			}
		}
	}
	b.o.Settings = out
}

// booleanBackupSettings are the AWS Backup global settings whose values are
// "true" or "false". Others are kept as read: AWS may add settings, and a
// snapshot must not fail over one this build does not know.
var booleanBackupSettings = map[string]bool{
	"isCrossAccountBackupEnabled":     true,
	"isDelegatedAdministratorEnabled": true,
	"isMpaEnabled":                    true,
}

// servicePrincipal reports a malformed service principal, such as
// "backup.amazonaws.com": 1 to 128 characters of [\w+=,.@-], the API's
// pattern.
func (b *builder) servicePrincipal(pos doc.Pos, sp string) bool {
	ok := sp != "" && len(sp) <= 128
	for i := 0; ok && i < len(sp); i++ {
		c := sp[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
	}
	if !ok {
		b.ps.add(pos, `a service principal is the service's name as Organizations lists it, e.g. "backup.amazonaws.com"`, "bad service principal %q", sp)
	}
	return ok
}

// finish sorts everything whose order carries no meaning and derives the
// account path segments. It runs only on a valid snapshot.
func (b *builder) finish() {
	o := b.o
	sortByID(o.ous)
	// accountEntities placed each account at its rank in id order: every
	// id is a valid, distinct account id once build gets here, and the
	// numbers twelve digits spell sort as the digits do.
	for i := range b.accounts {
		o.accounts[i] = &b.accounts[i]
	}
	o.root.index = 0
	for i, u := range o.ous {
		u.index = int32(1 + i)
	}
	for i, a := range o.accounts {
		a.index = int32(1 + len(o.ous) + i)
	}
	// The parents (the root and the OUs, each at its index) and how many
	// OUs and children each has: the children of all share one array,
	// which appending one by one grew a few times for each parent.
	parents := append([]*Entity{o.root}, o.ous...)
	ous := make([]int, len(parents))
	kids := make([]int, len(parents))
	for _, u := range o.ous {
		ous[u.Parent.index]++
		kids[u.Parent.index]++
	}
	for _, a := range o.accounts {
		kids[a.Parent.index]++
	}
	shared := make([]*Entity, len(o.ous)+len(o.accounts))
	// keys holds the children's name keys (see nameKey) where shared
	// holds the children, for siblings.finish to tell the names apart
	// without reading each child: a parent's accounts are spread over
	// all of them, and reading each one missed the cache.
	keys := make([]uint64, len(shared))
	at := make([]int, len(parents)) // where each parent's children start
	for i, p := range parents {
		if i > 0 {
			at[i] = at[i-1] + kids[i-1]
		}
		if kids[i] > 0 {
			p.Children = shared[at[i] : at[i] : at[i]+kids[i]]
		}
	}
	// OUs first, then accounts, each in id order: each parent's accounts
	// are then in order already, and only its OUs need sorting, by name.
	for _, u := range o.ous {
		p := u.Parent
		keys[at[p.index]+len(p.Children)] = nameKey(b.seed, u.Name) >> 1
		p.Children = append(p.Children, u)
	}
	for r, a := range o.accounts {
		p := a.Parent
		keys[at[p.index]+len(p.Children)] = b.names[r] >> 1
		// An account goes by its name if the name can be a segment, and
		// (siblings.finish sees to it) no sibling shares it.
		a.idSegment = b.names[r]&1 == 0
		p.Children = append(p.Children, a)
	}
	// Parents are independent of one another: chunks of them, holding
	// minChunkItems accounts or so, are finished side by side.
	chunked(len(parents), minChunkItems*len(parents)/max(len(o.accounts), 1), func(lo, hi int) struct{} {
		// Reused: one map per parent was a hundred thousand entries.
		s := siblings{names: map[string]int{}}
		for i, e := range parents[lo:hi] {
			s.finish(e, ous[lo+i], keys[at[lo+i]:at[lo+i]+kids[lo+i]])
		}
		return struct{}{}
	})
	o.root.path = "Root"
	setPaths(o.root, ous)
	// The accounts' paths, in id order, share an allocation per chunk of
	// accounts: 100,000 strings allocated one by one were as many objects
	// for the collector, and scattered. The chunks are written side by
	// side; reading every account's name from all over the file is the
	// slow part.
	chunked(len(o.accounts), minChunkItems, func(lo, hi int) struct{} {
		as := o.accounts[lo:hi]
		n := 0
		for _, a := range as {
			n += len(a.Parent.path) + 1 + len(a.segment())
		}
		var all strings.Builder
		all.Grow(n)
		for _, a := range as {
			all.WriteString(a.Parent.path)
			all.WriteByte('/')
			all.WriteString(a.segment())
		}
		paths := all.String()
		for _, a := range as {
			k := len(a.Parent.path) + 1 + len(a.segment())
			a.path, paths = paths[:k], paths[k:]
		}
		return struct{}{}
	})
}

// setPaths sets the paths of the OUs below e from e's. The OUs come
// first among a parent's children, ous[its index] of them: looking at the
// accounts after them to pass them by missed the cache for every one.
func setPaths(e *Entity, ous []int) {
	for _, c := range e.Children[:ous[e.index]] {
		c.path = e.path + "/" + c.segment()
		setPaths(c, ous)
	}
}

// siblings is scratch space for finishing the children of parents.
type siblings struct {
	names map[string]int
}

// finish sorts e's children, the first ous of which are OUs (OUs by name,
// then accounts by id, which they are already), and sees that no account
// goes by a name a sibling shares (see Entity.idSegment).
//
// Names are told apart by their hashes, keys, which finish may reorder:
// when no two are equal, no two names are. Only when two are (a name
// shared, or a hash) are the names themselves counted.
func (s *siblings) finish(e *Entity, ous int, keys []uint64) {
	slices.SortFunc(e.Children[:ous], func(x, y *Entity) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
	})
	slices.Sort(keys)
	shared := false
	for i := 1; i < len(keys) && !shared; i++ {
		shared = keys[i] == keys[i-1]
	}
	if !shared {
		return
	}
	clear(s.names)
	for _, c := range e.Children {
		s.names[c.Name]++
	}
	for _, c := range e.Children {
		if c.Kind == Account {
			c.idSegment = c.idSegment || s.names[c.Name] != 1
		}
	}
}

// sortByID sorts entities by id. A snapshot that Encode wrote is in order
// already, which costs one pass to see.
func sortByID(es []*Entity) {
	if !slices.IsSortedFunc(es, byEntityID) {
		slices.SortFunc(es, byEntityID)
	}
}

// keyed is an account's place in the file and the number its id spells.
type keyed struct {
	id uint64
	i  int
}

// sortAccounts returns the accounts' numbers and places sorted by number,
// then place; ranks of it says where each account comes in id order when
// every id is an account id (twelve digits). The order of others is
// arbitrary (build reports them).
//
// The numbers the ids spell are sorted by radix, a byte at a time from
// the lowest, skipping the bytes all numbers share (twelve digits use
// five of eight): at 100,000 accounts, a few milliseconds where sorting
// by comparison took forty.
func sortAccounts(as []SnapshotAccount) []keyed {
	ks := make([]keyed, len(as))
	chunked(len(as), minChunkItems, func(lo, hi int) struct{} {
		for i := lo; i < hi; i++ {
			ks[i] = keyed{idNumber(as[i].ID), i}
		}
		return struct{}{}
	})
	// Each pass is stable, and the accounts start in the order of the
	// file: equal numbers stay in that order.
	tmp := make([]keyed, len(ks))
	for shift := 0; shift < 64 && len(ks) > 0; shift += 8 {
		var count [256]int
		for _, k := range ks {
			count[k.id>>shift&0xff]++
		}
		if count[ks[0].id>>shift&0xff] == len(ks) {
			continue // the same byte in every number
		}
		sum := 0
		for b, c := range count {
			count[b], sum = sum, sum+c
		}
		for _, k := range ks {
			b := k.id >> shift & 0xff
			tmp[count[b]] = k
			count[b]++
		}
		ks, tmp = tmp, ks
	}
	return ks
}

// ranks returns where each account of sorted comes, by its place.
func ranks(sorted []keyed) []int {
	rank := make([]int, len(sorted))
	for r, k := range sorted {
		rank[k.i] = r
	}
	return rank
}

// idNumber is strconv.ParseUint(id, 10, 64), ignoring its error, at a
// third of the cost for twelve digits, and without allocating the error
// for an id that is not a number (every OU's, which build looks up).
func idNumber(id string) uint64 {
	var n uint64
	for i := 0; i < len(id); i++ {
		c := id[i] - '0'
		if c > 9 {
			return 0 // a syntax error
		}
		n = n*10 + uint64(c)
	}
	if len(id) > 19 { // may not fit
		n, _ = strconv.ParseUint(id, 10, 64)
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// policyTypeName returns the element of PolicyTypes that is t: the Org
// keeps that, rather than t, which may be part of the snapshot's text.
func policyTypeName(t string) string {
	if i, ok := slices.BinarySearch(PolicyTypes, t); ok {
		return PolicyTypes[i]
	}
	return t
}

// detach copies the account e's ID, Name, ARN and Email into buf, one
// after the other, and makes them refer to the copies. Nothing writes
// buf again.
func (e *Entity) detach(buf []byte) {
	for _, p := range []*string{&e.ID, &e.Name, &e.ARN, &e.Email} {
		n := copy(buf, *p)
		if n > 0 {
			*p = unsafe.String(unsafe.SliceData(buf), n)
		}
		buf = buf[n:]
	}
}

// The values of an account's enumerated fields.
var (
	accountStatuses = []string{"ACTIVE", "SUSPENDED", "PENDING_CLOSURE"}
	accountStates   = []string{"PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"}
	joinedMethods   = []string{"INVITED", "CREATED"}
)

// known returns the element of values that is s, or a copy of s: a
// string the Org keeps rather than s.
func known(s string, values []string) string {
	if s == "" {
		return ""
	}
	for _, v := range values {
		if v == s {
			return v
		}
	}
	return strings.Clone(s)
}

// detach gives o copies of the strings it keeps other than the
// accounts' (see build and Entity.detach): those of the root, the OUs,
// the policies, the organization and its settings, and the keys of the
// maps that hold them. There are a few thousand, copied into one
// allocation but for the maps'.
func (o *Org) detach() {
	o.Source = known(o.Source, []string{"hand-written", "aws", "synthetic"})
	strs := make([]*string, 0, 4+3*(1+len(o.ous))+4*len(o.policies)+16)
	strs = append(strs, &o.Info.ID, &o.Info.ARN, &o.Info.ManagementAccountID, &o.Info.FeatureSet)
	if s := o.Settings; s != nil {
		for i := range s.TrustedServices {
			strs = append(strs, &s.TrustedServices[i])
		}
		if s.DelegatedAdministrators != nil {
			m := make(map[string][]string, len(s.DelegatedAdministrators))
			for sp, ids := range s.DelegatedAdministrators {
				for i := range ids {
					strs = append(strs, &ids[i])
				}
				m[strings.Clone(sp)] = ids
			}
			s.DelegatedAdministrators = m
		}
		s.BackupGlobalSettings = cloneStrings(s.BackupGlobalSettings)
	}
	ents := append([]*Entity{o.root}, o.ous...)
	for _, e := range ents {
		strs = append(strs, &e.ID, &e.Name, &e.ARN)
		for i, pt := range e.PolicyTypes {
			e.PolicyTypes[i] = PolicyTypeStatus{Type: policyTypeName(pt.Type), Status: known(pt.Status, []string{"ENABLED", "PENDING_ENABLE", "PENDING_DISABLE"})}
		}
	}
	for _, p := range o.policies {
		strs = append(strs, &p.ID, &p.Name, &p.ARN, &p.Description)
		p.Type = policyTypeName(p.Type)
		p.Tags = cloneStrings(p.Tags)
	}
	copyStrings(strs)
	// The maps' keys were the old strings.
	o.byID = make(map[string]*Entity, len(o.byID))
	for _, e := range ents {
		o.byID[e.ID] = e
	}
	o.policyID = make(map[string]*Policy, len(o.policyID))
	for _, p := range o.policies {
		if p.ID != "" {
			o.policyID[p.ID] = p
		}
	}
}

// copyStrings gives each string that strs points to a copy, all of them
// in one allocation.
func copyStrings(strs []*string) {
	n := 0
	for _, p := range strs {
		n += len(*p)
	}
	var all strings.Builder
	all.Grow(n)
	for _, p := range strs {
		all.WriteString(*p)
	}
	s := all.String()
	for _, p := range strs {
		*p, s = s[:len(*p)], s[len(*p):]
	}
}

// cloneStrings returns a copy of m whose keys and values are copies.
func cloneStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}
