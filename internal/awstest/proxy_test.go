package awstest

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"
)

var testingCreds = credentials.NewStaticCredentialsProvider("testing", "testing", "")

// policyNames lists the BACKUP_POLICY names moto holds, bypassing any proxy.
func policyNames(t *testing.T, srv *Server) []string {
	t.Helper()
	out, err := organizations.NewFromConfig(srv.Config(t)).ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.Policies {
		names = append(names, aws.ToString(p.Name))
	}
	sort.Strings(names)
	return names
}

func createIn(name string) *organizations.CreatePolicyInput {
	return &organizations.CreatePolicyInput{Name: aws.String(name), Description: aws.String(""), Type: types.PolicyTypeBackupPolicy, Content: aws.String(plan)}
}

func TestProxyFaultsSeenBySDK(t *testing.T) {
	srv := Start(t)
	NewOrg(t, srv, OrgSpec{EnableBackupPolicies: true})
	for _, tc := range []struct {
		fault   Fault
		check   func(error) bool
		created bool
	}{
		{Throttle, func(err error) bool { var e *types.TooManyRequestsException; return errors.As(err, &e) }, false},
		{Conflict, func(err error) bool { var e *types.ConcurrentModificationException; return errors.As(err, &e) }, false},
		{ServerError, func(err error) bool {
			var e *types.ServiceException
			var re *smithyhttp.ResponseError
			return errors.As(err, &e) && errors.As(err, &re) && re.HTTPStatusCode() == http.StatusInternalServerError
		}, false},
		{DropBefore, func(err error) bool { return err != nil }, false},
		// The policy exists although the client saw no response.
		{DropAfter, func(err error) bool { return err != nil }, true},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			p := NewProxy(t, srv.URL, ProxyOptions{Rates: map[Fault]float64{tc.fault: 1}})
			c := organizations.NewFromConfig(ConfigFor(t, p.URL, srv.Region, testingCreds))
			name := "p-" + string(tc.fault)
			_, err := c.CreatePolicy(ctx, createIn(name))
			if !tc.check(err) {
				t.Errorf("CreatePolicy error = %v", err)
			}
			created := false
			for _, n := range policyNames(t, srv) {
				created = created || n == name
			}
			if created != tc.created {
				t.Errorf("policy created = %t, want %t", created, tc.created)
			}
			// Calls outside Organizations are not faulted.
			calls := p.Calls()
			if len(calls) != 1 || calls[0].Service != "organizations" || calls[0].Operation != "CreatePolicy" || !calls[0].Mutating || calls[0].Fault != tc.fault {
				t.Errorf("calls = %v", calls)
			}
		})
	}
}

// TestProxyRetriedClientConverges drives the SDK's standard retryer, with
// the Organizations codes it lacks added, through 30% throttling, 10%
// ConcurrentModification and 5% 5xx: every policy is created once.
func TestProxyRetriedClientConverges(t *testing.T) {
	srv := Start(t)
	NewOrg(t, srv, OrgSpec{EnableBackupPolicies: true})
	p := NewProxy(t, srv.URL, ProxyOptions{Seed: 7, Rates: map[Fault]float64{Throttle: 0.3, Conflict: 0.1, ServerError: 0.05}})
	cfg := ConfigFor(t, p.URL, srv.Region, testingCreds)
	cfg.Retryer = func() aws.Retryer {
		r := retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 30
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		})
		return retry.AddWithErrorCodes(r, "ConcurrentModificationException")
	}
	cfg.RetryMaxAttempts = 0
	c := organizations.NewFromConfig(cfg)
	var want []string
	for i := range 20 {
		name := fmt.Sprintf("policy-%02d", i)
		want = append(want, name)
		if _, err := c.CreatePolicy(ctx, createIn(name)); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	if diff := cmp.Diff(want, policyNames(t, srv)); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	faults := map[Fault]int{}
	for _, c := range p.Calls() {
		faults[c.Fault]++
	}
	if faults[Throttle] == 0 || faults[Conflict] == 0 || faults[""] != 20 {
		t.Errorf("faults by kind = %v; want some of each, and 20 calls through", faults)
	}
}

func TestProxyCrashHoldsLaterCalls(t *testing.T) {
	srv := Start(t)
	NewOrg(t, srv, OrgSpec{EnableBackupPolicies: true})
	p := NewProxy(t, srv.URL, ProxyOptions{CrashAfter: 2})
	c := organizations.NewFromConfig(ConfigFor(t, p.URL, srv.Region, testingCreds))
	done := make(chan error, 1)
	go func() {
		// Reads do not count; the third create is held.
		for i := range 4 {
			if _, err := c.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeBackupPolicy}); err != nil {
				done <- err
				return
			}
			if _, err := c.CreatePolicy(ctx, createIn(fmt.Sprintf("crash-%d", i))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case <-p.Crashed():
	case err := <-done:
		t.Fatalf("client finished (%v) without the proxy crashing", err)
	case <-time.After(time.Minute):
		t.Fatal("the proxy did not crash within a minute")
	}
	// Wait until the client's next call is held.
	deadline := time.Now().Add(30 * time.Second)
	for {
		calls := p.Calls()
		if last := calls[len(calls)-1]; last.Held {
			if last.Operation != "ListPolicies" {
				t.Errorf("held call = %v, want the read after the second create", last)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call held: %v", calls)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if diff := cmp.Diff([]string{"crash-0", "crash-1"}, policyNames(t, srv)); diff != "" {
		t.Errorf("policies in moto (-want +got):\n%s", diff)
	}
	select {
	case err := <-done:
		t.Fatalf("held client returned %v before the proxy closed", err)
	default:
	}
	p.Close()
	if err := <-done; err == nil {
		t.Error("the held call succeeded after the proxy closed")
	}
}

func TestProxyRateLimits(t *testing.T) {
	srv := Start(t)
	NewOrg(t, srv, OrgSpec{})
	p := NewProxy(t, srv.URL, ProxyOptions{Limits: OrganizationsRates})
	c := organizations.NewFromConfig(ConfigFor(t, p.URL, srv.Region, testingCreds))
	var errs []error
	for range 3 {
		_, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
		errs = append(errs, err)
	}
	var throttled *types.TooManyRequestsException
	if errs[0] != nil || errs[1] != nil || !errors.As(errs[2], &throttled) {
		t.Errorf("ListRoots (1/s, burst 2) three times at once: %v", errs)
	}
	if calls := p.Calls(); calls[2].Fault != RateLimited {
		t.Errorf("third call = %v", calls[2])
	}

	if got := OrganizationsRates["CreatePolicy"].MinDuration(7); got != 2*time.Second {
		t.Errorf("7 CreatePolicy at 2/s burst 3: %s, want 2s", got)
	}
	if got := MinDuration(OrganizationsRates, map[string]int{"ListAccounts": 12, "ListChildren": 40, "Unlimited": 1000}); got != 5*time.Second {
		t.Errorf("MinDuration = %s, want 5s (40 ListChildren at 6/s after a burst of 10)", got)
	}
}

// TestProxyIdentifiesEveryProtocol records calls of the three protocols,
// made by the AWS CLI.
func TestProxyIdentifiesEveryProtocol(t *testing.T) {
	srv := Start(t)
	p := NewProxy(t, srv.URL, ProxyOptions{})
	env := p.Env(srv.Region)
	CLIEnv(t, env, "cloudformation", "list-stacks")
	CLIEnv(t, env, "backup", "list-backup-vaults")
	CLIEnv(t, env, "backup", "create-backup-vault", "--backup-vault-name", "v")
	CLIEnv(t, env, "organizations", "create-organization")
	var got []string
	for _, c := range p.Calls() {
		got = append(got, fmt.Sprintf("%s %s %t %d", c.Service, c.Operation, c.Mutating, c.Status))
	}
	want := []string{
		"cloudformation ListStacks false 200",
		"backup ListBackupVaults false 200",
		"backup CreateBackupVault true 200",
		"organizations CreateOrganization true 200",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
