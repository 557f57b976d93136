package backup

import (
	"regexp"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// RefKind says what a policy depends on.
type RefKind int

// The things a backup policy needs in each member account.
const (
	// Vault is a backup vault a rule or copy action writes to.
	Vault RefKind = iota
	// Role is the IAM role a selection has AWS Backup assume.
	Role
)

func (k RefKind) String() string {
	if k == Role {
		return "role"
	}
	return "vault"
}

// Ref is a vault or role a policy names, which must exist with exactly that
// name in every account the policy reaches, or backups there silently fail.
type Ref struct {
	Kind RefKind
	Name string
	// Regions are where a vault must exist: the plan's Regions for a
	// rule's target vault, the ARN's Region for a copy destination. Roles
	// are global and have none.
	Regions []string
	// Account is "" when the name is relative to the member account
	// ($account, or a plain vault name); otherwise the 12-digit account the
	// ARN names.
	Account string
	// RolePath is a role's IAM path as its ARN has it: "/" for
	// "role/backup", "/service-role/" for "role/service-role/backup".
	RolePath string
	// Where says who refers to it, for messages: `rule "hourly" of plan
	// "daily"`.
	Where string
	Plan  string
	Path  []string
	Node  *doc.Node
}

var (
	roleARNRe  = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::(\$account|[0-9]{12}):role(/(?:.*/)?)([^/]+)$`)
	vaultARNRe = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:backup:([a-z0-9-]+|\$region):(\$account|[0-9]{12}):backup-vault:(.+)$`)
)

// References lists the vaults and roles an effective-form document names
// (see Unwrap for an operator-form document), in document order.
func References(d *doc.Node) []Ref { return (*Memo)(nil).References(d) }

// References is References, with each plan's references listed once.
func (m *Memo) References(d *doc.Node) []Ref {
	var out []Ref
	plans := d.GetFold("plans")
	if plans == nil || plans.Kind != doc.Object {
		return nil
	}
	for _, pf := range plans.Fields {
		if strings.HasPrefix(pf.Key, "@@") || pf.Value.Kind != doc.Object {
			continue
		}
		if m == nil {
			out = planReferences(out, pf.Key, pf.Value)
			continue
		}
		refs := memoized(&m.mu, &m.refs, planKey{key: pf.Key, node: pf.Value}, func() []Ref {
			return planReferences(nil, pf.Key, pf.Value)
		})
		out = append(out, refs...)
	}
	return out
}

// planReferences appends the references of plan p, at key, to out.
func planReferences(out []Ref, key string, p *doc.Node) []Ref {
	regions, _ := p.GetFold("regions").Strings()
	base := []string{"plans", key}
	if rules := p.GetFold("rules"); rules != nil && rules.Kind == doc.Object {
		for _, rf := range rules.Fields {
			r := rf.Value
			if strings.HasPrefix(rf.Key, "@@") || r.Kind != doc.Object {
				continue
			}
			where := "rule " + quote(rf.Key) + " of plan " + quote(key)
			rpath := append(slices.Clone(base), "rules", rf.Key)
			if v := r.GetFold("target_backup_vault_name"); v != nil && v.Kind == doc.String {
				out = append(out, Ref{Kind: Vault, Name: v.Text, Regions: regions, Where: where, Plan: key,
					Path: append(slices.Clone(rpath), "target_backup_vault_name"), Node: v})
			}
			if ca := r.GetFold("copy_actions"); ca != nil && ca.Kind == doc.Object {
				for _, cf := range ca.Fields {
					if strings.HasPrefix(cf.Key, "@@") {
						continue
					}
					arn, node := cf.Key, cf.Value
					if t := cf.Value.GetFold("target_backup_vault_arn"); t != nil && t.Kind == doc.String {
						arn, node = t.Text, t
					}
					m := vaultARNRe.FindStringSubmatch(arn)
					if m == nil {
						continue
					}
					ref := Ref{Kind: Vault, Name: m[3], Regions: []string{m[1]}, Where: "copy action of " + where, Plan: key,
						Path: append(slices.Clone(rpath), "copy_actions", cf.Key), Node: node}
					if m[2] != "$account" {
						ref.Account = m[2]
					}
					if m[1] == "$region" {
						ref.Regions = regions
					}
					out = append(out, ref)
				}
			}
		}
	}
	if sel := p.GetFold("selections"); sel != nil && sel.Kind == doc.Object {
		for _, kind := range []string{"tags", "resources"} {
			m := sel.GetFold(kind)
			if m == nil || m.Kind != doc.Object {
				continue
			}
			for _, sf := range m.Fields {
				if strings.HasPrefix(sf.Key, "@@") || sf.Value.Kind != doc.Object {
					continue
				}
				role := sf.Value.GetFold("iam_role_arn")
				if role == nil || role.Kind != doc.String {
					continue
				}
				mm := roleARNRe.FindStringSubmatch(role.Text)
				if mm == nil {
					continue
				}
				// Roles are global; the plan's Regions only say where a
				// baseline could deploy the role's stack.
				ref := Ref{Kind: Role, Name: mm[3], RolePath: mm[2], Regions: regions, Where: "selection " + quote(sf.Key) + " of plan " + quote(key), Plan: key,
					Path: append(slices.Clone(base), "selections", kind, sf.Key, "iam_role_arn"), Node: role}
				if mm[1] != "$account" {
					ref.Account = mm[1]
				}
				out = append(out, ref)
			}
		}
	}
	return out
}

func quote(s string) string { return `"` + s + `"` }

// Unwrap returns what a single operator-form document would contribute on
// its own: @@assign and @@append values as set, @@remove dropped, child
// control operators removed. Keys keep their case and nodes their
// positions, so checks on the result point at the author's lines.
func Unwrap(d *doc.Node) *doc.Node {
	if d == nil {
		return nil
	}
	switch d.Kind {
	case doc.Object:
		if v, ok := valueOf(d); ok {
			return v
		}
		out := doc.NewObject(d.Pos)
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Key, "@@") {
				continue
			}
			v := Unwrap(f.Value)
			if v == nil {
				continue
			}
			out.Fields = append(out.Fields, doc.Field{Key: f.Key, KeyPos: f.KeyPos, Value: v})
		}
		return out
	case doc.Array:
		return d.Clone()
	}
	return d.Clone()
}

// valueOf unwraps a value node ({"@@assign": v} etc.). A node with only
// @@remove or only a child control operator contributes nothing.
func valueOf(n *doc.Node) (*doc.Node, bool) {
	isValue := false
	for _, f := range n.Fields {
		switch f.Key {
		case "@@assign", "@@append", "@@remove":
			isValue = true
		}
	}
	if !isValue {
		if len(n.Fields) > 0 && allOperators(n) {
			return nil, true
		}
		return nil, false
	}
	if v := n.Get("@@assign"); v != nil {
		out := v.Clone()
		if a := n.Get("@@append"); a != nil && out.Kind == doc.Array && a.Kind == doc.Array {
			out.Items = append(out.Items, a.Clone().Items...)
		}
		return out, true
	}
	if v := n.Get("@@append"); v != nil {
		return v.Clone(), true
	}
	return nil, true
}

func allOperators(n *doc.Node) bool {
	for _, f := range n.Fields {
		if !strings.HasPrefix(f.Key, "@@") {
			return false
		}
	}
	return true
}
