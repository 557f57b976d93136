package inherit

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// rulesPolicy returns a backup policy with rules named prefix1..prefixN in
// plan "Plan".
func rulesPolicy(prefix string, n int) string {
	var rules []string
	for i := 1; i <= n; i++ {
		rules = append(rules, fmt.Sprintf(`"%s%d":{"schedule_expression":{"@@assign":"cron(0 %d ? * * *)"},"target_backup_vault_name":{"@@assign":"Vault"}}`, prefix, i, i))
	}
	return `{"plans":{"Plan":{"regions":{"@@assign":["us-east-1"]},"rules":{` + strings.Join(rules, ",") + `}}}}`
}

// TestContributors follows the invalid-policy example of the Org UG
// (invalid-policy-alerts.html): a root policy with nine rules and an account
// policy adding two more give a plan with eleven rules, and the report needs
// to say which policies contributed them.
func TestContributors(t *testing.T) {
	s := Merge(chain(t,
		[]pol{{"p-root", rulesPolicy("Root", 9)}},
		[]pol{{"p-ou-lock", `{"plans":{"plan":{"regions":{"@@operators_allowed_for_child_policies":["@@none"]}}}}`}},
		[]pol{{"p-acct", rulesPolicy("Acct", 2)}},
	)...)
	plan := s.Effective().Get("plans").Get("plan")
	if got := len(plan.Get("rules").Fields); got != 11 {
		t.Fatalf("rules after merge = %d, want 11", got)
	}
	for _, tc := range []struct {
		path []string
		want []string
	}{
		{nil, []string{"p-acct", "p-root"}},
		{[]string{"plans", "plan", "rules"}, []string{"p-acct", "p-root"}},
		{[]string{"PLANS", "Plan", "Rules"}, []string{"p-acct", "p-root"}}, // lower-cased for the caller
		{[]string{"plans", "plan", "rules", "root3"}, []string{"p-root"}},
		{[]string{"plans", "plan", "rules", "acct1", "schedule_expression"}, []string{"p-acct"}},
		// p-acct's @@assign on regions is not allowed, and p-ou-lock only
		// restricts: neither contributes.
		{[]string{"plans", "plan", "regions"}, []string{"p-root"}},
		{[]string{"plans", "nope"}, nil},
	} {
		if got := s.Contributors(tc.path...); !slices.Equal(got, tc.want) {
			t.Errorf("Contributors(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	if got := noteSummaries(s.Notes()); !slices.Equal(got, []string{"not-allowed 2 p-acct plans.plan.regions by p-ou-lock"}) {
		t.Errorf("notes = %q", got)
	}
}

// TestApplyKeepsReceiver checks the promise callers rely on to cache the
// state of a shared OU prefix: Apply never changes the state it is called on,
// and states derived from one prefix do not see each other's changes.
func TestApplyKeepsReceiver(t *testing.T) {
	levels := chain(t,
		[]pol{{"p-root", `{"plans":{"Daily":{"regions":{"@@assign":["us-east-1"]},"rules":{"r":{"vault":{"@@assign":"A"}}}}}}`}},
		[]pol{{"p-ou", `{"plans":{"daily":{"regions":{"@@append":["eu-west-1"]},"rules":{"r":{"@@operators_allowed_for_child_policies":["@@none"]}}}}}`}},
	)
	prefix := Merge(levels...)
	before, notesBefore := string(prefix.Effective().Compact()), len(prefix.Notes())

	accounts := chain(t,
		[]pol{{"a1", `{"plans":{"daily":{"regions":{"@@remove":["us-east-1"]},"rules":{"r":{"vault":{"@@assign":"B"}},"r2":{"vault":{"@@assign":"C"}}}},"weekly":{"regions":{"@@assign":["x"]}}}}`}},
		[]pol{{"a2", `{"plans":{"daily":{"regions":{"@@append":["ap-south-1"]},"rules":{"r":{"extra":{"@@assign":"D"}}}}}}`}},
	)
	s1 := prefix.Apply(accounts[0])
	s2 := prefix.Apply(accounts[1])

	if got := string(prefix.Effective().Compact()); got != before {
		t.Errorf("prefix changed by Apply:\n%s\nwas:\n%s", got, before)
	}
	if len(prefix.Notes()) != notesBefore {
		t.Errorf("prefix notes changed")
	}
	want1 := `{"plans":{"daily":{"regions":["eu-west-1"],"rules":{"r":{"vault":"B"},"r2":{"vault":"C"}}},"weekly":{"regions":["x"]}}}`
	want2 := `{"plans":{"daily":{"regions":["us-east-1","eu-west-1","ap-south-1"],"rules":{"r":{"vault":"A"}}}}}`
	if got := string(s1.Effective().Compact()); got != want1 {
		t.Errorf("account 1:\n%s\nwant:\n%s", got, want1)
	}
	if got := string(s2.Effective().Compact()); got != want2 {
		t.Errorf("account 2:\n%s\nwant:\n%s", got, want2)
	}
	if got := noteSummaries(s2.Notes()); !slices.Equal(got, []string{"not-allowed 2 a2 plans.daily.rules.r.extra by p-ou"}) {
		t.Errorf("account 2 notes = %q", got)
	}
	if s1.Levels() != 3 || prefix.Levels() != 2 {
		t.Errorf("levels = %d, %d", s1.Levels(), prefix.Levels())
	}
}

// TestConcurrentApply applies many account levels to one shared prefix at
// once; run with -race.
func TestConcurrentApply(t *testing.T) {
	prefix := Merge(chain(t,
		[]pol{{"p-root", rulesPolicy("Root", 5)}},
		[]pol{{"p-ou", `{"plans":{"plan":{"regions":{"@@append":["eu-west-1"]}}}}`}},
	)...)
	want := string(prefix.Effective().Compact())
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := chain(t, []pol{{fmt.Sprintf("a%d", i), fmt.Sprintf(`{"plans":{"plan":{"regions":{"@@append":["r%d"]},"rules":{"root1":{"x":{"@@assign":"%d"}}}}}}`, i, i)}})[0]
			s := prefix.Apply(l)
			regions := s.Effective().Get("plans").Get("plan").Get("regions")
			if last := regions.Items[len(regions.Items)-1].Text; last != fmt.Sprintf("r%d", i) {
				t.Errorf("account %d sees region %q", i, last)
			}
		}()
	}
	wg.Wait()
	if got := string(prefix.Effective().Compact()); got != want {
		t.Errorf("prefix changed:\n%s\nwant:\n%s", got, want)
	}
}

func TestEffectiveIsFresh(t *testing.T) {
	s := Merge(chain(t, []pol{{"p", `{"a":{"b":{"@@assign":["x"]}}}`}})...)
	e := s.Effective()
	e.Get("a").Get("b").Items[0].Text = "changed"
	e.Get("a").Set("c", doc.NewString("new", doc.Pos{}))
	if got := string(s.Effective().Compact()); got != `{"a":{"b":["x"]}}` {
		t.Errorf("effective after caller edits = %s", got)
	}
	n := s.Notes()
	if n != nil {
		t.Errorf("notes = %v", n)
	}
}

func TestInputDocumentsAreNotModified(t *testing.T) {
	levels := chain(t,
		[]pol{{"root", `{"Plans":{"P":{"regions":{"@@assign":["a","b"]},"x":{"@@assign":"1"}}}}`}},
		[]pol{{"ou", `{"plans":{"p":{"regions":{"@@append":["c"],"@@remove":["a"]},"x":{"@@assign":"2"}}}}`}},
	)
	var before []string
	for _, l := range levels {
		before = append(before, string(l.Policies[0].Doc.Compact()))
	}
	s := Merge(levels...)
	e := s.Effective()
	e.Get("plans").Get("p").Get("regions").Items[0].Text = "mutated"
	for i, l := range levels {
		if got := string(l.Policies[0].Doc.Compact()); got != before[i] {
			t.Errorf("policy %d changed:\n%s\nwas:\n%s", i, got, before[i])
		}
	}
}

func TestNilAndZeroState(t *testing.T) {
	var s *State
	if got := string(s.Effective().Compact()); got != `{}` {
		t.Errorf("nil effective = %s", got)
	}
	if s.Notes() != nil || s.Contributors() != nil || s.Levels() != 0 {
		t.Errorf("nil state is not empty")
	}
	s2 := s.Apply(chain(t, []pol{{"p", `{"a":{"@@assign":"x"}}`}})[0])
	if got := string(s2.Effective().Compact()); got != `{"a":"x"}` {
		t.Errorf("apply on nil = %s", got)
	}
	var z State
	if got := string(z.Apply(Level{}).Effective().Compact()); got != `{}` {
		t.Errorf("zero state = %s", got)
	}
	if got := string(Merge().Effective().Compact()); got != `{}` {
		t.Errorf("empty merge = %s", got)
	}
}

func TestNoteString(t *testing.T) {
	s := Merge(chain(t,
		[]pol{{"p-root", `{"tags":{"project":{"tag_key":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"Project"}}}}`}},
		[]pol{{"p-ou", `{"tags":{"project":{"tag_key":{"@@assign":"PROJECT"}}}}`}},
	)...)
	ns := s.Notes()
	if len(ns) != 1 {
		t.Fatalf("notes = %v", ns)
	}
	want := `p-ou.json:1:32: p-ou (L1): tags.project.tag_key: ignored @@assign: a parent policy locks this setting (@@operators_allowed_for_child_policies set by p-root attached to L0 at p-root.json:1:32: [@@none])`
	if got := ns[0].String(); got != want {
		t.Errorf("note:\n%s\nwant:\n%s", got, want)
	}
	if ns[0].By != "p-root" || ns[0].ByPos.String() != "p-root.json:1:32" {
		t.Errorf("by = %s at %s", ns[0].By, ns[0].ByPos)
	}
}

func TestNoteMessages(t *testing.T) {
	s := Merge(chain(t,
		[]pol{
			{"p-root", `{"plans":{"@@operators_allowed_for_child_policies":["@@append"],"p":{"regions":{"@@operators_allowed_for_child_policies":["@@append","@@remove"],"@@assign":["x"]},"v":{"@@assign":"s"},"m":{"k":{"@@assign":"1"}}}}}`},
			{"p-root2", `{"plans":{"p":{"v":{"@@assign":"t"}}}}`},
		},
		[]pol{{"p-ou", `{"plans":{"@@operators_allowed_for_child_policies":["@@remove"]}}`}},
		[]pol{{"p-acct", `{"plans":{"q":{},"p":{"regions":{"@@assign":["y"]},"v":{"@@append":["x"]},"m":{"@@assign":"x"},"w":{"@@append":"x"},"c":{"@@operators_allowed_for_child_policies":["@@all","@@none"]},"@@bogus":1,"z":{"@@assign":"x","k":{}},"Z2":{"@@assign":"1"},"z2":{"@@assign":"2"}}}}`}},
	)...)
	want := []string{
		`ignored @@assign: p-root, attached to L0 before this policy, already set this value at p-root.json:1:169; at one level the first-attached policy wins`,
		`ignored new key "q" and everything under it: a parent policy allows no new keys under "plans" (@@operators_allowed_for_child_policies set by p-ou attached to L1 at p-ou.json:1:11)`,
		`ignored unknown operator "@@bogus"`,
		`ignored @@assign: lower levels may only use [@@append, @@remove] on this setting (@@operators_allowed_for_child_policies set by p-root attached to L0 at p-root.json:1:81)`,
		`ignored @@append: the current value is a string "s", not a list, and @@append only works on lists`,
		`ignored this object: in earlier policies this key is a map of keys, but this policy writes it as a setting`,
		`ignored @@append: it takes a list of values, found a string "x"`,
		`ignored @@operators_allowed_for_child_policies: @@all must be the only item in the list`,
		`ignored key "k": it sits next to @@assign, and an object holding a value-setting operator is a single setting that cannot also hold keys`,
		`ignored key "z2": it duplicates key "Z2" of the same object, and keys match case-insensitively`,
	}
	var got []string
	for _, n := range s.Notes() {
		got = append(got, n.Message)
	}
	if diff := lineDiff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	for _, n := range s.Notes() {
		if m := n.Message; m == "" || strings.ToLower(m[:1]) != m[:1] {
			t.Errorf("message does not start in lower case: %q", m)
		}
	}
}
