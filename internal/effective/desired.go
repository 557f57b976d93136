package effective

import (
	"errors"
	"fmt"
	"slices"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Owned reports whether p carries orgbackup's ownership tag. orgbackup only
// ever changes policies it owns; everything else is context.
func Owned(p *org.Policy) bool { return p.Tags[generate.TagManagedBy] == generate.TagValue }

// Desired returns the organization as it will be once repo is applied to
// actual: each repository policy's content replaces the organization's
// policy of the same name (or is added), and its attachments become exactly
// the repository's targets. Policies the repository does not define keep
// their content and attachments; among them, orgbackup-owned ones are
// reported as orphaned, because deleting a policy must be explicit.
//
// New attachments go after the existing ones at each entity: that is where
// AttachPolicy puts them, and attachment order decides same-level
// conflicts.
//
// An organization that has not enabled backup policies cannot attach any:
// Desired reports it and attaches nothing, so no account shows a policy it
// would not get.
func Desired(actual *org.Org, repo *policy.Repo) (*org.Org, diag.List) {
	o := actual.Clone()
	var diags diag.List
	targets := map[*org.Policy][]*org.Entity{}
	var ours []*org.Policy
	enabled, known := actual.PolicyTypeEnabled(policy.Type)
	disabled := known && !enabled
	for _, p := range repo.Policies {
		if disabled && len(p.Targets) > 0 {
			diags = append(diags, diag.Errorf("backup-policies-disabled", p.Targets[0].Pos,
				"the organization has not enabled backup policies (BACKUP_POLICY is not among its root's policy types), so policy %q cannot be attached and no account gets it", p.Name).
				WithHint("enable them: aws organizations enable-policy-type --root-id %s --policy-type BACKUP_POLICY; then take a new snapshot", actual.Root().ID))
		}
		content := generate.Document(p)
		op := o.PolicyOfType(policy.Type, p.Name)
		if op == nil {
			op = &org.Policy{Name: p.Name, Type: policy.Type, Description: p.Description,
				Tags: map[string]string{generate.TagManagedBy: generate.TagValue}, Content: content}
			o.AddPolicy(op)
		} else {
			if !Owned(op) {
				diags = append(diags, diag.Warningf("not-owned", p.Pos,
					"policy %q already exists in the organization (%s) without the %s=%s tag; apply will not change a policy orgbackup does not own",
					p.Name, op.ID, generate.TagManagedBy, generate.TagValue).
					WithHint("adopt it by tagging it %s=%s, or rename the policy in the repository", generate.TagManagedBy, generate.TagValue))
			}
			op.Content = content
			op.Description = p.Description
		}
		ours = append(ours, op)
		for _, t := range p.Targets {
			ent, err := o.Resolve(t.Raw)
			if err != nil {
				d := diag.Errorf("unknown-target", t.Pos, "policy %q is attached to %q, which is not in the organization", p.Name, t.Raw)
				var re *org.ResolveError
				if errors.As(err, &re) {
					d = diag.Errorf("unknown-target", t.Pos, "policy %q: %s", p.Name, re.Msg).WithHint("%s", re.Hint)
				}
				diags = append(diags, d.WithValue(fmt.Sprintf("%q", t.Raw)))
				continue
			}
			if !disabled && !slices.Contains(targets[op], ent) {
				targets[op] = append(targets[op], ent)
			}
		}
	}

	// Re-attach: every entity that holds one of our policies now, or will.
	touched := map[*org.Entity]bool{}
	for _, op := range ours {
		for _, e := range o.Targets(op) {
			touched[e] = true
		}
		for _, e := range targets[op] {
			touched[e] = true
		}
	}
	isOurs := func(p *org.Policy) bool { return slices.Contains(ours, p) }
	for _, e := range sortedEntities(touched) {
		var list []*org.Policy
		for _, p := range o.Attached(e, policy.Type) {
			if !isOurs(p) || slices.Contains(targets[p], e) {
				list = append(list, p)
			}
		}
		for _, p := range ours {
			if slices.Contains(targets[p], e) && !slices.Contains(list, p) {
				list = append(list, p)
			}
		}
		o.SetAttachments(e, policy.Type, list)
	}

	for _, p := range actual.Policies() {
		if p.Type == policy.Type && Owned(p) && repo.Policy(p.Name) == nil {
			diags = append(diags, diag.Diagnostic{Severity: diag.Notice, Code: "orphaned",
				Pos:     doc.Pos{File: "org snapshot"},
				Message: fmt.Sprintf("policy %q (%s) is managed by orgbackup but no longer defined in the repository; it stays as it is (orphaned, kept)", p.Name, p.ID),
				Hint:    "deleting a policy must be explicit; remove it with a deliberate change, or define it again"})
		}
	}
	return o, diags
}

func sortedEntities(m map[*org.Entity]bool) []*org.Entity {
	out := make([]*org.Entity, 0, len(m))
	for e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *org.Entity) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}
