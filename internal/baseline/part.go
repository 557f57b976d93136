package baseline

import (
	"fmt"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// NotRead is the note of a plan made without reading what is deployed.
const NotRead = "the deployed baselines were not read (a plan against a snapshot file): StackSet, stack and key changes are not planned; plan against the live organization to see them"

// Part plans the baselines for plan.Make (Input.Baselines): the changes,
// the problems, and how each account is covered. live is what is deployed;
// nil when it was not read (a plan against a snapshot file), and then only
// the coverage and the problems the organization alone shows are planned.
func Part(in Input, live *Live) *plan.BaselinePart { return Prepare(in, live).Part }

// Prepared is the baselines planned for one plan: what they deploy, the
// changes against what is deployed (nil when that was not read), and the
// plan's part. Apply keeps the first two for carrying the changes out.
type Prepared struct {
	Desired *Desired
	Planned *Planned
	Part    *plan.BaselinePart
}

// Prepare is Part, keeping what apply needs besides.
func Prepare(in Input, live *Live) *Prepared {
	d := Desire(in)
	out := &Prepared{Desired: d, Part: &plan.BaselinePart{Coverage: NewCoverage(d, in.Repo)}}
	diags := d.Diags
	if live == nil {
		out.Part.Notes = append(out.Part.Notes, NotRead)
	} else {
		out.Planned = Plan(in.Repo, d, live, in.Repository)
		out.Part.Changes, out.Part.Notes, diags = out.Planned.Changes, out.Planned.Notes, out.Planned.Diags
	}
	for _, dg := range diags {
		out.Part.Problems = append(out.Part.Problems, problem(dg, d.source))
	}
	return out
}

func problem(d diag.Diagnostic, source func(string) string) plan.Problem {
	sev := plan.SeverityError
	switch d.Severity {
	case diag.Warning:
		sev = plan.SeverityWarning
	case diag.Notice:
		sev = plan.SeverityNotice
	}
	p := plan.Problem{Severity: sev, Code: d.Code, Message: d.Message, Hint: d.Hint}
	if d.Pos.File != "" {
		p.Source = source(d.Pos.File)
		if d.Pos.IsValid() {
			p.Source = fmt.Sprintf("%s:%d:%d", p.Source, d.Pos.Line, d.Pos.Col)
		}
	}
	return p
}
