package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Fault is a failure the proxy injects instead of, or after, forwarding.
type Fault string

const (
	// Throttle answers with the service's throttling error
	// (Organizations: TooManyRequestsException, HTTP 400).
	Throttle Fault = "throttle"
	// Conflict answers ConcurrentModificationException.
	Conflict Fault = "conflict"
	// ServerError answers HTTP 500 with the service's internal error code.
	ServerError Fault = "5xx"
	// DropBefore closes the connection without forwarding or answering.
	DropBefore Fault = "drop-before"
	// DropAfter forwards the call, lets moto carry it out, then closes the
	// connection without answering: "it succeeded but the response was
	// lost".
	DropAfter Fault = "drop-after"
	// RateLimited answers the throttling error because the operation's
	// token bucket is empty (ProxyOptions.Limits).
	RateLimited Fault = "rate-limited"
)

// Faults lists the injectable faults in the order the proxy draws them.
var Faults = []Fault{Throttle, Conflict, ServerError, DropBefore, DropAfter}

// ProxyOptions configures a Proxy. The zero value forwards everything.
type ProxyOptions struct {
	// Seed seeds the random draws, so a run's faults are reproducible for a
	// given order of calls.
	Seed uint64
	// Rates is the probability per eligible call of each fault, drawn once
	// per call in the order of Faults; their sum should be at most 1.
	Rates map[Fault]float64
	// Eligible selects the calls faults apply to; nil means Organizations
	// calls only (identified by X-Amz-Target).
	Eligible func(Call) bool
	// Limits are token buckets per operation name (e.g. OrganizationsRates)
	// for the calls Eligible selects; an empty bucket answers the
	// throttling error.
	Limits map[string]Rate
	// CrashAfter, when positive, makes the proxy hold every request after
	// the CrashAfter-th mutating call has been forwarded and answered: the
	// held requests never reach moto and never get an answer until the
	// proxy closes. Crashed() is closed at that moment, so a test can kill
	// the client before it makes another call.
	CrashAfter int
}

// Call is one request the proxy saw.
type Call struct {
	Service   string // signing name: organizations, backup, cloudformation, iam, sts, kms
	Operation string // API operation, e.g. CreatePolicy
	Mutating  bool
	Fault     Fault // injected fault, or ""
	Status    int   // HTTP status sent to the client; 0 when the connection was dropped or held
	Held      bool  // held by crash mode
}

func (c Call) String() string {
	s := fmt.Sprintf("%s %s mutating=%t status=%d", c.Service, c.Operation, c.Mutating, c.Status)
	if c.Fault != "" {
		s += " fault=" + string(c.Fault)
	}
	if c.Held {
		s += " held"
	}
	return s
}

// Proxy is a fault-injecting HTTP proxy on loopback between a client and
// moto.
type Proxy struct {
	// URL is the proxy's endpoint: point the client's AWS_ENDPOINT_URL here.
	URL string

	opts     ProxyOptions
	upstream *httputil.ReverseProxy
	srv      *httptest.Server

	mu        sync.Mutex
	rng       *rand.Rand
	calls     []Call
	mutations int
	limiters  map[string]*rate.Limiter
	crashed   chan struct{}
	release   chan struct{}
	isCrashed bool
}

// NewProxy starts a proxy in front of upstream (a moto URL); it closes at
// the test's cleanup, first releasing any held request.
func NewProxy(t T, upstream string, opts ProxyOptions) *Proxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatalf("proxy upstream: %v", err)
	}
	if opts.Eligible == nil {
		opts.Eligible = func(c Call) bool { return c.Service == "organizations" }
	}
	p := &Proxy{
		opts:     opts,
		upstream: httputil.NewSingleHostReverseProxy(u),
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		limiters: map[string]*rate.Limiter{},
		crashed:  make(chan struct{}),
		release:  make(chan struct{}),
	}
	p.srv = httptest.NewServer(p)
	p.URL = p.srv.URL
	t.Cleanup(p.Close)
	return p
}

// Close releases held requests (their connections are closed unanswered)
// and stops the proxy. It is safe to call more than once.
func (p *Proxy) Close() {
	p.mu.Lock()
	select {
	case <-p.release:
	default:
		close(p.release)
	}
	p.mu.Unlock()
	p.srv.Close()
}

// Calls returns a copy of every call seen so far, in arrival order.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Crashed is closed once crash mode starts holding requests.
func (p *Proxy) Crashed() <-chan struct{} { return p.crashed }

// Env is the environment for a child process to reach moto through the
// proxy (see Server.Env).
func (p *Proxy) Env(region string) []string { return EnvFor(p.URL, region) }

func (p *Proxy) record(c Call) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
	return len(p.calls) - 1
}

func (p *Proxy) update(i int, f func(*Call)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.calls[i])
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := identify(r, body)

	p.mu.Lock()
	held := p.isCrashed
	p.mu.Unlock()
	if held {
		call.Held = true
		p.record(call)
		<-p.release
		drop(w)
		return
	}

	fault := p.draw(call)
	i := p.record(call)
	p.update(i, func(c *Call) { c.Fault = fault })
	switch fault {
	case Throttle, RateLimited, Conflict, ServerError:
		status := writeFault(w, call, fault)
		p.update(i, func(c *Call) { c.Status = status })
		return
	case DropBefore:
		drop(w)
		return
	case DropAfter:
		rec := httptest.NewRecorder()
		p.upstream.ServeHTTP(rec, r)
		drop(w)
		p.afterForward(call)
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	p.upstream.ServeHTTP(sw, r)
	p.update(i, func(c *Call) { c.Status = sw.status })
	p.afterForward(call)
}

// afterForward counts a mutating call moto carried out and, in crash mode,
// starts holding once the count is reached.
func (p *Proxy) afterForward(c Call) {
	if !c.Mutating || p.opts.CrashAfter <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mutations++
	if p.mutations == p.opts.CrashAfter && !p.isCrashed {
		p.isCrashed = true
		close(p.crashed)
	}
}

func (p *Proxy) draw(c Call) Fault {
	if !p.opts.Eligible(c) {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.opts.Limits[c.Operation]; ok {
		l := p.limiters[c.Operation]
		if l == nil {
			l = rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst)
			p.limiters[c.Operation] = l
		}
		if !l.Allow() {
			return RateLimited
		}
	}
	if len(p.opts.Rates) == 0 {
		return ""
	}
	x := p.rng.Float64()
	for _, f := range Faults {
		x -= p.opts.Rates[f]
		if x < 0 {
			return f
		}
	}
	return ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// drop closes the client's connection without an HTTP response.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("awstest proxy: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// protocol of each service orgbackup calls, by signing name.
var protocols = map[string]string{
	"organizations":  "json",
	"kms":            "json",
	"backup":         "rest-json",
	"cloudformation": "query",
	"iam":            "query",
	"sts":            "query",
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

// identify names a request's service (from the SigV4 credential scope) and
// operation (X-Amz-Target for awsJson, Action for awsQuery, method and path
// for AWS Backup's REST-JSON).
func identify(r *http.Request, body []byte) Call {
	c := Call{Service: "unknown"}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		c.Service = m[1]
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		c.Operation = target[strings.LastIndex(target, ".")+1:]
	} else if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil {
			c.Operation = v.Get("Action")
		}
	}
	if c.Operation == "" {
		c.Operation = restOperation(r.Method, r.URL.Path)
	}
	c.Mutating = mutating(c.Operation)
	return c
}

var restOperations = []struct {
	method string
	path   *regexp.Regexp
	op     string
}{
	{"GET", regexp.MustCompile(`^/backup-vaults/?$`), "ListBackupVaults"},
	{"PUT", regexp.MustCompile(`^/backup-vaults/[^/]+/access-policy$`), "PutBackupVaultAccessPolicy"},
	{"GET", regexp.MustCompile(`^/backup-vaults/[^/]+/access-policy$`), "GetBackupVaultAccessPolicy"},
	{"DELETE", regexp.MustCompile(`^/backup-vaults/[^/]+/access-policy$`), "DeleteBackupVaultAccessPolicy"},
	{"PUT", regexp.MustCompile(`^/backup-vaults/[^/]+$`), "CreateBackupVault"},
	{"GET", regexp.MustCompile(`^/backup-vaults/[^/]+$`), "DescribeBackupVault"},
	{"DELETE", regexp.MustCompile(`^/backup-vaults/[^/]+$`), "DeleteBackupVault"},
	{"GET", regexp.MustCompile(`^/global-settings$`), "DescribeGlobalSettings"},
	{"PUT", regexp.MustCompile(`^/global-settings$`), "UpdateGlobalSettings"},
	{"GET", regexp.MustCompile(`^/backup-jobs/?$`), "ListBackupJobs"},
	{"GET", regexp.MustCompile(`^/copy-jobs/?$`), "ListCopyJobs"},
	{"GET", regexp.MustCompile(`^/restore-jobs/?$`), "ListRestoreJobs"},
	{"PUT", regexp.MustCompile(`^/backup/plans/?$`), "CreateBackupPlan"},
	{"GET", regexp.MustCompile(`^/backup/plans/?$`), "ListBackupPlans"},
	{"GET", regexp.MustCompile(`^/backup/plans/[^/]+/?$`), "GetBackupPlan"},
	{"DELETE", regexp.MustCompile(`^/backup/plans/[^/]+/?$`), "DeleteBackupPlan"},
	{"GET", regexp.MustCompile(`^/tags/`), "ListTags"},
}

func restOperation(method, path string) string {
	for _, o := range restOperations {
		if o.method == method && o.path.MatchString(path) {
			return o.op
		}
	}
	return method + " " + path
}

// mutating reports whether an operation may change state: everything but
// reads and STS's credential calls.
func mutating(op string) bool {
	for _, prefix := range []string{"Describe", "List", "Get", "Validate", "AssumeRole", "GET ", "HEAD "} {
		if strings.HasPrefix(op, prefix) {
			return false
		}
	}
	return true
}

// errorCodes per service and fault: the codes the real services use.
func errorCode(service string, f Fault) (code string, status int) {
	switch f {
	case Conflict:
		return "ConcurrentModificationException", http.StatusBadRequest
	case ServerError:
		if service == "organizations" {
			return "ServiceException", http.StatusInternalServerError
		}
		if protocols[service] == "query" {
			return "InternalFailure", http.StatusInternalServerError
		}
		return "ServiceUnavailableException", http.StatusInternalServerError
	}
	switch service {
	case "organizations":
		return "TooManyRequestsException", http.StatusBadRequest
	case "backup", "kms":
		return "ThrottlingException", http.StatusBadRequest
	}
	return "Throttling", http.StatusBadRequest
}

// writeFault answers an error in the wire shape of the service's protocol
// and returns the status sent.
func writeFault(w http.ResponseWriter, c Call, f Fault) int {
	code, status := errorCode(c.Service, f)
	msg := map[Fault]string{
		Throttle: "Rate exceeded", RateLimited: "Rate exceeded",
		Conflict:    "The target of the operation is currently being modified by a different request. Try again later.",
		ServerError: "injected internal error",
	}[f]
	h := w.Header()
	h.Set("X-Amzn-Requestid", fmt.Sprintf("awstest-%d", time.Now().UnixNano()))
	switch protocols[c.Service] {
	case "query":
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>awstest</RequestId></ErrorResponse>`, fault, code, msg)
	case "rest-json":
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Errortype", code)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"Message": msg})
	default: // awsJson1.1
		h.Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		body := map[string]string{"__type": code, "Message": msg}
		if code == "TooManyRequestsException" {
			body["Type"] = "RequestThrottled"
		}
		json.NewEncoder(w).Encode(body)
	}
	return status
}
