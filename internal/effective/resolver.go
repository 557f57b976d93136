package effective

import (
	"errors"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Resolver answers validate's questions about targets from an org
// snapshot, so targets given by id can be checked too.
type Resolver struct {
	org  *org.Org
	repo *policy.Repo
}

// NewResolver returns a check.Resolver for o.
func NewResolver(o *org.Org, repo *policy.Repo) *Resolver { return &Resolver{org: o, repo: repo} }

// Covers reports whether outer is inner or one of its ancestors. It cannot
// tell (known is false) when either target is not in the organization;
// the preview reports such targets.
func (r *Resolver) Covers(outer, inner policy.Target) (covers, known bool) {
	a, err := r.org.Resolve(outer.Raw)
	if err != nil {
		return false, false
	}
	b, err := r.org.Resolve(inner.Raw)
	if err != nil {
		return false, false
	}
	for e := b; e != nil; e = e.Parent {
		if e == a {
			return true, true
		}
	}
	return false, true
}

// Same reports whether two targets name the same entity ("Root" and the
// root's id, an OU's path and its id).
func (r *Resolver) Same(a, b policy.Target) bool {
	if a.Raw == b.Raw {
		return true
	}
	x, err := r.org.Resolve(a.Raw)
	if err != nil {
		return false
	}
	y, err := r.org.Resolve(b.Raw)
	return err == nil && x == y
}

// Attached counts the backup policies attached to t that the repository
// does not define: they count against the same quota.
func (r *Resolver) Attached(t policy.Target) int {
	e, err := r.org.Resolve(t.Raw)
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range r.org.Attached(e, policy.Type) {
		if r.repo.Policy(p.Name) == nil {
			n++
		}
	}
	return n
}

// Lookup reports whether t names an entity of the organization, and if not,
// why and what was probably meant.
func (r *Resolver) Lookup(t policy.Target) (problem, hint string) {
	_, err := r.org.Resolve(t.Raw)
	if err == nil {
		return "", ""
	}
	var re *org.ResolveError
	if errors.As(err, &re) {
		return re.Msg, re.Hint
	}
	return err.Error(), ""
}

// Enabled reports whether backup policies are enabled in the organization.
func (r *Resolver) Enabled() (enabled, known bool) {
	return r.org.PolicyTypeEnabled(policy.Type)
}
