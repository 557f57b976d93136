package org

import (
	"bytes"
	"io"
	"slices"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// timeFormat is how times are written: RFC 3339, with fractional seconds
// only where the time has them.
const timeFormat = time.RFC3339Nano

// Encode returns o as a snapshot in canonical form: o.Snapshot() with
// two-space indentation and keys in the order FORMAT.md lists them. The
// same organization always encodes to the same bytes, so snapshots kept in
// git change only where the organization did.
func (o *Org) Encode() []byte {
	var b bytes.Buffer
	o.EncodeTo(&b) // a bytes.Buffer never fails
	return b.Bytes()
}

// EncodeTo writes what Encode returns to w, a part at a time: a plan
// digests the encoding of the organization it was made against, 30 MB at
// 100,000 accounts, which need never be held whole.
//
// The bytes are exactly what encoding/json writes for o.Snapshot() with
// two-space indentation and HTML escaping off (a test holds the two
// together); writing them directly from the Org is ten times as fast and
// allocates next to nothing.
func (o *Org) EncodeTo(w io.Writer) error {
	e := &encoder{w: w, b: make([]byte, 0, encodeChunk+4096)}
	e.org(o)
	e.b = append(e.b, '\n')
	e.flush(0)
	return e.err
}

// encodeChunk is how much the encoder gathers before it writes.
const encodeChunk = 64 << 10

type encoder struct {
	w   io.Writer
	b   []byte
	err error
}

// flush writes what has been gathered once there is at least min of it.
func (e *encoder) flush(min int) {
	if len(e.b) < min || len(e.b) == 0 {
		return
	}
	if e.err == nil {
		_, e.err = e.w.Write(e.b)
	}
	e.b = e.b[:0]
}

// indent starts a new line at depth.
func (e *encoder) indent(depth int) {
	e.b = append(e.b, '\n')
	for range depth {
		e.b = append(e.b, "  "...)
	}
}

// members writes the members of one object, or of one array's elements, each
// on a line of its own; an empty one is {} or [], as encoding/json writes
// it.
type members struct {
	e     *encoder
	depth int // of the members
	n     int
	close byte
}

// open starts an object ('{') or an array ('[') on a line at depth.
func (e *encoder) open(c byte, depth int) members {
	e.b = append(e.b, c)
	return members{e: e, depth: depth + 1, close: c + 2} // '{'+2 == '}', '['+2 == ']'
}

// key starts a member.
func (o *members) key(k string) {
	o.item()
	o.e.b = doc.AppendString(o.e.b, k)
	o.e.b = append(o.e.b, ": "...)
}

// item starts an element (or a member, for key).
func (o *members) item() {
	if o.n > 0 {
		o.e.b = append(o.e.b, ',')
	}
	o.n++
	o.e.indent(o.depth)
}

func (o *members) str(k, v string) {
	o.key(k)
	o.e.b = doc.AppendString(o.e.b, v)
}

// opt writes a member whose value is a string that is left out when empty
// (omitempty).
func (o *members) opt(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

// time writes a member whose value is a time, left out when zero.
func (o *members) time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	o.key(k)
	o.e.b = append(o.e.b, '"')
	o.e.b = t.AppendFormat(o.e.b, timeFormat)
	o.e.b = append(o.e.b, '"')
}

func (o *members) end() {
	if o.n > 0 {
		o.e.indent(o.depth - 1)
	}
	o.e.b = append(o.e.b, o.close)
}

func (e *encoder) strings(ss []string, depth int) {
	l := e.open('[', depth)
	for _, s := range ss {
		l.item()
		e.b = doc.AppendString(e.b, s)
	}
	l.end()
}

func (e *encoder) stringMap(m map[string]string, depth int) {
	o := e.open('{', depth)
	for _, k := range sortedKeys(m) {
		o.str(k, m[k])
	}
	o.end()
}

func (e *encoder) org(g *Org) {
	f := e.open('{', 0)
	f.str("format_version", FormatVersion)
	f.opt("source", g.Source)
	f.time("captured_at", g.CapturedAt)
	if g.Info != (Info{}) {
		f.key("organization")
		o := e.open('{', f.depth)
		o.opt("id", g.Info.ID)
		o.opt("arn", g.Info.ARN)
		o.opt("management_account_id", g.Info.ManagementAccountID)
		o.opt("feature_set", g.Info.FeatureSet)
		o.end()
	}
	if st := g.Settings; st != nil {
		f.key("settings")
		e.settings(st, f.depth)
	}
	f.key("roots")
	if r := g.root; r == nil {
		e.b = append(e.b, "null"...)
	} else {
		l := e.open('[', f.depth)
		l.item()
		o := e.open('{', l.depth)
		o.str("id", r.ID)
		o.opt("name", r.Name)
		o.opt("arn", r.ARN)
		if r.PolicyTypes != nil {
			o.key("policy_types")
			pl := e.open('[', o.depth)
			for _, pt := range r.PolicyTypes {
				pl.item()
				po := e.open('{', pl.depth)
				po.str("type", pt.Type)
				po.str("status", pt.Status)
				po.end()
			}
			pl.end()
		}
		e.attachments(g, r, &o)
		o.end()
		l.end()
	}
	if len(g.ous) > 0 {
		f.key("organizational_units")
		l := e.open('[', f.depth)
		for _, u := range g.ous {
			l.item()
			o := e.open('{', l.depth)
			o.str("id", u.ID)
			o.str("name", u.Name)
			o.opt("parent_id", u.Parent.ID)
			o.opt("arn", u.ARN)
			e.attachments(g, u, &o)
			o.end()
			e.flush(encodeChunk)
		}
		l.end()
	}
	if len(g.accounts) > 0 {
		f.key("accounts")
		l := e.open('[', f.depth)
		for _, a := range g.accounts {
			l.item()
			o := e.open('{', l.depth)
			o.str("id", a.ID)
			o.opt("name", a.Name)
			o.opt("parent_id", a.Parent.ID)
			o.opt("email", a.Email)
			o.opt("arn", a.ARN)
			o.opt("status", a.Status)
			o.opt("state", a.State)
			o.opt("joined_method", a.JoinedMethod)
			o.time("joined_timestamp", a.JoinedTimestamp)
			e.attachments(g, a, &o)
			o.end()
			e.flush(encodeChunk)
		}
		l.end()
	}
	if len(g.policies) > 0 {
		f.key("policies")
		l := e.open('[', f.depth)
		for _, p := range g.policies {
			l.item()
			o := e.open('{', l.depth)
			o.str("id", p.ID)
			o.str("name", p.Name)
			o.str("type", p.Type)
			o.opt("arn", p.ARN)
			o.opt("description", p.Description)
			if p.AWSManaged {
				o.key("aws_managed")
				e.b = append(e.b, "true"...)
			}
			if len(p.Tags) > 0 {
				o.key("tags")
				e.stringMap(p.Tags, o.depth)
			}
			o.key("content")
			if p.Content == nil {
				e.b = append(e.b, "null"...)
			} else {
				e.b = p.Content.AppendIndent(e.b, o.depth)
			}
			o.end()
			e.flush(encodeChunk)
		}
		l.end()
	}
	f.end()
}

// settings writes the fields that were read, empty ones included (see
// SnapshotSettings.MarshalJSON).
func (e *encoder) settings(st *Settings, depth int) {
	o := e.open('{', depth)
	if st.TrustedServices != nil {
		o.key("trusted_services")
		e.strings(st.TrustedServices, o.depth)
	}
	if st.DelegatedAdministrators != nil {
		o.key("delegated_administrators")
		m := e.open('{', o.depth)
		for _, k := range sortedKeys(st.DelegatedAdministrators) {
			m.key(k)
			e.strings(st.DelegatedAdministrators[k], m.depth)
		}
		m.end()
	}
	if st.BackupGlobalSettings != nil {
		o.key("backup_global_settings")
		e.stringMap(st.BackupGlobalSettings, o.depth)
	}
	o.end()
}

// attachments writes ent's "policies" member, if it has attachments: ids
// in attachment order, names for policies that have no id yet (see refs).
func (e *encoder) attachments(g *Org, ent *Entity, o *members) {
	m := g.attached[ent]
	if len(m) == 0 {
		return
	}
	o.key("policies")
	pm := e.open('{', o.depth)
	types := make([]string, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		pm.key(t)
		l := e.open('[', pm.depth)
		for _, p := range m[t] {
			l.item()
			e.b = doc.AppendString(e.b, p.ref())
		}
		l.end()
	}
	pm.end()
}
