package loader

import (
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// decode turns the validated configuration into a policy.Repo. The schema
// has already checked every type, so decode only reshapes. Values come from
// the unified value v; positions from the user's value u, because a struct
// in v reports the schema's position of its definition.
func decode(v, u cue.Value) (*policy.Repo, diag.List) {
	repo := &policy.Repo{}
	for name, pv := range fields(v.LookupPath(cue.ParsePath("policies"))) {
		pu := u.LookupPath(cue.MakePath(cue.Str("policies"), cue.Str(name)))
		repo.Policies = append(repo.Policies, decodePolicy(name, pv, pu))
	}
	for name, bv := range fields(v.LookupPath(cue.ParsePath("baselines"))) {
		bu := u.LookupPath(cue.MakePath(cue.Str("baselines"), cue.Str(name)))
		repo.Baselines = append(repo.Baselines, decodeBaseline(name, bv, bu))
	}
	decodeTop(repo, v, u)
	sortRepo(repo)
	return repo, nil
}

// decodeTop decodes the top-level keys besides policies and baselines: v
// is the value unified with #Config (or with the part of it that holds
// those keys), u the user's value.
func decodeTop(repo *policy.Repo, v, u cue.Value) {
	if nv := v.LookupPath(cue.ParsePath("new_regions")); nv.Exists() {
		repo.NewRegions = targets(nv)
	}
	if ov := v.LookupPath(cue.ParsePath("organization")); ov.Exists() {
		repo.Organization = organization(ov, u.LookupPath(cue.ParsePath("organization")))
	}
}

func sortRepo(repo *policy.Repo) {
	slices.SortFunc(repo.Policies, func(a, b *policy.Policy) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(repo.Baselines, func(a, b *policy.Baseline) int { return strings.Compare(a.Name, b.Name) })
}

// decodePolicy decodes one validated policy: pv is the policy unified with
// #Policy, pu the user's value of it.
func decodePolicy(name string, pv, pu cue.Value) *policy.Policy {
	p := &policy.Policy{Name: name, Pos: posOf(pu.Pos())}
	if d := pv.LookupPath(cue.ParsePath("description")); d.Exists() {
		p.Description, _ = d.String()
	}
	p.Targets = targets(pv.LookupPath(cue.ParsePath("targets")))
	p.Partial, _ = pv.LookupPath(cue.ParsePath("partial")).Bool()
	p.Adopt, _ = pv.LookupPath(cue.ParsePath("adopt")).Bool()
	p.Plans = toNode(pv.LookupPath(cue.ParsePath("plans")), pu.LookupPath(cue.ParsePath("plans")))
	return p
}

// decodeBaseline decodes one validated baseline: bv is the baseline
// unified with #Baseline, bu the user's value of it.
func decodeBaseline(name string, bv, bu cue.Value) *policy.Baseline {
	b := &policy.Baseline{Name: name, Pos: posOf(bu.Pos()), RolePath: "/"}
	b.Targets = targets(bv.LookupPath(cue.ParsePath("targets")))
	rv := bv.LookupPath(cue.ParsePath("regions"))
	b.RegionsPos = posOf(bu.LookupPath(cue.ParsePath("regions")).Pos())
	for _, t := range targets(rv) {
		b.Regions = append(b.Regions, t.Raw)
		b.RegionPos = append(b.RegionPos, t.Pos)
	}
	str := func(key string, dst *string, pos *doc.Pos) {
		if x := bv.LookupPath(cue.ParsePath(key)); x.Exists() {
			*dst, _ = x.String()
			if pos != nil {
				*pos = posOf(valuePos(x))
			}
		}
	}
	str("role_name", &b.RoleName, &b.RoleNamePos)
	str("role_path", &b.RolePath, &b.RolePathPos)
	str("vault_name", &b.VaultName, &b.VaultNamePos)
	str("vault_kms_key_arn", &b.VaultKMSKeyARN, &b.VaultKMSKeyARNPos)
	for _, t := range targets(bv.LookupPath(cue.ParsePath("role_managed_policy_arns"))) {
		b.RoleManagedPolicyARNs = append(b.RoleManagedPolicyARNs, t.Raw)
	}
	if x := bv.LookupPath(cue.ParsePath("vault_access_policy")); x.Exists() {
		b.VaultAccessPolicy = toNode(x, bu.LookupPath(cue.ParsePath("vault_access_policy")))
	}
	b.AllowCopyFromOrganization, _ = bv.LookupPath(cue.ParsePath("allow_copy_from_organization")).Bool()
	decodeDeployment(b, bv, bu)
	return b
}

// organization decodes the organization block: v unified, u as written.
func organization(v, u cue.Value) *policy.Organization {
	o := &policy.Organization{Pos: posOf(u.Pos())}
	str := func(key string, dst *string, pos *doc.Pos) {
		if x := v.LookupPath(cue.ParsePath(key)); x.Exists() {
			*dst, _ = x.String()
			if pos != nil {
				*pos = posOf(valuePos(x))
			}
		}
	}
	boolean := func(key string, pos *doc.Pos) *bool {
		x := v.LookupPath(cue.ParsePath(key))
		if !x.Exists() {
			return nil
		}
		b, _ := x.Bool()
		if pos != nil {
			*pos = posOf(valuePos(x))
		}
		return &b
	}
	str("backup_policies", &o.BackupPolicies, nil)
	str("delegated_administrator", &o.DelegatedAdministrator, &o.DelegatedAdministratorPos)
	str("repository", &o.Repository, &o.RepositoryPos)
	o.TrustedAccess = boolean("trusted_access", nil)
	o.CrossAccountBackup = boolean("cross_account_backup", &o.CrossAccountBackupPos)
	return o
}

// fields iterates the regular fields of a struct value.
func fields(v cue.Value) func(yield func(string, cue.Value) bool) {
	return func(yield func(string, cue.Value) bool) {
		if !v.Exists() {
			return
		}
		it, err := v.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			if !yield(it.Selector().Unquoted(), it.Value()) {
				return
			}
		}
	}
}

func targets(v cue.Value) []policy.Target {
	var out []policy.Target
	if !v.Exists() {
		return nil
	}
	it, err := v.List()
	if err != nil {
		return nil
	}
	for it.Next() {
		s, _ := it.Value().String()
		out = append(out, policy.Target{Raw: s, Pos: posOf(it.Value().Pos())})
	}
	return out
}

// toNode converts a concrete CUE value v into a doc.Node, taking each
// node's position from u, the same value as the user wrote it, where it
// exists there.
func toNode(v, u cue.Value) *doc.Node { return toNodeAt(v, &userValue{v: u, done: true}) }

func toNodeAt(v cue.Value, u *userValue) *doc.Node {
	// A scalar's own position is the value as written; a struct's is the
	// schema definition it was unified with, so take the user's field.
	p := v.Pos()
	if v.Kind() != cue.StructKind {
		p = valuePos(v)
	}
	pos := posOf(p)
	if !p.IsValid() || isSchema(p) {
		if uv := u.get(); uv.Exists() {
			if p := uv.Pos(); p.IsValid() {
				pos = posOf(p)
			}
		}
	}
	switch v.Kind() {
	case cue.StructKind:
		n := doc.NewObject(pos)
		for k, fv := range fields(v) {
			c := toNodeAt(fv, u.child(cue.Str(k)))
			n.Fields = append(n.Fields, doc.Field{Key: k, KeyPos: c.Pos, Value: c})
		}
		return n
	case cue.ListKind:
		n := doc.NewArray(pos)
		n.Items = []*doc.Node{}
		it, err := v.List()
		if err == nil {
			for i := 0; it.Next(); i++ {
				n.Items = append(n.Items, toNodeAt(it.Value(), u.child(cue.Index(i))))
			}
		}
		return n
	case cue.StringKind:
		s, _ := v.String()
		return doc.NewString(s, pos)
	case cue.BoolKind:
		b, _ := v.Bool()
		return doc.NewBool(b, pos)
	case cue.IntKind, cue.FloatKind, cue.NumberKind:
		b, _ := v.MarshalJSON()
		return &doc.Node{Kind: doc.Number, Text: string(b), Pos: pos}
	}
	return &doc.Node{Kind: doc.Null, Pos: pos}
}

// valuePos is where v is written. A value declared by one field and
// nothing else (one the schema does not constrain, or any value when
// salvage decodes without the schema) has the field as its position, the
// start of its label; the value starts after it.
func valuePos(v cue.Value) token.Pos {
	if f, ok := v.Source().(*ast.Field); ok && f.Value != nil {
		return f.Value.Pos()
	}
	return v.Pos()
}

// userValue is a value of the user's package, looked up when first needed:
// most scalars carry their own position, so most nodes never need theirs,
// and a LookupPath for every node was a good part of decoding.
type userValue struct {
	parent *userValue
	sel    cue.Selector
	v      cue.Value
	done   bool
}

func (u *userValue) child(sel cue.Selector) *userValue { return &userValue{parent: u, sel: sel} }

func (u *userValue) get() cue.Value {
	if !u.done {
		u.v = u.parent.get().LookupPath(cue.MakePath(u.sel))
		u.done = true
	}
	return u.v
}
