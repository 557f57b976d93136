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
func Part(in Input, live *Live) *plan.BaselinePart {
	d := Desire(in)
	out := &plan.BaselinePart{Coverage: NewCoverage(d, in.Repo)}
	diags := d.Diags
	if live == nil {
		out.Notes = append(out.Notes, NotRead)
	} else {
		p := Plan(in.Repo, d, live, in.Repository)
		out.Changes, out.Notes, diags = p.Changes, p.Notes, p.Diags
	}
	for _, dg := range diags {
		out.Problems = append(out.Problems, problem(dg, d.source))
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
