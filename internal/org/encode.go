package org

import (
	"bytes"
	"encoding/json"
	"time"
)

// Encode returns o as a snapshot in canonical form: two-space indentation,
// keys in the order FORMAT.md lists them, OUs, accounts and policies sorted
// by id, policy documents and tags with sorted keys, every parent_id
// written out, and attachments by policy id in attachment order. The same
// organization always encodes to the same bytes, so snapshots kept in git
// change only where the organization did.
func (o *Org) Encode() []byte {
	f := rawFile{FormatVersion: FormatVersion, Source: o.Source}
	if !o.CapturedAt.IsZero() {
		f.CapturedAt = o.CapturedAt.Format(time.RFC3339Nano)
	}
	if o.Info != (Info{}) {
		f.Organization = &rawOrg{ID: o.Info.ID, ARN: o.Info.ARN, ManagementAccountID: o.Info.ManagementAccountID, FeatureSet: o.Info.FeatureSet}
	}
	if r := o.root; r != nil {
		rr := rawRoot{ID: r.ID, Name: r.Name, ARN: r.ARN, Policies: o.refs(r)}
		if r.PolicyTypes != nil {
			pts := []rawPolicyType{}
			for _, pt := range r.PolicyTypes {
				pts = append(pts, rawPolicyType{Type: pt.Type, Status: pt.Status})
			}
			rr.PolicyTypes = &pts
		}
		f.Roots = []rawRoot{rr}
	}
	f.OUs = make([]rawOU, len(o.ous))
	for i, u := range o.ous {
		f.OUs[i] = rawOU{ID: u.ID, Name: u.Name, ParentID: u.Parent.ID, ARN: u.ARN, Policies: o.refs(u)}
	}
	f.Accounts = make([]rawAccount, len(o.accounts))
	for i, a := range o.accounts {
		ra := rawAccount{ID: a.ID, Name: a.Name, ParentID: a.Parent.ID, Email: a.Email, ARN: a.ARN,
			Status: a.Status, State: a.State, JoinedMethod: a.JoinedMethod, Policies: o.refs(a)}
		if !a.JoinedTimestamp.IsZero() {
			ra.JoinedTimestamp = a.JoinedTimestamp.Format(time.RFC3339Nano)
		}
		f.Accounts[i] = ra
	}
	f.Policies = make([]rawPolicy, len(o.policies))
	for i, p := range o.policies {
		rp := rawPolicy{ID: p.ID, Name: p.Name, Type: p.Type, ARN: p.ARN, Description: p.Description,
			AWSManaged: p.AWSManaged, Tags: p.Tags}
		if p.Content != nil {
			rp.Content = p.Content.Compact()
		}
		f.Policies[i] = rp
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&f); err != nil {
		// Only strings, bools, maps of strings and canonical JSON from
		// doc.Node go in; a failure is a bug, not an input problem.
		panic("internal error: encode snapshot: " + err.Error())
	}
	return b.Bytes()
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
