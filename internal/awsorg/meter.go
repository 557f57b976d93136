package awsorg

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// Rate is a documented per-operation request limit: a token bucket refilled
// at PerSecond with room for Burst requests.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Rates are AWS Organizations' documented request limits per account
// (Organizations quotas, "Throttling limits for API operations"; copied in
// aws-backup-policies.md §3.3). Where the quota page gives a second, per
// organization, figure, the lower of the two is here. Operations it does
// not list have no client-side limit; the concurrency bound still applies.
var Rates = map[string]Rate{
	"AttachPolicy":                        {2, 3},
	"CreatePolicy":                        {2, 3},
	"DeletePolicy":                        {2, 3},
	"DescribeOrganization":                {1, 2},
	"DescribePolicy":                      {2, 2},
	"DetachPolicy":                        {2, 3},
	"DisablePolicyType":                   {1, 1},
	"EnableAWSServiceAccess":              {1, 2},
	"EnablePolicyType":                    {1, 1},
	"ListAWSServiceAccessForOrganization": {1, 3},
	"ListAccounts":                        {8, 12},
	"ListAccountsForParent":               {5, 8},
	"ListChildren":                        {6, 10},
	"ListDelegatedAdministrators":         {5, 8},
	"ListOrganizationalUnitsForParent":    {5, 8},
	"ListParents":                         {5, 8},
	"ListPolicies":                        {5, 8},
	"ListPoliciesForTarget":               {5, 8},
	"ListRoots":                           {1, 2},
	"ListTagsForResource":                 {10, 15},
	"ListTargetsForPolicy":                {5, 8},
	"RegisterDelegatedAdministrator":      {1, 2},
	"TagResource":                         {4, 6},
	"UntagResource":                       {4, 6},
	"UpdatePolicy":                        {2, 3},
}

// DefaultConcurrency bounds the requests a Meter lets be in flight at once.
// At the documented rates a read makes about 30 calls a second in all;
// eight in flight cover that with round trips of up to a quarter of a
// second, and keep a slow endpoint from piling up connections.
const DefaultConcurrency = 8

// Meter paces and counts the calls of AWS clients it is installed in
// (Install): each attempt, retries included, first waits for a token of its
// operation's Rate, then for one of the concurrency slots, and is counted.
//
// The client-side bucket holds fewer tokens than AWS's: calls sent at
// exactly the documented rate arrive with varying delays, and two that
// arrive closer together than they were sent could find AWS's bucket
// empty. The tokens held back (a quarter of a second's worth, at least
// one) absorb that much jitter, so that throttling is the exception
// (another caller using the account's quota) rather than the way the limit
// is found. Where AWS's burst leaves no room for that, the client sends at
// four fifths of the rate instead. When AWS throttles anyway, the client's
// bucket is emptied too, so that both start again from the same point.
type Meter struct {
	limiters map[string]*rate.Limiter
	slots    chan struct{}

	mu    sync.Mutex
	stats map[string]*OpStats
}

// OpStats counts one operation's attempts.
type OpStats struct {
	Calls     int // requests sent, retries included
	Throttled int // of which answered TooManyRequests/Throttling
	Failed    int // of which failed otherwise (an AWS error, or the connection)
}

// Succeeded returns the calls that succeeded: the ones the reader chose to
// make, as opposed to the retries AWS or the network made necessary.
func (s OpStats) Succeeded() int { return s.Calls - s.Throttled - s.Failed }

// NewMeter returns a Meter that enforces rates (keyed by operation name)
// with at most concurrency requests in flight (DefaultConcurrency if <= 0).
func NewMeter(rates map[string]Rate, concurrency int) *Meter {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	m := &Meter{limiters: map[string]*rate.Limiter{}, slots: make(chan struct{}, concurrency), stats: map[string]*OpStats{}}
	for op, r := range rates {
		m.limiters[op] = clientLimiter(r)
	}
	return m
}

// jitter is how much variation in delivery delay the client-side buckets
// absorb (see Meter).
const jitter = 250 * time.Millisecond

func clientLimiter(r Rate) *rate.Limiter {
	slack := max(1, int(math.Ceil(r.PerSecond*jitter.Seconds())))
	if r.Burst > slack {
		return rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst-slack)
	}
	return rate.NewLimiter(rate.Limit(r.PerSecond*0.8), 1)
}

// Install adds the meter to a client's middleware stack; pass it in the
// client's (or one call's) APIOptions. It runs once per attempt, after the
// retryer's backoff and before signing.
func (m *Meter) Install(stack *middleware.Stack) error {
	return stack.Finalize.Insert(meterStep{m}, "Retry", middleware.After)
}

type meterStep struct{ m *Meter }

func (meterStep) ID() string { return "orgbackup.Meter" }

func (s meterStep) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	m, op := s.m, middleware.GetOperationName(ctx)
	if l := m.limiters[op]; l != nil {
		if err := l.Wait(ctx); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
	}
	select {
	case m.slots <- struct{}{}:
	case <-ctx.Done():
		return middleware.FinalizeOutput{}, middleware.Metadata{}, ctx.Err()
	}
	out, md, err := next.HandleFinalize(ctx, in)
	<-m.slots
	if m.record(op, err) {
		if l := m.limiters[op]; l != nil {
			l.ReserveN(time.Now(), l.Burst())
		}
	}
	return out, md, err
}

// record counts an attempt and reports whether it was throttled.
func (m *Meter) record(op string, err error) (throttled bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.stats[op]
	if st == nil {
		st = &OpStats{}
		m.stats[op] = st
	}
	st.Calls++
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "TooManyRequestsException" || ae.ErrorCode() == "ThrottlingException") {
			st.Throttled++
			return true
		}
		st.Failed++
	}
	return false
}

// Stats returns the counts so far by operation name.
func (m *Meter) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := make(Stats, len(m.stats))
	for op, st := range m.stats {
		s[op] = *st
	}
	return s
}

// Stats are a Meter's counts by operation name.
type Stats map[string]OpStats

// Calls returns the number of requests sent, retries included.
func (s Stats) Calls() int {
	n := 0
	for _, st := range s {
		n += st.Calls
	}
	return n
}

// Throttled returns the number of requests AWS throttled.
func (s Stats) Throttled() int {
	n := 0
	for _, st := range s {
		n += st.Throttled
	}
	return n
}

// String renders the counts for people, e.g. "412 API calls
// (DescribeOrganization 1, ListAccounts 100, ...), 0 throttled".
func (s Stats) String() string {
	ops := make([]string, 0, len(s))
	for op := range s {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, s[op].Calls)
	}
	return fmt.Sprintf("%d API calls (%s), %d throttled, %d failed", s.Calls(), strings.Join(parts, ", "), s.Throttled(), s.Failed())
}

// Failed returns the requests that failed other than by throttling.
func (s Stats) Failed() int {
	n := 0
	for _, st := range s {
		n += st.Failed
	}
	return n
}
