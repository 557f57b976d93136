package render

import (
	"bytes"
	"testing"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/golden"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/verify"
)

// A policy name and an OU path that try to recolour the terminal, forge a
// workflow command on a new line and reverse the text direction.
const hostileName = "evil\x1b[31m\n::error::forged\u202e"

func TestApplyGolden(t *testing.T) {
	root := &plan.Target{ID: "r-abcd", Path: "Root"}
	ou := &plan.Target{ID: "ou-abcd-11111111", Path: "Root/" + hostileName}
	var b bytes.Buffer
	for _, st := range []struct {
		c plan.Change
		e apply.Entry
	}{
		{plan.Change{Action: plan.CreatePolicy, Policy: "daily"}, apply.Entry{Operation: "CreatePolicy", RequestID: "4b1c", Result: apply.Done}},
		{plan.Change{Action: plan.CreatePolicy, Policy: "weekly"}, apply.Entry{Operation: "CreatePolicy", Result: apply.AlreadyDone,
			Error: "DuplicatePolicyException: exists", Note: "adopted p-12345678: a policy of this name with orgbackup's tags exists"}},
		{plan.Change{Action: plan.Attach, Policy: hostileName, PolicyID: "p-12345678", Target: ou}, apply.Entry{Operation: "AttachPolicy", RequestID: "9a0e", Result: apply.Failed, Error: "TooManyRequestsException: " + hostileName}},
		{plan.Change{Action: plan.Detach, Policy: "old", PolicyID: "p-87654321", Target: root}, apply.Entry{Result: apply.Skipped}},
	} {
		WriteApplyStep(&b, st.c, st.e, Style{})
	}
	WriteStale(&b, &apply.StaleError{InputsChanged: true,
		New:  []plan.Change{{Action: plan.UpdatePolicy, Policy: hostileName, PolicyID: "p-12345678", Reason: "content changes"}},
		Gone: []plan.Change{{Action: plan.Attach, Policy: "daily", Target: root}}}, Style{})
	WriteDestroyRefusal(&b, &apply.DestroyError{Changes: []plan.Change{
		{Action: plan.Detach, Policy: "old", PolicyID: "p-87654321", Target: root, Destructive: true},
		{Action: plan.DeletePolicy, Policy: "old", PolicyID: "p-87654321", Destructive: true}}}, Style{})
	WriteResume(&b, apply.Resume{Planned: 9, Done: 4})
	WriteApplySummary(&b, &apply.Report{Applied: 5, Calls: map[apply.Result]int{apply.Done: 4, apply.AlreadyDone: 1}}, "orgbackup-apply.log.jsonl", Style{})
	WriteApplySummary(&b, &apply.Report{Resume: apply.Resume{Planned: 3, Done: 3}}, "", Style{})
	WriteApplySummary(&b, &apply.Report{}, "", Style{})
	golden.Check(t, "apply.text.golden", b.Bytes())
	if bytes.ContainsAny(b.Bytes(), "\x1b\u202e") || bytes.Contains(b.Bytes(), []byte("\n::error")) {
		t.Fatal("hostileName text acts on the terminal")
	}
}

func TestVerifyGolden(t *testing.T) {
	r := &verify.Report{
		States: 2, StatesTotal: 3,
		Checked: []verify.Account{
			{ID: "111111111111", Path: "Root/Prod/" + hostileName, Differences: []verify.Difference{
				{Path: "plans.daily.rules.hourly.schedule_expression", Local: `"cron(0 * ? * * *)"`, AWS: `"cron(30 * ? * * *)"`},
				{Path: "plans.extra", Local: "<missing>", AWS: "{}"},
			}},
			{ID: "333333333333", Path: "Root/333333333333", Differences: []verify.Difference{{Local: `{"plans":{}}`, AWS: "<missing>"}}},
			{ID: "444444444444", Path: "Root/444444444444"},
		},
		Invalid: []string{"222222222222"},
	}
	for _, f := range []Format{Text, JSON} {
		var b bytes.Buffer
		if err := WriteVerify(&b, f, r, Style{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "verify."+string(f)+".golden", b.Bytes())
	}
	var b bytes.Buffer
	if err := WriteVerify(&b, Text, &verify.Report{States: 1, StatesTotal: 1, Checked: []verify.Account{{ID: "111111111111", Path: "Root/a"}}}, Style{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "verify-ok.text.golden", b.Bytes())
}
