// Package awsorgtest is an in-process fake of the AWS Organizations read
// API (and AWS Backup's DescribeGlobalSettings) that serves an org.Org, for
// tests and benchmarks of the live reader with the real SDK clients. It
// speaks the services' wire protocols (AWS JSON 1.1, REST-JSON), paginates
// as AWS documents (at most 20 items a page, optionally an empty page with a
// NextToken before every real one), enforces per-operation rate limits with
// TooManyRequestsException, injects faults, and counts calls.
//
// For the mutating API and behaviour this fake does not model, tests use
// moto (internal/awstest).
package awsorgtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"golang.org/x/time/rate"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/org"
)

// MaxPageSize is the most items a List call returns (the API's MaxResults
// maximum); DefaultPageSize is what it returns when the caller does not
// ask. AWS documents only the maximum; a smaller default makes a caller
// that forgets MaxResults visible in call counts.
const (
	MaxPageSize     = 20
	DefaultPageSize = 10
)

// Options shape the fake's behaviour. The zero value is a well-behaved
// AWS: no limits, no faults, account paths filled in.
type Options struct {
	// Rates are enforced per operation, each with its own token bucket
	// starting full; a request that finds its bucket empty gets
	// TooManyRequestsException. Nil: no limits. Benchmarks use
	// awstest.OrganizationsRates, the test kit's copy of the documented
	// table, which is independent of the reader's own (awsorg.Rates).
	Rates map[string]awstest.Rate
	// EmptyPages makes every List call answer an empty page carrying a
	// NextToken before each real page, which AWS documents it may do.
	EmptyPages bool
	// NoPaths leaves Account.Paths empty, as some AWS-compatible endpoints
	// do.
	NoPaths bool
	// NoGlobalSettings answers DescribeGlobalSettings with HTTP 404 and an
	// HTML body, as an endpoint that lacks it does (moto 5.2.1).
	NoGlobalSettings bool
	// Fault, if set, is asked before each request is served, with the
	// operation and how many requests for it came before (0 for the
	// first); a non-empty code is returned as that AWS error with status.
	Fault func(op string, n int) (status int, code string)
	// Latency is added to every response.
	Latency time.Duration
}

// Server is a running fake. Its state is the Org it was given, which it
// does not modify; change the Org only between reads.
type Server struct {
	URL  string
	Org  *org.Org
	opts Options
	srv  *httptest.Server

	mu        sync.Mutex
	calls     map[string]int
	throttled map[string]int
	buckets   map[string]*rate.Limiter
}

// NewServer starts a fake serving o; Close stops it.
func NewServer(o *org.Org, opts Options) *Server {
	s := &Server{Org: o, opts: opts}
	s.Reset()
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Reset zeroes the call counts and refills every rate bucket, as if no call
// had been made.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.throttled, s.buckets = map[string]int{}, map[string]int{}, map[string]*rate.Limiter{}
	for op, r := range s.opts.Rates {
		s.buckets[op] = rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst)
	}
}

// Calls returns the requests received per operation, throttled ones
// included.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// Throttled returns the requests answered with TooManyRequestsException per
// operation.
func (s *Server) Throttled() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.throttled)
}

// Config returns an aws.Config for the fake: static credentials, its URL as
// the endpoint of every service, and awsenv's retryer with the given
// options (tests shorten its backoff).
func (s *Server) Config(retryOpts ...func(*retry.StandardOptions)) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		BaseEndpoint: aws.String(s.URL),
		Retryer:      func() aws.Retryer { return awsenv.NewRetryer(retryOpts...) },
	}
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128.")
	if r.Method == http.MethodGet && r.URL.Path == "/global-settings" {
		op = "DescribeGlobalSettings"
	}
	body, _ := io.ReadAll(r.Body)
	var in request
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			s.fail(w, 400, "SerializationException", "cannot decode the request: "+err.Error())
			return
		}
	}

	s.mu.Lock()
	n := s.calls[op]
	s.calls[op]++
	b := s.buckets[op]
	if b != nil && !b.Allow() {
		s.throttled[op]++
		s.mu.Unlock()
		s.fail(w, 400, "TooManyRequestsException", "AWS Organizations can't complete your request because it was throttled")
		return
	}
	s.mu.Unlock()
	if f := s.opts.Fault; f != nil {
		if status, code := f(op, n); code != "" {
			s.fail(w, status, code, "injected")
			return
		}
	}
	h := handlers[op]
	if op == "DescribeGlobalSettings" {
		h = (*Server).describeGlobalSettings
	}
	if h == nil {
		s.fail(w, 400, "UnknownOperationException", "the fake does not serve "+op)
		return
	}
	out, status, code, msg := h(s, &in)
	if code != "" {
		s.fail(w, status, code, msg)
		return
	}
	if out == nil { // an HTML answer without an error code, as from moto
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprint(w, "<!DOCTYPE html><title>404 Not Found</title>")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}

// request holds every input field the served operations take.
type request struct {
	MaxResults       int
	NextToken        string
	ParentId         string
	Filter           string
	PolicyId         string
	ResourceId       string
	ServicePrincipal string
}

type handler func(s *Server, in *request) (out any, status int, code, msg string)

var handlers = map[string]handler{
	"DescribeOrganization":                (*Server).describeOrganization,
	"ListRoots":                           (*Server).listRoots,
	"ListOrganizationalUnitsForParent":    (*Server).listOUsForParent,
	"ListAccounts":                        (*Server).listAccounts,
	"ListAccountsForParent":               (*Server).listAccountsForParent,
	"ListPolicies":                        (*Server).listPolicies,
	"DescribePolicy":                      (*Server).describePolicy,
	"ListTagsForResource":                 (*Server).listTags,
	"ListTargetsForPolicy":                (*Server).listTargets,
	"ListAWSServiceAccessForOrganization": (*Server).listServiceAccess,
	"ListDelegatedAdministrators":         (*Server).listDelegatedAdmins,
}

// page cuts one page out of items for a request, honouring MaxResults and
// NextToken, and serving an empty page before each real one with
// Options.EmptyPages.
func page[T any](s *Server, in *request, items []T) ([]T, *string) {
	off, served := 0, false
	if t := in.NextToken; t != "" {
		served = strings.HasPrefix(t, "e")
		off, _ = strconv.Atoi(strings.TrimPrefix(t, "e"))
	}
	if s.opts.EmptyPages && !served {
		return []T{}, aws.String("e" + strconv.Itoa(off))
	}
	size := DefaultPageSize
	if in.MaxResults > 0 {
		size = min(in.MaxResults, MaxPageSize)
	}
	off = min(off, len(items))
	end := min(off+size, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(strconv.Itoa(end))
	}
	return items[off:end], next
}

func (s *Server) orgID() string {
	return cmp.Or(s.Org.Info.ID, "o-fakefakefa")
}

func (s *Server) mgmt() string {
	return cmp.Or(s.Org.Info.ManagementAccountID, "000000000000")
}

func (s *Server) arn(kind, id string) string {
	if kind == "root" || kind == "ou" || kind == "account" {
		return fmt.Sprintf("arn:aws:organizations::%s:%s/%s/%s", s.mgmt(), kind, s.orgID(), id)
	}
	return fmt.Sprintf("arn:aws:organizations::%s:policy/%s/%s/%s", s.mgmt(), s.orgID(), strings.ToLower(kind), id)
}

// path is e's entity path as AWS writes it: o-…/r-…/ou-…/…/id/.
func (s *Server) path(e *org.Entity) string {
	var ids []string
	for x := e; x != nil; x = x.Parent {
		ids = append(ids, x.ID)
	}
	ids = append(ids, s.orgID())
	slices.Reverse(ids)
	return strings.Join(ids, "/") + "/"
}

func (s *Server) describeOrganization(*request) (any, int, string, string) {
	i := s.Org.Info
	o := map[string]any{"Id": s.orgID(), "Arn": cmp.Or(i.ARN, fmt.Sprintf("arn:aws:organizations::%s:organization/%s", s.mgmt(), s.orgID())),
		"FeatureSet": cmp.Or(i.FeatureSet, "ALL")}
	if m := i.ManagementAccountID; m != "" { // a hand-written Org may not say
		o["MasterAccountId"] = m
		o["MasterAccountArn"] = fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", m, s.orgID(), m)
	}
	return map[string]any{"Organization": o}, 0, "", ""
}

func (s *Server) listRoots(in *request) (any, int, string, string) {
	r := s.Org.Root()
	types := []map[string]string{}
	for _, pt := range r.PolicyTypes {
		types = append(types, map[string]string{"Type": pt.Type, "Status": pt.Status})
	}
	items, next := page(s, in, []map[string]any{{"Id": r.ID, "Name": r.Name, "Arn": cmp.Or(r.ARN, s.arn("root", r.ID)), "PolicyTypes": types}})
	return map[string]any{"Roots": items, "NextToken": next}, 0, "", ""
}

func (s *Server) parent(id string) *org.Entity {
	if e := s.Org.Entity(id); e != nil && e.Kind != org.Account {
		return e
	}
	return nil
}

func (s *Server) listOUsForParent(in *request) (any, int, string, string) {
	p := s.parent(in.ParentId)
	if p == nil {
		return nil, 400, "ParentNotFoundException", "no parent " + in.ParentId
	}
	var ous []map[string]any
	for _, c := range p.Children {
		if c.Kind == org.OU {
			ous = append(ous, map[string]any{"Id": c.ID, "Name": c.Name, "Arn": cmp.Or(c.ARN, s.arn("ou", c.ID)), "Path": s.path(c)})
		}
	}
	items, next := page(s, in, ous)
	return map[string]any{"OrganizationalUnits": items, "NextToken": next}, 0, "", ""
}

func (s *Server) account(a *org.Entity, paths bool) map[string]any {
	m := map[string]any{"Id": a.ID, "Arn": cmp.Or(a.ARN, s.arn("account", a.ID)), "Name": a.Name, "Email": a.Email,
		"Status": a.Status, "State": a.State, "JoinedMethod": a.JoinedMethod}
	if !a.JoinedTimestamp.IsZero() {
		m["JoinedTimestamp"] = float64(a.JoinedTimestamp.UnixMilli()) / 1000
	}
	if paths && !s.opts.NoPaths {
		m["Paths"] = []string{s.path(a)}
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

func (s *Server) listAccounts(in *request) (any, int, string, string) {
	var as []map[string]any
	for _, a := range s.Org.Accounts() {
		as = append(as, s.account(a, true))
	}
	items, next := page(s, in, as)
	return map[string]any{"Accounts": items, "NextToken": next}, 0, "", ""
}

func (s *Server) listAccountsForParent(in *request) (any, int, string, string) {
	p := s.parent(in.ParentId)
	if p == nil {
		return nil, 400, "ParentNotFoundException", "no parent " + in.ParentId
	}
	var as []map[string]any
	for _, c := range p.Children {
		if c.Kind == org.Account {
			as = append(as, s.account(c, false))
		}
	}
	items, next := page(s, in, as)
	return map[string]any{"Accounts": items, "NextToken": next}, 0, "", ""
}

func (s *Server) summary(p *org.Policy) map[string]any {
	return map[string]any{"Id": p.ID, "Arn": cmp.Or(p.ARN, s.arn(p.Type, p.ID)), "Name": p.Name, "Description": p.Description,
		"Type": p.Type, "AwsManaged": p.AWSManaged}
}

func (s *Server) listPolicies(in *request) (any, int, string, string) {
	if !org.IsPolicyType(in.Filter) {
		return nil, 400, "InvalidInputException", "bad Filter " + in.Filter
	}
	var ps []map[string]any
	for _, p := range s.Org.Policies() {
		if p.Type == in.Filter {
			ps = append(ps, s.summary(p))
		}
	}
	items, next := page(s, in, ps)
	return map[string]any{"Policies": items, "NextToken": next}, 0, "", ""
}

func (s *Server) policy(id string) *org.Policy {
	for _, p := range s.Org.Policies() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) describePolicy(in *request) (any, int, string, string) {
	p := s.policy(in.PolicyId)
	if p == nil {
		return nil, 400, "PolicyNotFoundException", "no policy " + in.PolicyId
	}
	return map[string]any{"Policy": map[string]any{"PolicySummary": s.summary(p), "Content": string(p.Content.Compact())}}, 0, "", ""
}

func (s *Server) listTags(in *request) (any, int, string, string) {
	p := s.policy(in.ResourceId)
	if p == nil {
		return nil, 400, "TargetNotFoundException", "no resource " + in.ResourceId
	}
	var tags []map[string]string
	for _, k := range slices.Sorted(maps.Keys(p.Tags)) {
		tags = append(tags, map[string]string{"Key": k, "Value": p.Tags[k]})
	}
	// ListTagsForResource has no MaxResults: one page of all 50 tags
	// at most, as AWS allows per resource.
	in.MaxResults = 50
	items, next := page(s, in, tags)
	return map[string]any{"Tags": items, "NextToken": next}, 0, "", ""
}

func (s *Server) listTargets(in *request) (any, int, string, string) {
	p := s.policy(in.PolicyId)
	if p == nil {
		return nil, 400, "PolicyNotFoundException", "no policy " + in.PolicyId
	}
	var ts []map[string]any
	for _, e := range s.Org.Targets(p) {
		kind := map[org.Kind]string{org.Root: "ROOT", org.OU: "ORGANIZATIONAL_UNIT", org.Account: "ACCOUNT"}[e.Kind]
		ts = append(ts, map[string]any{"TargetId": e.ID, "Name": e.Name, "Type": kind,
			"Arn": s.arn(map[org.Kind]string{org.Root: "root", org.OU: "ou", org.Account: "account"}[e.Kind], e.ID)})
	}
	items, next := page(s, in, ts)
	return map[string]any{"Targets": items, "NextToken": next}, 0, "", ""
}

func (s *Server) settings() *org.Settings {
	if s.Org.Settings != nil {
		return s.Org.Settings
	}
	return &org.Settings{}
}

func (s *Server) listServiceAccess(in *request) (any, int, string, string) {
	var ps []map[string]any
	for _, sp := range s.settings().TrustedServices {
		ps = append(ps, map[string]any{"ServicePrincipal": sp, "DateEnabled": 1.6e9})
	}
	items, next := page(s, in, ps)
	return map[string]any{"EnabledServicePrincipals": items, "NextToken": next}, 0, "", ""
}

func (s *Server) listDelegatedAdmins(in *request) (any, int, string, string) {
	var ids []string
	if in.ServicePrincipal != "" {
		ids = s.settings().DelegatedAdministrators[in.ServicePrincipal]
	} else {
		for _, v := range s.settings().DelegatedAdministrators {
			ids = append(ids, v...)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
	}
	var as []map[string]any
	for _, id := range ids {
		m := map[string]any{"Id": id}
		if a := s.Org.Entity(id); a != nil {
			m = s.account(a, false)
		}
		as = append(as, m)
	}
	items, next := page(s, in, as)
	return map[string]any{"DelegatedAdministrators": items, "NextToken": next}, 0, "", ""
}

func (s *Server) describeGlobalSettings(*request) (any, int, string, string) {
	if s.opts.NoGlobalSettings {
		return nil, http.StatusNotFound, "", ""
	}
	gs := s.settings().BackupGlobalSettings
	if gs == nil {
		gs = map[string]string{}
	}
	return map[string]any{"GlobalSettings": gs, "LastUpdateTime": 1.6e9}, 0, "", ""
}
