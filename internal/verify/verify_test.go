package verify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Root gets the daily plan; Prod adds an hourly rule; 111… and 222… are in
// Prod, 333… and 444… directly under the root, 555… in Dev without its own
// policy: three accounts share the root's state, two Prod's.
const snap = `{"format_version":"1",
"roots":[{"id":"r-abcd","policy_types":[{"type":"BACKUP_POLICY","status":"ENABLED"}],"policies":{"BACKUP_POLICY":["p-00000001"]}}],
"organizational_units":[{"id":"ou-abcd-11111111","name":"Prod","policies":{"BACKUP_POLICY":["p-00000002"]}},{"id":"ou-abcd-22222222","name":"Dev"}],
"accounts":[{"id":"111111111111","name":"prod-a","parent_id":"ou-abcd-11111111"},{"id":"222222222222","parent_id":"ou-abcd-11111111"},
 {"id":"333333333333"},{"id":"444444444444"},{"id":"555555555555","parent_id":"ou-abcd-22222222"}],
"policies":[
 {"id":"p-00000001","name":"daily","type":"BACKUP_POLICY","content":{"plans":{"daily":{"regions":{"@@assign":["eu-west-1","eu-west-2"]},"rules":{"d":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"}}}}}}},
 {"id":"p-00000002","name":"hourly","type":"BACKUP_POLICY","content":{"plans":{"daily":{"rules":{"h":{"schedule_expression":{"@@assign":"cron(0 * ? * * *)"}}}}}}}
]}`

func testOrg(t *testing.T) *org.Org {
	t.Helper()
	o, err := org.Parse("verify.snapshot.json", []byte(snap))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// fakeAWS answers with the local effective policies, except where told.
type fakeAWS struct {
	o        *org.Org
	override map[string]string
	missing  map[string]bool
	invalid  []string
	asked    []string
}

func (f *fakeAWS) effective(ctx context.Context, account string) (string, bool, error) {
	f.asked = append(f.asked, account)
	if s, ok := f.override[account]; ok {
		return s, true, nil
	}
	if f.missing[account] {
		return "", false, nil
	}
	eng := effective.NewEngine(f.o, policy.Type)
	e := f.o.Entity(account)
	if e == nil {
		return "", false, errors.New("TargetNotFoundException")
	}
	return string(eng.Effective(eng.State(e)).Compact()), true, nil
}

func (f *fakeAWS) options(o *org.Org) Options {
	return Options{Org: o, Effective: f.effective, Invalid: func(context.Context) ([]string, error) { return f.invalid, nil }}
}

func TestSampleCoversEveryState(t *testing.T) {
	o := testOrg(t)
	f := &fakeAWS{o: o}
	rep, err := Run(context.Background(), f.options(o))
	if err != nil {
		t.Fatal(err)
	}
	// Two states: the root's (333, 444, 555) and Prod's (111, 222); the
	// lowest id of each.
	if got := strings.Join(f.asked, " "); got != "111111111111 333333333333" {
		t.Fatalf("asked %s", got)
	}
	if rep.States != 2 || rep.StatesTotal != 2 || rep.Failed() {
		t.Fatalf("report %+v", rep)
	}

	f.asked = nil
	opts := f.options(o)
	opts.PerState = 2
	if _, err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.asked, " "); got != "111111111111 222222222222 333333333333 444444444444" {
		t.Fatalf("--sample 2 asked %s", got)
	}

	f.asked = nil
	opts = f.options(o)
	opts.All = true
	if _, err := Run(context.Background(), opts); err != nil || len(f.asked) != 5 {
		t.Fatalf("--all: err %v, asked %v", err, f.asked)
	}

	f.asked = nil
	opts = f.options(o)
	opts.Accounts = []string{"555555555555"}
	if rep, err := Run(context.Background(), opts); err != nil || len(f.asked) != 1 || rep.States != 1 {
		t.Fatalf("--account: err %v, asked %v", err, f.asked)
	}
	opts.Accounts = []string{"999999999999"}
	if _, err := Run(context.Background(), opts); err == nil {
		t.Fatal("an unknown account is accepted")
	}
}

func TestDifferenceHasPathAndBothValues(t *testing.T) {
	o := testOrg(t)
	f := &fakeAWS{o: o, override: map[string]string{
		// AWS has another schedule for the hourly rule, lists regions in
		// another order (not a difference) and an extra plan.
		"111111111111": `{"plans":{"daily":{"regions":["eu-west-2","eu-west-1"],"rules":{"d":{"schedule_expression":"cron(0 5 ? * * *)"},"h":{"schedule_expression":"cron(30 * ? * * *)"}}},"extra":{}}}`,
	}}
	rep, err := Run(context.Background(), f.options(o))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() {
		t.Fatal("differences not reported")
	}
	var got []string
	for _, a := range rep.Checked {
		for _, d := range a.Differences {
			got = append(got, a.ID+" "+d.Path+" local="+d.Local+" aws="+d.AWS)
		}
	}
	want := []string{
		`111111111111 plans.daily.rules.h.schedule_expression local="cron(0 * ? * * *)" aws="cron(30 * ? * * *)"`,
		`111111111111 plans.extra local=<missing> aws={}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMissingAndInvalid(t *testing.T) {
	o := testOrg(t)
	f := &fakeAWS{o: o, missing: map[string]bool{"333333333333": true}, invalid: []string{"222222222222"}}
	rep, err := Run(context.Background(), f.options(o))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() || len(rep.Invalid) != 1 {
		t.Fatalf("report %+v", rep)
	}
	d := rep.Checked[1].Differences
	if len(d) != 1 || d[0].Path != "" || d[0].AWS != "<missing>" {
		t.Fatalf("missing effective policy: %+v", d)
	}
}

func TestCompareListsOfObjectsInOrder(t *testing.T) {
	a, _ := doc.Parse("a", []byte(`{"x":[{"a":"1"},{"a":"2"}]}`))
	b, _ := doc.Parse("b", []byte(`{"x":[{"a":"2"},{"a":"1"}]}`))
	if d := Compare(a, b); len(d) != 1 || d[0].Path != "x" {
		t.Fatalf("%+v", d)
	}
	if d := Compare(a, a); len(d) != 0 {
		t.Fatalf("%+v", d)
	}
}

// Right after an apply AWS may still serve the old effective policy: with
// Wait, verify asks the differing accounts again until they agree.
func TestWaitForPropagation(t *testing.T) {
	o := testOrg(t)
	f := &fakeAWS{o: o, override: map[string]string{"111111111111": `{"plans":{}}`}}
	now := time.Unix(0, 0)
	opts := f.options(o)
	opts.Wait = time.Minute
	opts.Now = func() time.Time { return now }
	rounds := 0
	opts.Sleep = func(ctx context.Context, d time.Duration) error {
		rounds++
		now = now.Add(d)
		if rounds == 2 {
			delete(f.override, "111111111111") // propagated
		}
		return nil
	}
	rep, err := Run(context.Background(), opts)
	if err != nil || rep.Failed() || rounds != 2 {
		t.Fatalf("err %v, failed %v after %d rounds", err, rep.Failed(), rounds)
	}
	// 333… agreed at once and is asked once; 111… three times.
	if got := strings.Join(f.asked, " "); got != "111111111111 333333333333 111111111111 111111111111" {
		t.Fatalf("asked %s", got)
	}

	// It never agrees: the wait is bounded.
	f.override["111111111111"] = `{"plans":{}}`
	now = time.Unix(0, 0)
	opts.Sleep = func(ctx context.Context, d time.Duration) error { now = now.Add(d); return nil }
	rep, err = Run(context.Background(), opts)
	if err != nil || !rep.Failed() || now.Sub(time.Unix(0, 0)) != time.Minute {
		t.Fatalf("err %v, failed %v, waited %s", err, rep.Failed(), now.Sub(time.Unix(0, 0)))
	}
}
