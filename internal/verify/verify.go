// Package verify confirms, after an apply, that AWS computes the effective
// backup policies orgbackup computed: it compares DescribeEffectivePolicy for
// a sample of accounts (or all of them) with the local effective policy and
// reports every difference with the account, the path in the document and
// both values. This is how the inheritance rules the engine derived from
// the documentation get confirmed against AWS itself.
//
// It is pure apart from the two functions it is given to ask AWS.
package verify

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Options are the inputs of Run.
type Options struct {
	// Org is the organization the local effective policies are computed
	// from: the repository applied to the live organization.
	Org *org.Org
	// Accounts limits the check to these account ids (--account); empty
	// means the sample (or all).
	Accounts []string
	// All checks every account; otherwise PerState accounts (at least 1)
	// of each distinct local effective policy.
	All      bool
	PerState int

	// Effective asks AWS for an account's effective backup policy: the
	// document, or found=false when the account has none
	// (EffectivePolicyNotFoundException).
	Effective func(ctx context.Context, account string) (content string, found bool, err error)
	// Invalid asks AWS which accounts have an invalid effective backup
	// policy (ListAccountsWithInvalidEffectivePolicy).
	Invalid func(ctx context.Context) ([]string, error)

	// Wait is how long to keep asking again while AWS disagrees: effective
	// policies change asynchronously after an apply, so right after one a
	// difference may only mean "not propagated yet". Zero asks once.
	Wait time.Duration
	// Sleep waits between rounds; nil means a timer that returns early
	// when ctx ends. Now is the clock of Wait; nil means time.Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Difference is one place where AWS and orgbackup disagree.
type Difference struct {
	Path  string // plans.daily.rules.hourly.schedule_expression; "" for the whole document
	Local string // orgbackup's value, as JSON; "<missing>" when absent
	AWS   string // AWS's value, as JSON; "<missing>" when absent
}

// Account is the result for one account.
type Account struct {
	ID          string
	Path        string // Root/Prod/name, for people
	Differences []Difference
}

// Report is what Run found.
type Report struct {
	// Checked are the accounts compared, sorted by id; States how many
	// distinct local effective policies they cover, of StatesTotal.
	Checked             []Account
	States, StatesTotal int
	// Invalid are the accounts AWS reports with an invalid effective
	// policy, sorted.
	Invalid []string
}

// Failed reports whether anything disagrees.
func (r *Report) Failed() bool {
	if len(r.Invalid) > 0 {
		return true
	}
	for _, a := range r.Checked {
		if len(a.Differences) > 0 {
			return true
		}
	}
	return false
}

// Run asks AWS for the invalid accounts and the effective policies of the
// selected accounts, and compares them with the local ones. With Wait, the
// accounts that disagree are asked again, with a growing pause, until they
// agree or Wait has passed. Calls are made one at a time:
// DescribeEffectivePolicy has no documented rate, and a verification is not
// worth being throttled for.
func Run(ctx context.Context, o Options) (*Report, error) {
	eng := effective.NewEngine(o.Org, policy.Type)
	sel, states, total, err := Select(o.Org, eng, o.Accounts, o.All, o.PerState)
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	deadline := now().Add(o.Wait)
	rep := &Report{States: states, StatesTotal: total}
	results := map[string]Account{}
	pending := sel
	for delay := 5 * time.Second; ; delay = min(2*delay, time.Minute) {
		invalid, err := o.Invalid(ctx)
		if err != nil {
			return nil, fmt.Errorf("list accounts with an invalid effective policy: %w", err)
		}
		rep.Invalid = slices.Sorted(slices.Values(invalid))
		var again []*org.Entity
		for _, a := range pending {
			acc, err := check(ctx, o, eng, a)
			if err != nil {
				return nil, err
			}
			results[a.ID] = acc
			if len(acc.Differences) > 0 {
				again = append(again, a)
			}
		}
		pending = again
		left := deadline.Sub(now())
		if len(pending) == 0 && len(rep.Invalid) == 0 || left <= 0 {
			break
		}
		if err := sleep(ctx, o.Sleep, min(delay, left)); err != nil {
			return nil, err
		}
	}
	for _, a := range sel {
		rep.Checked = append(rep.Checked, results[a.ID])
	}
	return rep, nil
}

// check compares one account's effective policy.
func check(ctx context.Context, o Options, eng *effective.Engine, a *org.Entity) (Account, error) {
	content, found, err := o.Effective(ctx, a.ID)
	if err != nil {
		return Account{}, fmt.Errorf("describe the effective policy of %s: %w", a.ID, err)
	}
	local := eng.Effective(eng.State(a))
	acc := Account{ID: a.ID, Path: o.Org.Path(a)}
	if !found {
		if !effective.Empty(local) {
			acc.Differences = []Difference{{Local: string(local.Compact()), AWS: "<missing>"}}
		}
	} else if remote, perr := doc.Parse("DescribeEffectivePolicy", []byte(content)); perr != nil {
		acc.Differences = []Difference{{Local: string(local.Compact()), AWS: fmt.Sprintf("not JSON (%v)", perr)}}
	} else {
		acc.Differences = Compare(local, remote)
	}
	return acc, nil
}

func sleep(ctx context.Context, fn func(context.Context, time.Duration) error, d time.Duration) error {
	if fn != nil {
		return fn(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Select chooses the accounts to check: the given ids; or every account;
// or, deterministically, the perState lowest account ids of each distinct
// local effective policy, so that a sample covers every effective state
// there is. It also returns how many distinct states the selection covers
// and how many there are.
func Select(o *org.Org, eng *effective.Engine, ids []string, all bool, perState int) (sel []*org.Entity, covered, total int, err error) {
	perState = max(perState, 1)
	byState := map[string][]*org.Entity{}
	var order []string
	for _, a := range o.Accounts() { // sorted by id
		k := string(eng.Canonical(eng.State(a)))
		if _, ok := byState[k]; !ok {
			order = append(order, k)
		}
		byState[k] = append(byState[k], a)
	}
	total = len(order)
	state := map[*org.Entity]string{}
	for k, as := range byState {
		for _, a := range as {
			state[a] = k
		}
	}
	switch {
	case len(ids) > 0:
		for _, id := range ids {
			e := o.Entity(id)
			if e == nil || e.Kind != org.Account {
				return nil, 0, 0, fmt.Errorf("account %s is not in the organization", id)
			}
			if !slices.Contains(sel, e) {
				sel = append(sel, e)
			}
		}
	case all:
		sel = o.Accounts()
	default:
		for _, k := range order {
			as := byState[k]
			sel = append(sel, as[:min(perState, len(as))]...)
		}
	}
	slices.SortFunc(sel, func(a, b *org.Entity) int { return cmp.Compare(a.ID, b.ID) })
	seen := map[string]bool{}
	for _, a := range sel {
		seen[state[a]] = true
	}
	return sel, len(seen), total, nil
}

// Compare lists where remote differs from local, by path. Object keys are
// compared as they are (both sides are lower-cased effective policies);
// lists of plain values compare as sets, since AWS documents no order for
// them; any other difference is reported at the deepest path where it
// shows.
func Compare(local, remote *doc.Node) []Difference {
	var out []Difference
	compare(nil, local, remote, &out)
	return out
}

func compare(path []string, a, b *doc.Node, out *[]Difference) {
	if doc.Equal(a, b) {
		return
	}
	if a != nil && b != nil && a.Kind == doc.Object && b.Kind == doc.Object {
		keys := map[string]bool{}
		for _, f := range a.Fields {
			keys[f.Key] = true
		}
		for _, f := range b.Fields {
			keys[f.Key] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			compare(append(path[:len(path):len(path)], k), a.Get(k), b.Get(k), out)
		}
		return
	}
	if sameSet(a, b) {
		return
	}
	*out = append(*out, Difference{Path: strings.Join(path, "."), Local: value(a), AWS: value(b)})
}

// sameSet reports whether a and b are lists of the same plain values in
// any order.
func sameSet(a, b *doc.Node) bool {
	if a == nil || b == nil || a.Kind != doc.Array || b.Kind != doc.Array || len(a.Items) != len(b.Items) {
		return false
	}
	left := slices.Clone(b.Items)
	for _, it := range a.Items {
		if it.Kind == doc.Object || it.Kind == doc.Array {
			return false
		}
		i := slices.IndexFunc(left, func(n *doc.Node) bool { return doc.Equal(it, n) })
		if i < 0 {
			return false
		}
		left = slices.Delete(left, i, i+1)
	}
	return true
}

func value(n *doc.Node) string {
	if n == nil {
		return "<missing>"
	}
	return string(n.Compact())
}
