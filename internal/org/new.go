package org

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// New checks s exactly as Load checks a snapshot file (it is the same code)
// and returns the organization it describes. s is not modified.
//
// Problems are reported as a *LoadError. Since s has no file, a problem's
// position names the value instead, e.g. `account 111122223333, email`,
// and Problem.String reads "account 111122223333, email: bad email …".
// Policy content is parsed from SnapshotPolicy.Content; its nodes carry the
// position `policy p-…` (there is no line to point at).
func New(s *Snapshot) (*Org, error) {
	if s == nil {
		return nil, fmt.Errorf("new organization: nil snapshot")
	}
	var ps problems
	if o := fromSnapshot(s, false, &ps); o != nil {
		return o, nil
	}
	// Check again, naming every value, so that each problem says where it
	// is. The first pass skips that work: it is what a valid snapshot of
	// thousands of accounts takes.
	ps = problems{}
	fromSnapshot(s, true, &ps)
	if len(ps.list) == 0 {
		// Not reachable: both passes run the same checks.
		return nil, fmt.Errorf("new organization: internal error: the checks disagree")
	}
	return nil, ps.err("")
}

// fromSnapshot parses the policy contents of a copy of s and builds it.
func fromSnapshot(s *Snapshot, locate bool, ps *problems) *Org {
	c := s.clone()
	if locate {
		c.locate()
	}
	for i := range c.Policies {
		p := &c.Policies[i]
		if p.content != nil || p.contentProblem != nil {
			continue // parsed already (the synthetic generator)
		}
		what := named(policyWhat(p, i), "")
		base := doc.Pos{}
		if locate {
			base = named(what.File, "content")
		}
		p.content, p.contentProblem = parseContent("", bytes.TrimLeft(p.Content, " \t\r\n"), base, nil)
		if p.content != nil {
			setPos(p.content, what)
		}
	}
	return build(c, ps, false)
}

// clone copies s deeply enough that checking the copy (which records
// positions and parsed content in it) leaves s as it was.
func (s *Snapshot) clone() *Snapshot {
	c := *s
	if s.Organization != nil {
		o := *s.Organization
		c.Organization = &o
	}
	if s.Settings != nil {
		st := *s.Settings
		c.Settings = &st
	}
	c.Roots = slices.Clone(s.Roots)
	for i := range c.Roots {
		c.Roots[i].PolicyTypes = slices.Clone(c.Roots[i].PolicyTypes)
	}
	c.OUs = slices.Clone(s.OUs)
	c.Accounts = slices.Clone(s.Accounts)
	c.Policies = slices.Clone(s.Policies)
	return &c
}

// locate gives every object of s a description from which problems take
// their positions (see New).
func (s *Snapshot) locate() {
	s.loc = &loc{obj: named("snapshot", ""), path: "snapshot"}
	if g := s.Organization; g != nil {
		g.loc = &loc{obj: named("organization", ""), path: "organization"}
	}
	if st := s.Settings; st != nil {
		st.loc = &loc{obj: named("settings", ""), path: "settings"}
		st.adminLoc, st.globalLoc = nil, nil
	}
	for i := range s.Roots {
		r := &s.Roots[i]
		what := entityWhat("root", "roots", r.ID, i)
		r.loc = &loc{obj: named(what, ""), path: what}
		for j := range r.PolicyTypes {
			pt := fmt.Sprintf("%s, policy_types[%d]", what, j)
			r.PolicyTypes[j].loc = &loc{obj: named(pt, ""), path: pt}
		}
	}
	for i := range s.OUs {
		what := entityWhat("organizational unit", "organizational_units", s.OUs[i].ID, i)
		s.OUs[i].loc = &loc{obj: named(what, ""), path: what}
	}
	for i := range s.Accounts {
		what := entityWhat("account", "accounts", s.Accounts[i].ID, i)
		s.Accounts[i].loc = &loc{obj: named(what, ""), path: what}
	}
	for i := range s.Policies {
		what := policyWhat(&s.Policies[i], i)
		s.Policies[i].loc = &loc{obj: named(what, ""), path: what}
	}
}

// entityWhat names an object of s by its id, or by its index when it has
// none.
func entityWhat(kind, list, id string, i int) string {
	if id == "" {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return kind + " " + id
}

func policyWhat(p *SnapshotPolicy, i int) string {
	if p.ID == "" {
		if p.Name != "" {
			return fmt.Sprintf("policy %q", p.Name)
		}
		return fmt.Sprintf("policies[%d]", i)
	}
	return "policy " + p.ID
}

// Snapshot returns o in the snapshot file's shape: what Encode writes, and
// what New turns back into an equal organization. OUs, accounts and
// policies are sorted by id, every parent_id is written out, attachments
// are policy ids in attachment order (names for policies that have no id
// yet), and content is canonical JSON. The result is the caller's.
func (o *Org) Snapshot() *Snapshot {
	f := &Snapshot{FormatVersion: FormatVersion, Source: o.Source}
	if !o.CapturedAt.IsZero() {
		f.CapturedAt = o.CapturedAt.Format(timeFormat)
	}
	if o.Info != (Info{}) {
		f.Organization = &SnapshotOrganization{ID: o.Info.ID, ARN: o.Info.ARN, ManagementAccountID: o.Info.ManagementAccountID, FeatureSet: o.Info.FeatureSet}
	}
	if st := o.Settings.Clone(); st != nil {
		f.Settings = &SnapshotSettings{TrustedServices: st.TrustedServices, DelegatedAdministrators: st.DelegatedAdministrators,
			BackupGlobalSettings: st.BackupGlobalSettings}
		for k, v := range f.Settings.DelegatedAdministrators {
			if v == nil {
				f.Settings.DelegatedAdministrators[k] = []string{} // [] rather than null
			}
		}
	}
	if r := o.root; r != nil {
		rr := SnapshotRoot{ID: r.ID, Name: r.Name, ARN: r.ARN, Policies: o.refs(r)}
		if r.PolicyTypes != nil {
			rr.PolicyTypes = []SnapshotPolicyType{}
		}
		for _, pt := range r.PolicyTypes {
			rr.PolicyTypes = append(rr.PolicyTypes, SnapshotPolicyType{Type: pt.Type, Status: pt.Status})
		}
		f.Roots = []SnapshotRoot{rr}
	}
	f.OUs = make([]SnapshotOU, len(o.ous))
	for i, u := range o.ous {
		f.OUs[i] = SnapshotOU{ID: u.ID, Name: u.Name, ParentID: u.Parent.ID, ARN: u.ARN, Policies: o.refs(u)}
	}
	f.Accounts = make([]SnapshotAccount, len(o.accounts))
	for i, a := range o.accounts {
		ra := SnapshotAccount{ID: a.ID, Name: a.Name, ParentID: a.Parent.ID, Email: a.Email, ARN: a.ARN,
			Status: a.Status, State: a.State, JoinedMethod: a.JoinedMethod, Policies: o.refs(a)}
		if !a.JoinedTimestamp.IsZero() {
			ra.JoinedTimestamp = a.JoinedTimestamp.Format(timeFormat)
		}
		f.Accounts[i] = ra
	}
	f.Policies = make([]SnapshotPolicy, len(o.policies))
	for i, p := range o.policies {
		rp := SnapshotPolicy{ID: p.ID, Name: p.Name, Type: p.Type, ARN: p.ARN, Description: p.Description,
			AWSManaged: p.AWSManaged, Tags: cloneTags(p.Tags)}
		if p.Content != nil {
			rp.Content = p.Content.Compact()
		}
		f.Policies[i] = rp
	}
	return f
}

// refs returns e's attachments as written in a snapshot, or nil.
func (o *Org) refs(e *Entity) map[string][]string {
	m := o.attached[e]
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for t, ps := range m {
		rs := make([]string, len(ps))
		for i, p := range ps {
			rs[i] = p.ref()
		}
		out[t] = rs
	}
	return out
}
