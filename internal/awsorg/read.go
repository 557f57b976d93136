// Package awsorg reaches AWS Organizations: the live reader (read.go),
// which fills an org.Snapshot from the API, and the executors that change
// the organization (apply.go).
package awsorg

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"

	"github.com/orgbackup/orgbackup/internal/awsbackup"
	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// ReadAPI is the part of *organizations.Client the reader uses.
type ReadAPI interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListOrganizationalUnitsForParent(context.Context, *organizations.ListOrganizationalUnitsForParentInput, ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(context.Context, *organizations.ListAccountsForParentInput, ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	ListPolicies(context.Context, *organizations.ListPoliciesInput, ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error)
	DescribePolicy(context.Context, *organizations.DescribePolicyInput, ...func(*organizations.Options)) (*organizations.DescribePolicyOutput, error)
	ListTagsForResource(context.Context, *organizations.ListTagsForResourceInput, ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)
	ListTargetsForPolicy(context.Context, *organizations.ListTargetsForPolicyInput, ...func(*organizations.Options)) (*organizations.ListTargetsForPolicyOutput, error)
	ListAWSServiceAccessForOrganization(context.Context, *organizations.ListAWSServiceAccessForOrganizationInput, ...func(*organizations.Options)) (*organizations.ListAWSServiceAccessForOrganizationOutput, error)
	ListDelegatedAdministrators(context.Context, *organizations.ListDelegatedAdministratorsInput, ...func(*organizations.Options)) (*organizations.ListDelegatedAdministratorsOutput, error)
}

// ErrCredentials is in the error of a read that failed for want of usable
// AWS credentials: none found, or a role that could not be assumed.
var ErrCredentials = errors.New("no usable AWS credentials")

// BackupService is AWS Backup's service principal: the one whose trusted
// access and delegated administrators backup policies care about.
const BackupService = "backup.amazonaws.com"

// pageSize is the most any Organizations List call returns per page. Asking
// for it makes the fewest calls; the default page size is the service's
// choice and may be smaller.
const pageSize = 20

// Reader reads an organization from AWS: everything a snapshot records,
// for backup policies. Only Org is required.
type Reader struct {
	Org ReadAPI
	// Backup reads AWS Backup's global settings; nil leaves them unknown.
	Backup awsbackup.SettingsReader
	// Previous is the last snapshot of the organization. No API returns
	// the order in which policies were attached to one target, which
	// decides same-level conflicts, so the reader keeps Previous's order
	// and appends attachments Previous does not have, in policy id order
	// (see Result.Appended). Nil: every attachment is appended.
	Previous *org.Org
	// Meter paces and counts the calls; nil: NewMeter(Rates,
	// DefaultConcurrency).
	Meter *Meter
	// Progress, if set, gets a line every ProgressEvery (default 5 s)
	// while the read takes longer than that: large organizations take
	// minutes at the documented rates.
	Progress      io.Writer
	ProgressEvery time.Duration
	// Now stamps the snapshot; nil: time.Now.
	Now func() time.Time
}

// Result is what Read found, and how.
type Result struct {
	// Org is the organization, checked by org.New: source "aws",
	// captured_at set, BACKUP_POLICY policies only.
	Org *org.Org
	// Stats are the calls made, by operation, retries included.
	Stats Stats
	// Appended lists the targets that have attachments Previous does not
	// record, sorted by target id.
	Appended []Appended
	// Unknown lists what could not be read and is recorded as unknown
	// (absent) in the snapshot, each with the reason.
	Unknown []string
	// AccountsByParent is true when accounts were listed per parent
	// (ListAccountsForParent) because ListAccounts gave no usable Paths.
	AccountsByParent bool
}

// Appended is a target whose attachments are not all in the previous
// snapshot.
type Appended struct {
	Target   string   // root, OU or account id
	Kept     []string // policy ids whose order came from the previous snapshot
	Appended []string // policy ids appended after them, in id order
}

// Read reads the organization. It returns an error if any part of it
// cannot be read, except the settings, which AWS-compatible endpoints may
// not offer (see Result.Unknown); access denied is always an error.
func (r *Reader) Read(ctx context.Context) (*Result, error) {
	m := r.Meter
	if m == nil {
		m = NewMeter(Rates, DefaultConcurrency)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	st := &readState{
		api: r.Org, meter: m,
		ous: map[string]*ouRec{}, accounts: map[string]*accountRec{}, policies: map[string]*policyRec{},
		modeReady: make(chan struct{}),
	}
	st.opt = func(o *organizations.Options) { o.APIOptions = append(o.APIOptions, m.Install) }
	stop := st.progress(r.Progress, cmp.Or(r.ProgressEvery, 5*time.Second))
	err := st.read(ctx, r.Backup)
	stop()
	if err != nil {
		if strings.Contains(err.Error(), "get identity: ") {
			// The SDK has no error type for this; its message is stable.
			return nil, fmt.Errorf("read organization: %w (the README's \"Pointing orgbackup at an organization\" says where orgbackup looks): %w", ErrCredentials, err)
		}
		return nil, fmt.Errorf("read organization: %w", err)
	}
	snap, appended, err := st.snapshot(now(), r.Previous)
	if err != nil {
		return nil, fmt.Errorf("read organization: %w", err)
	}
	o, err := org.New(snap)
	if err != nil {
		return nil, fmt.Errorf("read organization: what AWS returned fails orgbackup's checks (if the organization changed during the read, run again):\n%w", err)
	}
	return &Result{Org: o, Stats: m.Stats(), Appended: appended, Unknown: st.unknown, AccountsByParent: !st.byPaths}, nil
}

type ouRec struct {
	ou     types.OrganizationalUnit
	parent string
}

type accountRec struct {
	a      types.Account
	parent string
}

type policyRec struct {
	summary types.PolicySummary
	content string
	tags    map[string]string
	targets []string
}

// readState is one Read in progress. Goroutines fill it under mu.
type readState struct {
	api   ReadAPI
	meter *Meter
	opt   func(*organizations.Options)

	mu       sync.Mutex
	info     *types.Organization
	root     *types.Root
	ous      map[string]*ouRec
	accounts map[string]*accountRec
	policies map[string]*policyRec
	trusted  []string // nil: unknown
	admins   []string // nil: unknown
	global   map[string]string
	unknown  []string

	// Accounts come from ListAccounts when it gives every account's path
	// (byPaths), otherwise per parent; modeReady is closed once that is
	// decided.
	modeReady chan struct{}
	byPaths   bool

	nOUs, nAccounts, nPolicies, nDescribed atomic.Int64
}

func (st *readState) read(ctx context.Context, bk awsbackup.SettingsReader) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		out, err := st.api.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}, st.opt)
		if err != nil {
			return explain("DescribeOrganization", err)
		}
		st.mu.Lock()
		st.info = out.Organization
		st.mu.Unlock()
		return nil
	})
	g.Go(func() error { return st.readTrusted(ctx) })
	g.Go(func() error { return st.readAdmins(ctx) })
	g.Go(func() error { return st.readGlobal(ctx, bk) })
	g.Go(func() error { return st.readPolicies(ctx, g) })
	g.Go(func() error { return st.readAccounts(ctx) })
	g.Go(func() error {
		var roots []types.Root
		p := organizations.NewListRootsPaginator(st.api, &organizations.ListRootsInput{MaxResults: aws.Int32(pageSize)})
		if err := drain(ctx, p, st.opt, func(out *organizations.ListRootsOutput) { roots = append(roots, out.Roots...) }); err != nil {
			return explain("ListRoots", err)
		}
		if len(roots) != 1 {
			return fmt.Errorf("ListRoots returned %d roots; an organization has exactly one", len(roots))
		}
		st.mu.Lock()
		st.root = &roots[0]
		st.mu.Unlock()
		st.walk(ctx, g, aws.ToString(roots[0].Id), 0)
		return nil
	})
	return g.Wait()
}

// walk lists the OUs below parent, and walks each, and lists the accounts
// directly in parent if that is how accounts are read.
func (st *readState) walk(ctx context.Context, g *errgroup.Group, parent string, depth int) {
	g.Go(func() error {
		// OUs nest at most org.MaxOUDepth levels: an OU that deep cannot
		// have child OUs, so asking would be a wasted call.
		if depth < org.MaxOUDepth {
			p := organizations.NewListOrganizationalUnitsForParentPaginator(st.api,
				&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(pageSize)})
			err := drain(ctx, p, st.opt, func(out *organizations.ListOrganizationalUnitsForParentOutput) {
				for _, ou := range out.OrganizationalUnits {
					id := aws.ToString(ou.Id)
					st.mu.Lock()
					st.ous[id] = &ouRec{ou: ou, parent: parent}
					st.mu.Unlock()
					st.nOUs.Add(1)
					st.walk(ctx, g, id, depth+1)
				}
			})
			if err != nil {
				return explain("ListOrganizationalUnitsForParent", err)
			}
		}
		select {
		case <-st.modeReady:
		case <-ctx.Done():
			return ctx.Err()
		}
		if st.byPaths {
			return nil
		}
		p := organizations.NewListAccountsForParentPaginator(st.api,
			&organizations.ListAccountsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(pageSize)})
		err := drain(ctx, p, st.opt, func(out *organizations.ListAccountsForParentOutput) {
			st.addAccounts(out.Accounts, func(types.Account) string { return parent })
		})
		return explain("ListAccountsForParent", err)
	})
}

// readAccounts lists every account with ListAccounts, which needs about
// half the calls of listing them per parent and has a higher rate limit,
// as long as each account comes with its path in the organization
// (Account.Paths). On the first account without one (AWS-compatible
// endpoints may not fill it), it stops and leaves accounts to walk.
func (st *readState) readAccounts(ctx context.Context) error {
	decided := false
	decide := func(byPaths bool) {
		if !decided {
			decided, st.byPaths = true, byPaths
			close(st.modeReady)
		}
	}
	defer decide(true) // no accounts at all: nothing to place
	p := organizations.NewListAccountsPaginator(st.api, &organizations.ListAccountsInput{MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, st.opt)
		if err != nil {
			decide(false) // let the walk finish its own part before the group stops
			return explain("ListAccounts", err)
		}
		for _, a := range out.Accounts {
			if _, ok := parentFromPaths(a); !ok {
				if decided {
					// Too late to list per parent: the walk has
					// passed parents by. Not seen from AWS.
					return fmt.Errorf("ListAccounts gave account %s no usable path (%q) after it gave others one; run again", aws.ToString(a.Id), a.Paths)
				}
				decide(false)
				return nil
			}
		}
		if len(out.Accounts) > 0 {
			decide(true)
		}
		st.addAccounts(out.Accounts, func(a types.Account) string { p, _ := parentFromPaths(a); return p })
	}
	return nil
}

// parentFromPaths returns the id of the root or OU an account is in, from
// its only path ("o-…/r-…/ou-…/111122223333/").
func parentFromPaths(a types.Account) (string, bool) {
	if len(a.Paths) != 1 {
		return "", false
	}
	segs := strings.Split(strings.TrimSuffix(a.Paths[0], "/"), "/")
	n := len(segs)
	if n < 3 || segs[n-1] != aws.ToString(a.Id) || !(org.IsRootID(segs[n-2]) || org.IsOUID(segs[n-2])) {
		return "", false
	}
	return segs[n-2], true
}

func (st *readState) addAccounts(as []types.Account, parent func(types.Account) string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, a := range as {
		st.accounts[aws.ToString(a.Id)] = &accountRec{a: a, parent: parent(a)}
	}
	st.nAccounts.Add(int64(len(as)))
}

// readPolicies lists the backup policies and, for each, reads its content,
// tags and targets: one DescribePolicy, one ListTagsForResource and one
// ListTargetsForPolicy (per page) each. ListTargetsForPolicy per policy
// takes far fewer calls than ListPoliciesForTarget per root, OU and account.
func (st *readState) readPolicies(ctx context.Context, g *errgroup.Group) error {
	p := organizations.NewListPoliciesPaginator(st.api, &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy, MaxResults: aws.Int32(pageSize)})
	err := drain(ctx, p, st.opt, func(out *organizations.ListPoliciesOutput) {
		for _, s := range out.Policies {
			id := aws.ToString(s.Id)
			rec := &policyRec{summary: s, tags: map[string]string{}}
			st.mu.Lock()
			st.policies[id] = rec
			st.mu.Unlock()
			st.nPolicies.Add(1)
			g.Go(func() error {
				out, err := st.api.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)}, st.opt)
				if err != nil {
					return explain("DescribePolicy", err)
				}
				st.mu.Lock()
				if out.Policy != nil {
					rec.content = aws.ToString(out.Policy.Content)
					if out.Policy.PolicySummary != nil {
						rec.summary = *out.Policy.PolicySummary
					}
				}
				st.mu.Unlock()
				st.nDescribed.Add(1)
				return nil
			})
			g.Go(func() error {
				p := organizations.NewListTagsForResourcePaginator(st.api, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
				return explain("ListTagsForResource", drain(ctx, p, st.opt, func(out *organizations.ListTagsForResourceOutput) {
					st.mu.Lock()
					defer st.mu.Unlock()
					for _, t := range out.Tags {
						rec.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
					}
				}))
			})
			g.Go(func() error {
				p := organizations.NewListTargetsForPolicyPaginator(st.api, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id), MaxResults: aws.Int32(pageSize)})
				return explain("ListTargetsForPolicy", drain(ctx, p, st.opt, func(out *organizations.ListTargetsForPolicyOutput) {
					st.mu.Lock()
					defer st.mu.Unlock()
					for _, t := range out.Targets {
						rec.targets = append(rec.targets, aws.ToString(t.TargetId))
					}
				}))
			})
		}
	})
	return explain("ListPolicies", err)
}

func (st *readState) readTrusted(ctx context.Context) error {
	var ps []string
	p := organizations.NewListAWSServiceAccessForOrganizationPaginator(st.api, &organizations.ListAWSServiceAccessForOrganizationInput{MaxResults: aws.Int32(pageSize)})
	err := drain(ctx, p, st.opt, func(out *organizations.ListAWSServiceAccessForOrganizationOutput) {
		for _, s := range out.EnabledServicePrincipals {
			ps = append(ps, aws.ToString(s.ServicePrincipal))
		}
	})
	if err != nil {
		return st.unknownIf("trusted services", "ListAWSServiceAccessForOrganization", err)
	}
	st.mu.Lock()
	st.trusted = append([]string{}, ps...)
	st.mu.Unlock()
	return nil
}

func (st *readState) readAdmins(ctx context.Context) error {
	var ids []string
	p := organizations.NewListDelegatedAdministratorsPaginator(st.api,
		&organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(BackupService), MaxResults: aws.Int32(pageSize)})
	err := drain(ctx, p, st.opt, func(out *organizations.ListDelegatedAdministratorsOutput) {
		for _, a := range out.DelegatedAdministrators {
			ids = append(ids, aws.ToString(a.Id))
		}
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "InvalidInputException" {
			// AWS accepts this principal; an endpoint that does not
			// (moto) cannot tell us, which is not the same as "none".
			st.addUnknown(fmt.Sprintf("delegated administrators for %s: the endpoint refused the service principal (%s)", BackupService, ae.ErrorMessage()))
			return nil
		}
		return st.unknownIf("delegated administrators for "+BackupService, "ListDelegatedAdministrators", err)
	}
	st.mu.Lock()
	st.admins = append([]string{}, ids...)
	st.mu.Unlock()
	return nil
}

func (st *readState) readGlobal(ctx context.Context, bk awsbackup.SettingsReader) error {
	if bk == nil {
		st.addUnknown("AWS Backup global settings: not read")
		return nil
	}
	s, err := awsbackup.GlobalSettings(ctx, bk, func(o *backup.Options) { o.APIOptions = append(o.APIOptions, st.meter.Install) })
	if err != nil {
		return st.unknownIf("AWS Backup global settings", "DescribeGlobalSettings", err)
	}
	st.mu.Lock()
	st.global = s
	st.mu.Unlock()
	return nil
}

// unknownIf records what as unknown when the endpoint does not offer op at
// all, and returns every other error, explained.
func (st *readState) unknownIf(what, op string, err error) error {
	if awsenv.NotOffered(err) {
		st.addUnknown(fmt.Sprintf("%s: the endpoint does not offer %s (%s)", what, op, shortErr(err)))
		return nil
	}
	return explain(op, err)
}

func (st *readState) addUnknown(s string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.unknown = append(st.unknown, s)
	slices.Sort(st.unknown)
}

// shortErr is the gist of an SDK error, without the operation and request
// id that the SDK's message repeats: the AWS error code and message, or the
// HTTP status of an answer that has none.
func shortErr(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d", re.HTTPStatusCode())
	}
	return err.Error()
}

// explain adds what a person can do to the errors that have an obvious
// fix. The SDK's message already names the operation.
func explain(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException", "AccessDenied":
			svc := "organizations"
			if op == "DescribeGlobalSettings" {
				svc = "backup"
			}
			return fmt.Errorf("%w\n(the credentials in use need %s:%s; the README lists what `org snapshot` needs in IAM)", err, svc, op)
		case "AWSOrganizationsNotInUseException":
			return fmt.Errorf("%w\n(the credentials in use belong to an account that is not in an organization; use the management account's, or a delegated administrator's)", err)
		}
	}
	return err
}

// paginator is what the SDK's generated paginators have in common.
type paginator[T any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*organizations.Options)) (T, error)
}

// drain calls fn with every page. It stops only when the paginator does:
// an empty page that carries a NextToken is not the end.
func drain[T any](ctx context.Context, p paginator[T], opt func(*organizations.Options), fn func(T)) error {
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, opt)
		if err != nil {
			return err
		}
		fn(out)
	}
	return nil
}

// progress prints a line to w every interval until the returned func is
// called; nothing if the read ends first.
func (st *readState) progress(w io.Writer, every time.Duration) func() {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "reading the organization: %d OUs, %d accounts, %d of %d policies described; %d API calls so far\n",
					st.nOUs.Load(), st.nAccounts.Load(), st.nDescribed.Load(), st.nPolicies.Load(), st.meter.Stats().Calls())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// snapshot assembles what was read into an org.Snapshot, ordering each
// target's attachments as described on Reader.Previous.
func (st *readState) snapshot(at time.Time, prev *org.Org) (*org.Snapshot, []Appended, error) {
	s := &org.Snapshot{FormatVersion: org.FormatVersion, Source: "aws", CapturedAt: at.UTC().Truncate(time.Second).Format(time.RFC3339)}
	if i := st.info; i != nil {
		s.Organization = &org.SnapshotOrganization{ID: aws.ToString(i.Id), ARN: aws.ToString(i.Arn),
			ManagementAccountID: aws.ToString(i.MasterAccountId), FeatureSet: string(i.FeatureSet)}
	}
	s.Settings = &org.SnapshotSettings{TrustedServices: st.trusted, BackupGlobalSettings: st.global}
	if st.admins != nil {
		s.Settings.DelegatedAdministrators = map[string][]string{BackupService: st.admins}
	}

	// Attachments: target → policy ids, then in order.
	attached := map[string][]string{}
	for id, p := range st.policies {
		for _, t := range p.targets {
			attached[t] = append(attached[t], id)
		}
	}
	known := func(id string) bool {
		_, ou := st.ous[id]
		_, acct := st.accounts[id]
		return ou || acct || id == aws.ToString(st.root.Id)
	}
	var appended []Appended
	for _, t := range slices.Sorted(maps.Keys(attached)) {
		if !known(t) {
			return nil, nil, fmt.Errorf("a backup policy is attached to %s, which the listing of OUs and accounts did not return; the organization probably changed during the read: run again", t)
		}
		order, a := attachmentOrder(prev, t, attached[t])
		attached[t] = order
		if a != nil {
			appended = append(appended, *a)
		}
	}
	refs := func(id string) map[string][]string {
		if ps := attached[id]; len(ps) > 0 {
			return map[string][]string{policy.Type: ps}
		}
		return nil
	}

	r := st.root
	sr := org.SnapshotRoot{ID: aws.ToString(r.Id), Name: aws.ToString(r.Name), ARN: aws.ToString(r.Arn), Policies: refs(aws.ToString(r.Id))}
	for _, pt := range r.PolicyTypes {
		sr.PolicyTypes = append(sr.PolicyTypes, org.SnapshotPolicyType{Type: string(pt.Type), Status: string(pt.Status)})
	}
	s.Roots = []org.SnapshotRoot{sr}
	for _, id := range slices.Sorted(maps.Keys(st.ous)) {
		u := st.ous[id]
		s.OUs = append(s.OUs, org.SnapshotOU{ID: id, Name: aws.ToString(u.ou.Name), ParentID: u.parent, ARN: aws.ToString(u.ou.Arn), Policies: refs(id)})
	}
	for _, id := range slices.Sorted(maps.Keys(st.accounts)) {
		a := st.accounts[id].a
		sa := org.SnapshotAccount{ID: id, Name: aws.ToString(a.Name), ParentID: st.accounts[id].parent, Email: aws.ToString(a.Email),
			ARN: aws.ToString(a.Arn), Status: string(a.Status), State: string(a.State), JoinedMethod: string(a.JoinedMethod), Policies: refs(id)}
		if a.JoinedTimestamp != nil {
			sa.JoinedTimestamp = a.JoinedTimestamp.UTC().Format(time.RFC3339)
		}
		s.Accounts = append(s.Accounts, sa)
	}
	for _, id := range slices.Sorted(maps.Keys(st.policies)) {
		p := st.policies[id]
		s.Policies = append(s.Policies, org.SnapshotPolicy{ID: id, Name: aws.ToString(p.summary.Name), Type: string(p.summary.Type),
			ARN: aws.ToString(p.summary.Arn), Description: aws.ToString(p.summary.Description), AWSManaged: p.summary.AwsManaged,
			Tags: p.tags, Content: org.ContentString(p.content)})
	}
	return s, appended, nil
}

// attachmentOrder orders the policies attached to target: those prev
// records, in prev's order, then the others by id. It returns what it
// appended, or nil if prev had them all.
func attachmentOrder(prev *org.Org, target string, live []string) ([]string, *Appended) {
	var kept []string
	if prev != nil {
		if e := prev.Entity(target); e != nil {
			for _, p := range prev.Attached(e, policy.Type) {
				if slices.Contains(live, p.ID) {
					kept = append(kept, p.ID)
				}
			}
		}
	}
	var added []string
	for _, id := range live {
		if !slices.Contains(kept, id) {
			added = append(added, id)
		}
	}
	if len(added) == 0 {
		return kept, nil
	}
	slices.Sort(added)
	return append(slices.Clone(kept), added...), &Appended{Target: target, Kept: kept, Appended: added}
}
