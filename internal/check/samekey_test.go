package check

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Run groups targets by sameKey instead of comparing every pair with Same
// when the resolver is NameResolver (see partners). These tests keep the
// two in step.

func TestSameKeyAgreesWithSame(t *testing.T) {
	targets := []string{
		"Root", "r-ab12", "r-cd34", "ou-ab12-abcdefgh", "ou-ab12-zzzzzzzz",
		"Root/Workloads", "Root/Workloads/Prod", "Root/workloads", "111122223333", "444455556666", "",
	}
	c := &checker{r: NameResolver{}}
	key, ok := c.sameKey()
	if !ok {
		t.Fatal("NameResolver has no key")
	}
	for _, a := range targets {
		for _, b := range targets {
			ta, tb := policy.Target{Raw: a}, policy.Target{Raw: b}
			if got, want := key(ta) == key(tb), (NameResolver{}).Same(ta, tb); got != want {
				t.Errorf("key(%q) == key(%q) is %v, Same is %v", a, b, got, want)
			}
		}
	}
}

// otherResolver is NameResolver under another type, so Run takes the path
// that compares every pair.
type otherResolver struct{ NameResolver }

func TestKeyedAndPairwiseChecksAgree(t *testing.T) {
	// Many policies over few targets, setting the same settings to
	// different values: attachment-order conflicts, too many attachments
	// and plan merges.
	targets := []string{"Root", "Root/A", "Root/A/B", "Root/C", "111122223333", "r-ab12"}
	repo := &policy.Repo{}
	for i := range 70 {
		p := &policy.Policy{
			Name:    fmt.Sprintf("p%02d", i),
			Pos:     doc.Pos{File: policyFile, Line: i + 1, Col: 1},
			Targets: []policy.Target{{Raw: targets[i%len(targets)], Pos: doc.Pos{File: policyFile, Line: i + 1, Col: 2}}},
			Plans:   plans(t, policyFile, fmt.Sprintf(`{"daily": {"regions": ["us-east-1"], "rules": {"r": {"schedule_expression": "cron(0 %d ? * * *)", "target_backup_vault_name": "v"}}, "selections": {"tags": {"s": {"iam_role_arn": "arn:aws:iam::$account:role/r", "tag_key": "k", "tag_value": ["%d"]}}}}}`, i%7, i%3)),
		}
		if i%5 == 0 {
			p.Targets = append(p.Targets, policy.Target{Raw: targets[(i+2)%len(targets)], Pos: doc.Pos{File: policyFile, Line: i + 1, Col: 3}})
		}
		repo.Policies = append(repo.Policies, p)
	}
	keyed := Run(repo, NameResolver{})
	pairwise := Run(repo, otherResolver{})
	if len(keyed.Diags) == 0 {
		t.Fatal("no diagnostics; the test repository should conflict")
	}
	if !reflect.DeepEqual(keyed, pairwise) {
		t.Errorf("keyed and pairwise checks differ:\nkeyed:    %v\npairwise: %v", keyed.Diags, pairwise.Diags)
	}
	codes := map[string]int{}
	for _, d := range keyed.Diags {
		codes[d.Code]++
	}
	for _, code := range []string{"attachment-order", "too-many-attachments", "plan-merge"} {
		if codes[code] == 0 {
			t.Errorf("no %s diagnostics: %v", code, codes)
		}
	}
}
