package cli

// BenchmarkSnapshotAtRates and BenchmarkPlanAtRates run `orgbackup org
// snapshot` and `orgbackup plan` in process against awsorgtest, the
// in-process fake of the Organizations read API, serving a synthetic
// organization of 2,000 accounts, 200 OUs and 50 backup policies, with the
// documented per-operation rates enforced by the server (a token bucket per
// operation answering TooManyRequestsException, awstest.OrganizationsRates)
// and 20 ms of latency per call. `make bench` runs each once; each takes
// about as long as the rates require, some 30 s.
//
// Each reports, side by side, what the command did and the floor the
// organization and the rates set:
//
//	calls             requests made, retries included
//	min-calls         the fewest calls this organization's state requires (awsorgtest.MinimumCalls)
//	throttled         requests the server throttled (pacing should keep this at 0)
//	s/op              wall time of the command
//	min-s             the time min-calls take at the rates (awstest.MinDuration):
//	                  the slowest operation's (calls - burst) / rate
//	x-min-calls       calls / min-calls; target 1
//	x-min-time        s/op / min-s; target <= 1.2
//
// and prints the per-operation table.

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/orgbackup/orgbackup/internal/awsenv"
	"github.com/orgbackup/orgbackup/internal/awsorg"
	"github.com/orgbackup/orgbackup/internal/awsorg/awsorgtest"
	"github.com/orgbackup/orgbackup/internal/awstest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/orgtest"
)

// benchOrg is the organization of the acceptance target: 2,000 accounts,
// 200 OUs, 50 backup policies (Synthetic makes every tenth policy a tag
// policy, so 55 policies hold 50 backup ones), with settings.
func benchOrg() *org.Org {
	o := orgtest.Synthetic(6, 2000, 200, 55)
	accts := o.Accounts()
	o.Settings = &org.Settings{
		TrustedServices:         []string{awsorg.BackupService},
		DelegatedAdministrators: map[string][]string{awsorg.BackupService: {accts[1].ID}},
		BackupGlobalSettings:    map[string]string{"isCrossAccountBackupEnabled": "true"},
	}
	return o
}

func BenchmarkSnapshotAtRates(b *testing.B) {
	benchAtRates(b, "org snapshot", func(dir string) []string { return []string{"org", "snapshot", dir} }, ExitOK)
}

// BenchmarkPlanAtRates plans the bundled example's definitions (one policy
// and its baseline at the root) against the organization: the read is
// plan's live reader, followed by the plan itself for 2,000 accounts.
func BenchmarkPlanAtRates(b *testing.B) {
	benchAtRates(b, "plan", func(dir string) []string {
		src, err := os.ReadFile("../../policies/test-bk-policy.cue")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "test-bk-policy.cue"), src, 0o644); err != nil {
			b.Fatal(err)
		}
		return []string{"plan", dir, "--detailed-exitcode"}
	}, ExitChanges)
}

func benchAtRates(b *testing.B, what string, args func(dir string) []string, exit int) {
	o := benchOrg()
	rates := awstest.OrganizationsRates
	srv := awsorgtest.NewServer(o, awsorgtest.Options{Rates: rates, Latency: 20 * time.Millisecond})
	defer srv.Close()
	minCalls := awsorgtest.MinimumCalls(o, true)
	minTime := awstest.MinDuration(rates, minCalls)

	var took time.Duration
	var calls, throttled map[string]int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv.Reset()
		var out, errb bytes.Buffer
		io := &IO{Out: &out, Err: &errb, Getenv: func(string) string { return "" },
			ReadOrg: liveReader(func(context.Context, awsenv.Options) (aws.Config, error) { return srv.Config(), nil })}
		argv := args(b.TempDir())
		b.StartTimer()
		start := time.Now()
		code := Run(argv, io)
		took += time.Since(start)
		b.StopTimer()
		if code != exit {
			b.Fatalf("orgbackup %s: exit %d, want %d:\n%s", strings.Join(argv, " "), code, exit, errb.String())
		}
		calls, throttled = srv.Calls(), srv.Throttled()
	}
	mean := took / time.Duration(b.N)
	total, totalMin := sumCalls(calls), sumCalls(minCalls)
	b.ReportMetric(float64(total), "calls")
	b.ReportMetric(float64(totalMin), "min-calls")
	b.ReportMetric(float64(sumCalls(throttled)), "throttled")
	b.ReportMetric(minTime.Seconds(), "min-s")
	b.ReportMetric(float64(total)/float64(totalMin), "x-min-calls")
	b.ReportMetric(mean.Seconds()/minTime.Seconds(), "x-min-time")

	var t strings.Builder
	fmt.Fprintf(&t, "%s of %d accounts, %d OUs, %d backup policies at the documented rates:\n", what, len(o.Accounts()), len(o.OUs()), minCalls["DescribePolicy"])
	fmt.Fprintf(&t, "  %-38s %6s %6s %6s %9s %9s\n", "operation", "calls", "min", "thrtl", "rate/s", "min-s")
	for _, op := range slices.Sorted(maps.Keys(minCalls)) {
		r := rates[op]
		fmt.Fprintf(&t, "  %-38s %6d %6d %6d %9s %9.1f\n", op, calls[op], minCalls[op], throttled[op], rateText(r), r.MinDuration(minCalls[op]).Seconds())
	}
	fmt.Fprintf(&t, "  %-38s %6d %6d %6d %9s %9.1f\n", "total (time: the slowest operation)", total, totalMin, sumCalls(throttled), "", minTime.Seconds())
	fmt.Fprintf(&t, "  wall time %.1f s = %.2f x the minimum\n", mean.Seconds(), mean.Seconds()/minTime.Seconds())
	// Printed rather than logged: the testing package cuts benchmark logs
	// to ten lines.
	fmt.Print(t.String())
}

func rateText(r awstest.Rate) string {
	if r.PerSecond == 0 {
		return "-"
	}
	return fmt.Sprintf("%g/%d", r.PerSecond, r.Burst)
}

func sumCalls(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
