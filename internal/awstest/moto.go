// Package awstest is orgbackup's one place for real AWS emulation in tests:
// a moto 5.2.1 server patched by a small bridge (bridge/bridge.py, its
// patches listed in bridge/README.md), a fault-injecting and rate-limiting
// proxy, the AWS CLI as an independent witness, and fixture organizations.
//
// It is test-only by convention: only _test.go files import it, never
// production code. Tests that need moto skip when it is missing only while
// the CI environment variable is unset; with CI set they fail.
//
// A test gets a server of its own for its whole run:
//
//	srv := awstest.Start(t)
//	cfg := srv.Config(t)                 // aws-sdk-go-v2, no retries
//	cmd.Env = awstest.IsolatedEnv(srv.Env()) // a child process
//
// Starting moto with the bridge takes seconds (it imports most of moto), so
// Start reuses idle servers of the same test binary, reset to an empty state
// (moto's state is global per process, and the reset clears all of it);
// Fresh() asks for a new process instead.
package awstest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed bridge/bridge.py
var bridgeSource []byte

// ManagementAccount is the account moto's default credentials act as.
const ManagementAccount = "123456789012"

// DefaultRegion is the Region servers and their clients use unless told.
const DefaultRegion = "us-east-1"

// startTimeout bounds a server's start. The machines are shared and slow
// under load: the bridge has been seen to take 10 s to import moto.
const startTimeout = 90 * time.Second

// T is the part of testing.TB the helpers use, so testscript commands can
// call them through a small adapter. testing.TB satisfies it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// Server is one running moto bridge, owned by one test until its cleanup.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL string
	// Region is the Region Env and Config use.
	Region string

	proc *process
}

type options struct {
	fresh  bool
	region string
}

// Option configures Start.
type Option func(*options)

// Fresh starts a new moto process for the test and kills it at cleanup,
// rather than reusing an idle one.
func Fresh() Option { return func(o *options) { o.fresh = true } }

// WithRegion sets the Region of Env and Config (default us-east-1).
func WithRegion(r string) Option { return func(o *options) { o.region = r } }

// Start returns a moto server with empty state for the test. It skips the
// test when python3 or moto is missing and CI is unset, and fails it when CI
// is set.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartT(t, opts...)
}

// StartT is Start for callers that are not a testing.TB, such as testscript
// commands.
func StartT(t T, opts ...Option) *Server {
	t.Helper()
	o := options{region: DefaultRegion}
	for _, f := range opts {
		f(&o)
	}
	var p *process
	if !o.fresh {
		p = pool.get()
	}
	if p != nil {
		if err := p.post("/orgbackup-test/reset", nil, nil); err != nil {
			p.kill()
			p = nil
		}
	}
	if p == nil {
		var err error
		p, err = launch()
		if err != nil {
			if errors.Is(err, errUnavailable) {
				Unavailable(t, err.Error())
			}
			t.Fatalf("start moto: %v", err)
		}
	}
	t.Cleanup(func() {
		if o.fresh {
			p.kill()
			return
		}
		pool.put(p)
	})
	return &Server{URL: p.url, Region: o.region, proc: p}
}

// Unavailable skips the test when CI is unset and fails it otherwise: the
// rule for every test that needs moto or the AWS CLI.
func Unavailable(t T, why string) {
	t.Helper()
	if os.Getenv("CI") == "" {
		t.Skipf("%s (CI is unset, so skipping; CI fails instead)", why)
		return
	}
	t.Fatalf("%s: CI requires it", why)
}

// Env is the environment for a child process (orgbackup, the AWS CLI) to
// use this server and nothing else: static credentials of the management
// account, the endpoint, the Region under both names (the SDK reads
// AWS_REGION, the CLI v1 AWS_DEFAULT_REGION), and no shared config or
// credentials files from the machine. Add it to IsolatedEnv's result, so
// that no AWS_PROFILE or other AWS_ variable of the machine leaks in. It leaves retries to the child: orgbackup's own
// retryer is what the fault tests exercise.
func (s *Server) Env() []string { return EnvFor(s.URL, s.Region) }

// EnvFor is Env for another endpoint, such as a proxy in front of moto.
func EnvFor(url, region string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + url,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	}
}

// Reset empties the server: every moto backend and the bridge's own state.
func (s *Server) Reset(t T) {
	t.Helper()
	if err := s.proc.post("/orgbackup-test/reset", nil, nil); err != nil {
		t.Fatalf("reset moto: %v", err)
	}
}

// Job seeds one AWS Backup job that ListBackupJobs, ListCopyJobs or
// ListRestoreJobs (Kind "backup", "copy" or "restore") then return, so a
// test can show failed jobs. Fields holds the API's job fields (State or,
// for restores, Status; StatusMessage; ResourceType; BackupVaultName;
// CreationDate in Unix seconds, default now).
type Job struct {
	Kind      string
	AccountID string
	Region    string
	Fields    map[string]any
}

// SeedJob adds a job and returns its id.
func (s *Server) SeedJob(t T, j Job) string {
	t.Helper()
	var out map[string]string
	err := s.proc.post("/orgbackup-test/jobs", map[string]any{
		"Kind": j.Kind, "AccountId": j.AccountID, "Region": j.Region, "Job": j.Fields,
	}, &out)
	if err != nil {
		t.Fatalf("seed job: %v", err)
	}
	for _, id := range out {
		return id
	}
	return ""
}

// FailStackInstances makes every later StackSet deployment to account (in
// region, or every Region when region is "") fail with reason as its
// StatusReason; reason "" clears it.
func (s *Server) FailStackInstances(t T, account, region, reason string) {
	t.Helper()
	err := s.proc.post("/orgbackup-test/stack-instance-failures",
		map[string]string{"AccountId": account, "Region": region, "Reason": reason}, nil)
	if err != nil {
		t.Fatalf("fail stack instances: %v", err)
	}
}

// HoldStackSetOperations, while on, leaves new StackSet operations RUNNING
// (another operation on the set gets OperationInProgressException); turning
// it off completes them.
func (s *Server) HoldStackSetOperations(t T, hold bool) {
	t.Helper()
	if err := s.proc.post("/orgbackup-test/stackset-operations", map[string]bool{"Hold": hold}, nil); err != nil {
		t.Fatalf("hold stackset operations: %v", err)
	}
}

var errUnavailable = errors.New("moto is unavailable")

var (
	launchMu   sync.Mutex
	launchTime time.Duration
)

// lastLaunch is how long the last new bridge process took to answer.
func lastLaunch() time.Duration {
	launchMu.Lock()
	defer launchMu.Unlock()
	return launchTime
}

// process is one bridge process. Its stdin is a pipe the bridge watches:
// when the test binary exits, however it dies, the bridge exits too.
type process struct {
	url   string
	cmd   *exec.Cmd
	stdin io.Closer
	dir   string
	done  chan struct{}
}

func launch() (*process, error) {
	python, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("%w: python3 not found", errUnavailable)
	}
	dir, err := os.MkdirTemp("", "awstest-moto-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "bridge.py")
	if err := os.WriteFile(script, bridgeSource, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(python, script, "-H", "127.0.0.1", "-p", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true", "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &syncWriter{w: &stderr}
	line := make(chan string, 1)
	cmd.Stdout = &firstLine{ch: line}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p := &process{cmd: cmd, stdin: stdin, dir: dir, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t0 := time.Now()
	defer func() {
		launchMu.Lock()
		launchTime = time.Since(t0)
		launchMu.Unlock()
	}()

	select {
	case s := <-line:
		if u, ok := strings.CutPrefix(strings.TrimSpace(s), "listening "); ok {
			p.url = u
			return p, nil
		}
	case <-p.done:
	case <-time.After(startTimeout):
		p.kill()
		return nil, fmt.Errorf("moto bridge did not start within %s", startTimeout)
	}
	p.kill()
	msg := stderr.String()
	if strings.Contains(msg, "No module named 'moto'") || strings.Contains(msg, "No module named 'werkzeug'") {
		return nil, fmt.Errorf("%w: python3 cannot import moto", errUnavailable)
	}
	return nil, fmt.Errorf("moto bridge exited: %s", lastLines(msg, 15))
}

func (p *process) kill() {
	p.stdin.Close()
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	os.RemoveAll(p.dir)
}

func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

var bridgeClient = &http.Client{Timeout: 60 * time.Second}

// post calls a bridge test endpoint with a JSON body.
func (p *process) post(path string, in, out any) error {
	body := []byte("{}")
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	resp, err := bridgeClient.Post(p.url+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", path, resp.Status, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// pool keeps idle processes for reuse within one test binary.
var pool = &procPool{}

type procPool struct {
	mu   sync.Mutex
	idle []*process
}

func (pp *procPool) get() *process {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	for len(pp.idle) > 0 {
		p := pp.idle[len(pp.idle)-1]
		pp.idle = pp.idle[:len(pp.idle)-1]
		if p.alive() {
			return p
		}
		p.kill()
	}
	return nil
}

func (pp *procPool) put(p *process) {
	if !p.alive() {
		p.kill()
		return
	}
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.idle = append(pp.idle, p)
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// firstLine sends the first line written to it and discards the rest.
type firstLine struct {
	buf  []byte
	ch   chan string
	sent bool
}

func (f *firstLine) Write(b []byte) (int, error) {
	if !f.sent {
		f.buf = append(f.buf, b...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.ch <- string(f.buf[:i])
			f.sent, f.buf = true, nil
		}
	}
	return len(b), nil
}
