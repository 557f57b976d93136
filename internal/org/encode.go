package org

import (
	"bytes"
	"encoding/json"
	"time"
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
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o.Snapshot()); err != nil {
		// Only strings, bools, maps of strings and canonical JSON from
		// doc.Node go in; a failure is a bug, not an input problem.
		panic("internal error: encode snapshot: " + err.Error())
	}
	return b.Bytes()
}
