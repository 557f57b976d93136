package awsorg_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/google/go-cmp/cmp"

	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/awsorg/awsorgtest"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
	"github.com/orgbackup/orgbackup/internal/policy"
)

var captured = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// testOrg is a synthetic organization with settings, deep enough to nest
// OUs to the limit, with parents of more than a page of accounts, and
// backup policies attached in twos and threes.
func testOrg(t testing.TB) *org.Org {
	t.Helper()
	o := orgtest.Synthetic(7, 300, 40, 30)
	accts := o.Accounts()
	o.Settings = &org.Settings{
		TrustedServices:         []string{"backup.amazonaws.com", "member.org.stacksets.cloudformation.amazonaws.com"},
		DelegatedAdministrators: map[string][]string{awsorg.BackupService: {accts[5].ID}},
		BackupGlobalSettings:    map[string]string{"isCrossAccountBackupEnabled": "true", "isMpaEnabled": "false"},
	}
	return o
}

// wantSnapshot is what a reader must make of o: its backup policies and
// their attachments, nothing else, marked as read from AWS.
func wantSnapshot(t testing.TB, o *org.Org) []byte {
	t.Helper()
	s := o.Snapshot()
	s.Source, s.CapturedAt = "aws", captured.Format(time.RFC3339)
	s.Policies = slices.DeleteFunc(s.Policies, func(p org.SnapshotPolicy) bool { return p.Type != policy.Type })
	keep := func(m map[string][]string) map[string][]string {
		if ps := m[policy.Type]; len(ps) > 0 {
			return map[string][]string{policy.Type: ps}
		}
		return nil
	}
	for i := range s.Roots {
		s.Roots[i].Policies = keep(s.Roots[i].Policies)
	}
	for i := range s.OUs {
		s.OUs[i].Policies = keep(s.OUs[i].Policies)
	}
	for i := range s.Accounts {
		s.Accounts[i].Policies = keep(s.Accounts[i].Policies)
	}
	w, err := org.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return w.Encode()
}

func noDelay(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
}

// reader returns a Reader using the real SDK clients against srv.
func reader(srv *awsorgtest.Server, prev *org.Org) *awsorg.Reader {
	cfg := srv.Config(noDelay)
	return &awsorg.Reader{
		Org:      organizations.NewFromConfig(cfg),
		Backup:   backup.NewFromConfig(cfg),
		Previous: prev,
		Meter:    awsorg.NewMeter(nil, 0), // no pacing: these tests are about what is read
		Now:      func() time.Time { return captured },
	}
}

func read(t *testing.T, srv *awsorgtest.Server, prev *org.Org) *awsorg.Result {
	t.Helper()
	res, err := reader(srv, prev).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// succeeded returns the calls per operation that succeeded. Attempts can
// be more: net/http occasionally loses a response on a reused connection
// ("use of closed network connection", aws/aws-sdk-go-v2#2737), which the
// SDK retries.
func succeeded(s awsorg.Stats) map[string]int {
	m := map[string]int{}
	for op, st := range s {
		m[op] = st.Succeeded()
	}
	return m
}

// attempts returns the requests per operation, as the server counts them.
func attempts(s awsorg.Stats) map[string]int {
	m := map[string]int{}
	for op, st := range s {
		m[op] = st.Calls
	}
	return m
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got):\n%s", what, cmp.Diff(string(want), string(got)))
	}
}

func TestReadEverything(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{})
	defer srv.Close()
	res := read(t, srv, o)
	sameBytes(t, "snapshot", res.Org.Encode(), wantSnapshot(t, o))
	if len(res.Appended) != 0 || len(res.Unknown) != 0 || res.AccountsByParent {
		t.Errorf("appended %v, unknown %v, by parent %v", res.Appended, res.Unknown, res.AccountsByParent)
	}
}

// TestReadCallsAreMinimum checks that the reader makes exactly the fewest
// calls the organization allows, and counts them as the server does.
func TestReadCallsAreMinimum(t *testing.T) {
	o := testOrg(t)
	for _, noPaths := range []bool{false, true} {
		t.Run(fmt.Sprint("noPaths=", noPaths), func(t *testing.T) {
			srv := awsorgtest.NewServer(o, awsorgtest.Options{NoPaths: noPaths})
			defer srv.Close()
			res := read(t, srv, o)
			sameBytes(t, "snapshot", res.Org.Encode(), wantSnapshot(t, o))
			want := awsorgtest.MinimumCalls(o, !noPaths)
			if noPaths {
				want["ListAccounts"] = 1 // the page that shows there are no paths
			}
			if diff := cmp.Diff(want, succeeded(res.Stats)); diff != "" {
				t.Errorf("calls (-minimum +made):\n%s", diff)
			}
			if diff := cmp.Diff(srv.Calls(), attempts(res.Stats)); diff != "" {
				t.Errorf("the reader's counts (-server +reader):\n%s", diff)
			}
			if res.AccountsByParent != noPaths {
				t.Errorf("AccountsByParent = %v", res.AccountsByParent)
			}
		})
	}
}

// TestReadEmptyPages serves an empty page with a NextToken before every
// real page: the reader must read on, and end with the same snapshot.
func TestReadEmptyPages(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{EmptyPages: true})
	defer srv.Close()
	res := read(t, srv, o)
	sameBytes(t, "snapshot", res.Org.Encode(), wantSnapshot(t, o))
	want := awsorgtest.MinimumCalls(o, true)
	for op := range want {
		if strings.HasPrefix(op, "List") {
			want[op] *= 2
		}
	}
	if diff := cmp.Diff(want, succeeded(res.Stats)); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestReadRetries makes the first two calls of every operation fail with
// a throttling or transient error: the reader must retry and end with the
// same snapshot, and count what happened.
func TestReadRetries(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{Fault: func(op string, n int) (int, string) {
		switch {
		case n == 0:
			return 400, "TooManyRequestsException"
		case n == 1 && op != "DescribeGlobalSettings":
			return 400, "ConcurrentModificationException"
		case n == 2 && op != "DescribeGlobalSettings":
			return 500, "ServiceException"
		}
		return 0, ""
	}})
	defer srv.Close()
	res := read(t, srv, o)
	sameBytes(t, "snapshot", res.Org.Encode(), wantSnapshot(t, o))
	min := awsorgtest.MinimumCalls(o, true)
	if got, want := res.Stats.Throttled(), len(min); got != want {
		t.Errorf("%d throttled calls counted, want %d (one per operation)", got, want)
	}
	if diff := cmp.Diff(min, succeeded(res.Stats)); diff != "" {
		t.Errorf("calls (-minimum +made):\n%s", diff)
	}
	if diff := cmp.Diff(srv.Calls(), attempts(res.Stats)); diff != "" {
		t.Errorf("the reader's counts (-server +reader):\n%s", diff)
	}
	for op, st := range res.Stats {
		if injected := map[bool]int{true: 1, false: 3}[op == "DescribeGlobalSettings"]; st.Calls-st.Succeeded() < injected {
			t.Errorf("%s: %+v; %d errors were injected", op, st, injected)
		}
	}
}

// TestReadPacesItself enforces the documented rates on the server and gives
// the reader the same table: it must pace its calls so that the server
// throttles next to none (the margin is for a loaded machine delaying one
// request and not the next by more than the pacing allows for). Without
// pacing, the same read is throttled throughout, which shows the server
// enforces the rates. The organization is small to keep the test short;
// the benchmark reads a large one.
func TestReadPacesItself(t *testing.T) {
	o := orgtest.Synthetic(11, 60, 12, 7)
	o.Settings = &org.Settings{TrustedServices: []string{}, DelegatedAdministrators: map[string][]string{awsorg.BackupService: {}},
		BackupGlobalSettings: map[string]string{}} // read, and none
	srv := awsorgtest.NewServer(o, awsorgtest.Options{Rates: awstest.OrganizationsRates})
	defer srv.Close()
	r := reader(srv, o)
	r.Meter = awsorg.NewMeter(awsorg.Rates, 0)
	start := time.Now()
	res, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if n := res.Stats.Throttled(); n > 2 {
		t.Errorf("the server throttled %d calls: %v", n, srv.Throttled())
	}
	sameBytes(t, "snapshot", res.Org.Encode(), wantSnapshot(t, o))
	if min := awstest.MinDuration(awstest.OrganizationsRates, awsorgtest.MinimumCalls(o, true)); took < min {
		t.Errorf("took %s, less than the %s the rates allow: the server does not enforce them", took, min)
	}

	srv.Reset()
	r = reader(srv, o) // no pacing; with no backoff either, it may well fail
	r.Read(context.Background())
	if n := sum(srv.Throttled()); n < 10 {
		t.Errorf("unpaced, the server throttled only %v", srv.Throttled())
	}
}

// TestReadAttachmentOrder checks that the order of the previous snapshot
// is kept, attachments it lacks are appended in id order, and that the
// reader says which.
func TestReadAttachmentOrder(t *testing.T) {
	live := orgFrom(t, map[string][]string{
		"r-ab12":           {"p-aaaa0001", "p-aaaa0002"},
		"ou-ab12-11111111": {"p-aaaa0003", "p-aaaa0001", "p-aaaa0002"},
		"111111111111":     {"p-aaaa0002", "p-aaaa0001"},
	})
	prev := orgFrom(t, map[string][]string{
		"r-ab12":           {"p-aaaa0002", "p-aaaa0001"},
		"ou-ab12-11111111": {"p-aaaa0002", "p-aaaa0004"},
	})
	srv := awsorgtest.NewServer(live, awsorgtest.Options{})
	defer srv.Close()
	res := read(t, srv, prev)
	got := map[string][]string{}
	for _, id := range []string{"r-ab12", "ou-ab12-11111111", "111111111111"} {
		for _, p := range res.Org.Attached(res.Org.Entity(id), policy.Type) {
			got[id] = append(got[id], p.ID)
		}
	}
	want := map[string][]string{
		"r-ab12":           {"p-aaaa0002", "p-aaaa0001"},               // as before
		"ou-ab12-11111111": {"p-aaaa0002", "p-aaaa0001", "p-aaaa0003"}, // p-aaaa0004 gone, two appended
		"111111111111":     {"p-aaaa0001", "p-aaaa0002"},               // not in prev: id order
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	wantApp := []awsorg.Appended{
		{Target: "111111111111", Appended: []string{"p-aaaa0001", "p-aaaa0002"}},
		{Target: "ou-ab12-11111111", Kept: []string{"p-aaaa0002"}, Appended: []string{"p-aaaa0001", "p-aaaa0003"}},
	}
	if diff := cmp.Diff(wantApp, res.Appended); diff != "" {
		t.Errorf("Appended (-want +got):\n%s", diff)
	}
	// Without a previous snapshot, everything is appended in id order.
	res = read(t, srv, nil)
	if n := len(res.Appended); n != 3 {
		t.Errorf("%d targets appended without a previous snapshot, want 3", n)
	}
	if ps := res.Org.Attached(res.Org.Root(), policy.Type); ps[0].ID != "p-aaaa0001" {
		t.Errorf("root order %s first", ps[0].ID)
	}
}

// orgFrom builds a small organization with policies attached as given.
func orgFrom(t *testing.T, attached map[string][]string) *org.Org {
	t.Helper()
	s := &org.Snapshot{FormatVersion: "1",
		Roots:    []org.SnapshotRoot{{ID: "r-ab12", PolicyTypes: []org.SnapshotPolicyType{{Type: policy.Type, Status: "ENABLED"}}, Policies: map[string][]string{policy.Type: attached["r-ab12"]}}},
		OUs:      []org.SnapshotOU{{ID: "ou-ab12-11111111", Name: "Workloads", Policies: map[string][]string{policy.Type: attached["ou-ab12-11111111"]}}},
		Accounts: []org.SnapshotAccount{{ID: "111111111111", Name: "prod", ParentID: "ou-ab12-11111111", Policies: map[string][]string{policy.Type: attached["111111111111"]}}},
	}
	ids := map[string]bool{}
	for _, ps := range attached {
		for _, p := range ps {
			ids[p] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		s.Policies = append(s.Policies, org.SnapshotPolicy{ID: id, Name: "n" + id, Type: policy.Type, Content: []byte(`{"plans": {}}`)})
	}
	o, err := org.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestReadUnknownSettings checks what is recorded when the endpoint lacks
// AWS Backup's global settings (moto), or the reader has no Backup client.
func TestReadUnknownSettings(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{NoGlobalSettings: true})
	defer srv.Close()
	for _, noClient := range []bool{false, true} {
		r := reader(srv, o)
		want := "AWS Backup global settings: the endpoint does not offer DescribeGlobalSettings (HTTP 404)"
		if noClient {
			r.Backup, want = nil, "AWS Backup global settings: not read"
		}
		res, err := r.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Unknown) != 1 || !strings.HasPrefix(res.Unknown[0], want) {
			t.Errorf("Unknown = %q, want %q…", res.Unknown, want)
		}
		if s := res.Org.Settings; s.BackupGlobalSettings != nil || s.TrustedServices == nil || s.DelegatedAdministrators == nil {
			t.Errorf("settings %+v", s)
		}
		if bytes.Contains(res.Org.Encode(), []byte("backup_global_settings")) {
			t.Error("the snapshot records global settings it could not read")
		}
	}
}

// TestReadErrors checks that what cannot be read stops the read, with
// what to do about access denied.
func TestReadErrors(t *testing.T) {
	o := testOrg(t)
	calls := awsorgtest.MinimumCalls(o, true)
	for op, want := range map[string]string{
		"ListAccounts":                     "need organizations:ListAccounts",
		"ListTargetsForPolicy":             "need organizations:ListTargetsForPolicy",
		"DescribeGlobalSettings":           "need backup:DescribeGlobalSettings",
		"ListDelegatedAdministrators":      "need organizations:ListDelegatedAdministrators",
		"ListOrganizationalUnitsForParent": "need organizations:ListOrganizationalUnitsForParent",
	} {
		srv := awsorgtest.NewServer(o, awsorgtest.Options{Fault: func(o string, n int) (int, string) {
			if o == op && n == calls[op]-1 { // the last call: others have succeeded
				return 400, "AccessDeniedException"
			}
			return 0, ""
		}})
		_, err := reader(srv, o).Read(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "read organization: ") {
			t.Errorf("%s denied: err = %v", op, err)
		}
	}
	srv := awsorgtest.NewServer(o, awsorgtest.Options{Fault: func(op string, n int) (int, string) {
		return 400, "AWSOrganizationsNotInUseException"
	}})
	defer srv.Close()
	if _, err := reader(srv, o).Read(context.Background()); err == nil || !strings.Contains(err.Error(), "not in an organization") {
		t.Errorf("not in an organization: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reader(srv, o).Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}

func TestReadWithoutCredentials(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{})
	defer srv.Close()
	cfg := srv.Config(noDelay)
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})
	r := &awsorg.Reader{Org: organizations.NewFromConfig(cfg), Meter: awsorg.NewMeter(nil, 0)}
	_, err := r.Read(context.Background())
	if !errors.Is(err, awsorg.ErrCredentials) || !strings.Contains(err.Error(), "no EC2 IMDS role found") {
		t.Errorf("err = %v", err)
	}
	if n := len(srv.Calls()); n > 0 {
		t.Errorf("calls reached the server: %v", srv.Calls())
	}
}

func TestReadProgress(t *testing.T) {
	o := testOrg(t)
	srv := awsorgtest.NewServer(o, awsorgtest.Options{Latency: 5 * time.Millisecond})
	defer srv.Close()
	var b bytes.Buffer
	r := reader(srv, o)
	r.Progress, r.ProgressEvery = &b, 20*time.Millisecond
	if _, err := r.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if !strings.HasPrefix(first, "reading the organization: ") || !strings.Contains(first, "API calls so far") {
		t.Errorf("progress:\n%s", b.String())
	}
	b.Reset()
	r.ProgressEvery = time.Hour
	if _, err := r.Read(context.Background()); err != nil || b.Len() > 0 {
		t.Errorf("a read shorter than the interval printed %q (err %v)", b.String(), err)
	}
}

// TestRatesAreTheDocumentedOnes keeps the reader's rate table (production)
// and the test kit's (what the fakes enforce) in step: both are copied from
// the Organizations quotas page, independently.
func TestRatesAreTheDocumentedOnes(t *testing.T) {
	kit := map[string]awsorg.Rate{}
	for op, r := range awstest.OrganizationsRates {
		kit[op] = awsorg.Rate(r)
	}
	if diff := cmp.Diff(kit, awsorg.Rates); diff != "" {
		t.Errorf("rates (-awstest +awsorg):\n%s", diff)
	}
}
