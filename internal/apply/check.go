package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/plan"
)

// StaleError is the refusal to apply a saved plan that no longer describes
// what applying would do. Nothing has been changed when it is returned.
type StaleError struct {
	// InputsChanged: the repository (documents, targets, prerequisites,
	// options) differs from the one the plan was made from.
	InputsChanged bool
	// New are changes the fresh plan makes that the saved plan does not
	// list; Gone are changes of the saved plan that the fresh plan no
	// longer makes (done already, or made unnecessary by someone else).
	New, Gone []plan.Change
}

func (e *StaleError) Error() string {
	var why []string
	if e.InputsChanged {
		why = append(why, "the repository differs from the one it was made from")
	}
	if len(e.New) > 0 {
		why = append(why, fmt.Sprintf("the organization now needs %s it does not list", count(len(e.New), "change")))
	}
	return "the plan is stale: " + strings.Join(why, ", and ") + "; run plan again, review it, and apply the new plan"
}

// Resume says how a saved plan relates to the fresh one when it is not
// stale.
type Resume struct {
	Planned int // changes in the saved plan
	Done    int // of those, already in place (a previous apply got that far)
}

// Check compares a saved plan with the plan made again from the live
// organization just now. The saved plan may be applied if it was made from
// the same inputs and every fresh change is one it lists: then the fresh
// plan is what remains of it (all of it, or the part a killed apply did not
// get to). Anything else is a StaleError.
func Check(saved, fresh *plan.Plan) (Resume, error) {
	r := Resume{Planned: len(saved.Changes)}
	left := slices.Clone(saved.Changes)
	var extra []plan.Change
	for _, c := range fresh.Changes {
		i := slices.IndexFunc(left, func(s plan.Change) bool { return SameChange(s, c) })
		if i < 0 {
			extra = append(extra, c)
			continue
		}
		left = slices.Delete(left, i, i+1)
	}
	inputs := saved.InputsDigest != fresh.InputsDigest
	if inputs || len(extra) > 0 {
		return r, &StaleError{InputsChanged: inputs, New: extra, Gone: left}
	}
	r.Done = len(left)
	return r, nil
}

// SameChange reports whether the fresh change f is the saved change s: the
// same action on the same policy and target, with the same values. What is
// only for people (the reason, the source position, a target's path and
// kind) does not count, and neither does a policy id that the saved plan
// could not know because the policy did not exist yet. Every other field
// counts, including fields added to Change later: when in doubt, a plan is
// stale.
func SameChange(s, f plan.Change) bool {
	if s.PolicyID == "" || f.PolicyID == "" {
		s.PolicyID, f.PolicyID = "", ""
	}
	return bytes.Equal(identity(s), identity(f))
}

func identity(c plan.Change) []byte {
	c.Reason, c.Source = "", ""
	if c.Target != nil {
		c.Target = &plan.Target{ID: c.Target.ID}
	}
	b, _ := json.Marshal(c) // a Change of strings, maps and slices always encodes
	return b
}

func targetOf(c plan.Change) string {
	if c.Target == nil {
		return ""
	}
	return c.Target.ID
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
