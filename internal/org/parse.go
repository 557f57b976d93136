package org

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// MaxSnapshotSize bounds what Load reads. A snapshot of 10,000 accounts is
// a few MiB; the bound keeps --org /dev/zero (or a pipe that never ends)
// from exhausting memory.
const MaxSnapshotSize = 64 << 20

// Load reads and validates the snapshot file at path. Problems in the file
// are reported as a *LoadError.
func Load(path string) (*Org, error) {
	data, err := doc.ReadFile(path, MaxSnapshotSize)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	// The buffer is Load's alone and nothing writes it again, so the
	// strings the fast path cuts from it (every name, id and path of the
	// organization) can share its memory rather than a copy of it: 30 MB
	// at 100,000 accounts.
	if o := parseFastText(path, data, unsafe.String(unsafe.SliceData(data), len(data))); o != nil {
		return o, nil
	}
	return parseSlow(path, data)
}

// Parse decodes and validates a snapshot; file names it in positions.
// Problems are reported as a *LoadError listing all of them. Parse never
// panics.
//
// Parse has two paths that accept exactly the same files. The fast one
// decodes into structs without reflection (see fast), a large snapshot's
// accounts on every core (see parallel.go), and tracks no positions; it
// is what a valid snapshot takes. When it finds any problem at
// all, Parse starts over on the slow path, which parses with doc.Parse so
// that every problem can be reported at its line and column. Invalid
// snapshots are rare and small enough to afford that.
func Parse(file string, data []byte) (*Org, error) {
	if o := parseFast(file, data); o != nil {
		return o, nil
	}
	return parseSlow(file, data)
}

// parseFast returns nil whenever the snapshot is not plainly valid.
func parseFast(file string, data []byte) *Org { return parseFastText(file, data, string(data)) }

// parseFastText is parseFast, given data as a string that is not changed
// while the Org is in use.
func parseFastText(file string, data []byte, text string) *Org {
	f, contentAt, ok := decodeFast(data, text)
	if !ok {
		return nil
	}
	// The policies' documents are parsed beside build, which does not
	// look at them: build files each policy under its id, and the
	// documents are put in once both are done.
	contents := make([]*doc.Node, len(f.Policies))
	parsed := make(chan bool, 1)
	go func() {
		var at *positioner
		for i := range f.Policies {
			if at == nil {
				at = newPositioner(file, data)
			}
			var problem *Problem
			contents[i], problem = parseContent(file, f.Policies[i].Content, at.pos(contentAt[i]), nil)
			if problem != nil {
				parsed <- false
				return
			}
		}
		parsed <- true
	}()
	var ps problems
	o := build(f, &ps, true)
	if !<-parsed || o == nil || len(ps.list) > 0 {
		return nil
	}
	// Every policy has an id of its own, or build would have said so.
	for i := range f.Policies {
		o.policyID[f.Policies[i].ID].Content = contents[i]
	}
	return o
}

// parseSlow decodes through doc.Parse so that every problem has a position.
func parseSlow(file string, data []byte) (*Org, error) {
	var ps problems
	n, err := doc.Parse(file, data)
	if err != nil {
		pos := doc.Pos{File: file, Line: 1, Col: 1}
		msg, hint := err.Error(), "fix the JSON syntax; a snapshot is a single JSON object"
		if se, ok := err.(*doc.SyntaxError); ok {
			pos, msg = se.Pos, se.Msg
			if se.Hint != "" {
				hint = se.Hint
			}
		}
		ps.add(pos, hint, "%s", msg)
		return nil, ps.err(file)
	}
	d := &decoder{ps: &ps, file: file}
	if f := d.decodeFile(n); f != nil {
		if o := build(f, &ps, false); len(ps.list) == 0 {
			return o, nil
		}
	}
	return nil, ps.err(file)
}

// parseContent turns a policy's content value into a document. raw is the
// JSON value as written in the snapshot (object or string) and base its
// position there. In the slow path node is the already parsed value.
func parseContent(file string, raw []byte, base doc.Pos, node *doc.Node) (*doc.Node, *Problem) {
	hint := "content is the policy document, as a JSON object or as a string holding one (as DescribePolicy returns it)"
	kind := doc.Null
	switch {
	case node != nil:
		kind = node.Kind
	case len(raw) > 0 && raw[0] == '{':
		kind = doc.Object
	case len(raw) > 0 && raw[0] == '"':
		kind = doc.String
	case len(raw) > 0 && raw[0] != 'n':
		kind = doc.Number // any non-object, non-string, non-null value
	}
	switch kind {
	case doc.Null:
		return nil, &Problem{Pos: base, Msg: "policy has no content", Hint: hint}
	case doc.Object:
		if node != nil {
			return node, nil
		}
		n, err := doc.Parse(file, raw)
		if err != nil {
			// From a file, only duplicate keys get here (encoding/json
			// accepted the rest), and the slow path reports them at their
			// position; from New, anything can.
			msg := err.Error()
			if se, ok := err.(*doc.SyntaxError); ok {
				msg = fmt.Sprintf("%s (line %d, column %d of the content)", se.Msg, se.Pos.Line, se.Pos.Col)
			}
			return nil, &Problem{Pos: base, Msg: "content is not valid JSON: " + msg, Hint: hint}
		}
		shift(n, base)
		return n, nil
	case doc.String:
		var s string
		if node != nil {
			s = node.Text
		} else if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &Problem{Pos: base, Msg: "content is not a valid JSON string", Hint: hint}
		}
		n, err := doc.Parse("content", []byte(s))
		if err != nil {
			msg := err.Error()
			if se, ok := err.(*doc.SyntaxError); ok {
				msg = fmt.Sprintf("%s (line %d, column %d of the string)", se.Msg, se.Pos.Line, se.Pos.Col)
			}
			return nil, &Problem{Pos: base, Msg: "content string is not valid JSON: " + msg, Hint: "fix the policy document, or write it as a JSON object instead of a string"}
		}
		if n.Kind != doc.Object {
			return nil, &Problem{Pos: base, Msg: fmt.Sprintf("content string holds a JSON %s, not an object", n.Kind), Hint: hint}
		}
		setPos(n, base)
		return n, nil
	}
	return nil, &Problem{Pos: base, Msg: "content must be a JSON object or a string", Hint: hint}
}

// shift moves positions parsed from a slice of the snapshot that starts at
// base to where they are in the whole snapshot. Only the first line's
// columns move: later lines start at column 1 either way.
func shift(n *doc.Node, base doc.Pos) {
	mv := func(p *doc.Pos) {
		if p.Line == 1 {
			p.Col += base.Col - 1
		}
		p.Line += base.Line - 1
	}
	var walk func(*doc.Node)
	walk = func(n *doc.Node) {
		mv(&n.Pos)
		for _, it := range n.Items {
			walk(it)
		}
		for i := range n.Fields {
			mv(&n.Fields[i].KeyPos)
			walk(n.Fields[i].Value)
		}
	}
	walk(n)
}

// setPos gives every node of a document parsed from a content string the
// position of that string.
func setPos(n *doc.Node, p doc.Pos) {
	n.Pos = p
	for _, it := range n.Items {
		setPos(it, p)
	}
	for i := range n.Fields {
		n.Fields[i].KeyPos = p
		setPos(n.Fields[i].Value, p)
	}
}

// positioner converts byte offsets into positions the way doc.Parse does:
// 1-based line, 1-based column counted in characters. It counts on from
// the previous offset, so that a snapshot written on a single line
// (json.Marshal's output, 30 MB for 100,000 accounts) is not counted from
// its start for every policy (that took a minute), and it finds lines by
// counting newlines up to the offsets it is asked about, where a table of
// every line's start cost a pass over the whole file and, for a snapshot
// written a member a line, 8 MB.
type positioner struct {
	file string
	data []byte
	// The last position: its byte offset, line and column.
	off, line, col int
}

func newPositioner(file string, data []byte) *positioner {
	return &positioner{file: file, data: data, line: 1, col: 1}
}

func (p *positioner) pos(off int) doc.Pos {
	if off < p.off {
		p.off, p.line, p.col = 0, 1, 1
	}
	seg := p.data[p.off:off]
	if nl := bytes.Count(seg, []byte{'\n'}); nl > 0 {
		p.line += nl
		p.col = 1
		seg = seg[bytes.LastIndexByte(seg, '\n')+1:]
	}
	p.col += runeCount(seg)
	p.off = off
	return doc.Pos{File: p.file, Line: p.line, Col: p.col}
}

// runeCount is utf8.RuneCount, eight ASCII bytes at a time: the
// positioner counts the columns of a one-line snapshot up to its last
// policy, 30 MB at 100,000 accounts, and utf8.RuneCount looks at one byte
// at a time (50 ms there, on the sequential path of every preview).
func runeCount(p []byte) int {
	n, i := 0, 0
	for i < len(p) {
		// 32 bytes at a time where they are all ASCII: twice as fast
		// as 8 on a snapshot's long runs of names.
		if i+32 <= len(p) && (binary.LittleEndian.Uint64(p[i:])|binary.LittleEndian.Uint64(p[i+8:])|
			binary.LittleEndian.Uint64(p[i+16:])|binary.LittleEndian.Uint64(p[i+24:]))&0x8080808080808080 == 0 {
			n, i = n+32, i+32
			continue
		}
		if i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 == 0 {
			n, i = n+8, i+8
			continue
		}
		if p[i] < utf8.RuneSelf {
			n, i = n+1, i+1
			continue
		}
		// One rune as utf8.RuneCount counts it: an invalid byte is one.
		_, size := utf8.DecodeRune(p[i:])
		n, i = n+1, i+size
	}
	return n
}

// --- the slow path's decoder -----------------------------------------------------

// decoder turns a doc.Node tree into the raw structs, reporting unknown keys
// and wrong types with positions. JSON null counts as absent everywhere,
// which is also what encoding/json does on the fast path.
type decoder struct {
	ps   *problems
	file string
}

// fields walks the members of the object n, reporting unknown keys, and
// calls fn for each known one. what names the object in messages.
func (d *decoder) fields(n *doc.Node, what string, known []string, fn func(l *loc, f *doc.Field)) *loc {
	l := &loc{obj: n.Pos, keys: map[string]doc.Pos{}}
	switch n.Kind {
	case doc.Null:
		return l
	case doc.Object:
	default:
		d.ps.add(n.Pos, fmt.Sprintf("write %s as a JSON object {…}", article(what)), "%s must be an object, not a JSON %s", what, n.Kind)
		return l
	}
	for i := range n.Fields {
		f := &n.Fields[i]
		if !slices.Contains(known, f.Key) {
			hint := didYouMean(suggest(f.Key, known))
			d.ps.add(f.KeyPos, joinHints(hint, fmt.Sprintf("%s takes %s", article(what), strings.Join(known, ", "))), "unknown key %q in %s", f.Key, what)
			continue
		}
		l.keys[f.Key] = f.Value.Pos
		fn(l, f)
	}
	return l
}

func article(what string) string {
	if strings.IndexByte("aeiou", what[0]) >= 0 {
		return "an " + what
	}
	return "a " + what
}

func (d *decoder) str(l *loc, f *doc.Field) string {
	switch f.Value.Kind {
	case doc.String:
		return f.Value.Text
	case doc.Null:
		return ""
	}
	d.badType(l, f, "a string", fmt.Sprintf("write it in double quotes, e.g. %q", f.Value.Text))
	return ""
}

func (d *decoder) boolean(l *loc, f *doc.Field) bool {
	switch f.Value.Kind {
	case doc.Bool:
		return f.Value.Text == "true"
	case doc.Null:
		return false
	}
	d.badType(l, f, "true or false", "write true or false without quotes")
	return false
}

func (d *decoder) badType(l *loc, f *doc.Field, want, hint string) {
	if l.bad == nil {
		l.bad = map[string]bool{}
	}
	l.bad[f.Key] = true
	d.ps.add(f.Value.Pos, hint, "%q must be %s, not a JSON %s", f.Key, want, f.Value.Kind)
}

// list calls fn for each element of the array in f.
func (d *decoder) list(l *loc, f *doc.Field, fn func(n *doc.Node)) {
	switch f.Value.Kind {
	case doc.Array:
		for _, it := range f.Value.Items {
			fn(it)
		}
	case doc.Null:
	default:
		d.badType(l, f, "a list", "write a JSON list [...]")
	}
}

// decodeFile decodes the top-level object. It returns nil when there is
// nothing more worth checking.
func (d *decoder) decodeFile(n *doc.Node) *Snapshot {
	f := &Snapshot{}
	if n.Kind != doc.Object {
		d.ps.add(n.Pos, `start from {"format_version": "1", "roots": [...]}; see internal/org/FORMAT.md`, "a snapshot must be a JSON object, not a JSON %s", n.Kind)
		return nil
	}
	// Read format_version first: if it names a version this build does not
	// read, the rest of the file may be valid in that version, and listing
	// its keys as unknown would only bury the one problem that matters.
	if fv := n.Field("format_version"); fv != nil {
		if fv.Value.Kind == doc.String && fv.Value.Text != FormatVersion && fv.Value.Text != "" {
			l := &loc{obj: n.Pos, keys: map[string]doc.Pos{"format_version": fv.Value.Pos}}
			f.FormatVersion, f.loc = fv.Value.Text, l
			return f
		}
	}
	f.loc = d.fields(n, "snapshot", fileKeys, func(l *loc, fl *doc.Field) {
		switch fl.Key {
		case "format_version":
			f.FormatVersion = d.str(l, fl)
		case "source":
			f.Source = d.str(l, fl)
		case "captured_at":
			f.CapturedAt = d.str(l, fl)
		case "organization":
			if fl.Value.Kind == doc.Null {
				return
			}
			o := &SnapshotOrganization{}
			o.loc = d.fields(fl.Value, "organization", orgKeys, func(l *loc, fl *doc.Field) {
				switch fl.Key {
				case "id":
					o.ID = d.str(l, fl)
				case "arn":
					o.ARN = d.str(l, fl)
				case "management_account_id":
					o.ManagementAccountID = d.str(l, fl)
				case "feature_set":
					o.FeatureSet = d.str(l, fl)
				}
			})
			f.Organization = o
		case "settings":
			if fl.Value.Kind != doc.Null {
				f.Settings = d.settings(fl.Value)
			}
		case "roots":
			d.list(l, fl, func(n *doc.Node) { f.Roots = append(f.Roots, d.root(n)) })
		case "organizational_units":
			d.list(l, fl, func(n *doc.Node) { f.OUs = append(f.OUs, d.ou(n)) })
		case "accounts":
			d.list(l, fl, func(n *doc.Node) { f.Accounts = append(f.Accounts, d.account(n)) })
		case "policies":
			d.list(l, fl, func(n *doc.Node) { f.Policies = append(f.Policies, d.policy(n)) })
		}
	})
	return f
}

// settings decodes the settings object, recording the position of every
// list element and map member.
func (d *decoder) settings(n *doc.Node) *SnapshotSettings {
	s := &SnapshotSettings{}
	s.loc = d.fields(n, "settings object", settingsKeys, func(l *loc, f *doc.Field) {
		switch f.Key {
		case "trusted_services":
			if f.Value.Kind == doc.Array {
				s.TrustedServices = []string{}
			}
			l.refs = map[string][]doc.Pos{}
			d.list(l, f, func(n *doc.Node) {
				s.TrustedServices = append(s.TrustedServices, d.text(n, "a service principal", `e.g. "backup.amazonaws.com"`))
				l.refs[f.Key] = append(l.refs[f.Key], n.Pos)
			})
		case "delegated_administrators":
			al := &loc{obj: f.Value.Pos, typeKeys: map[string]doc.Pos{}, lists: map[string]doc.Pos{}, refs: map[string][]doc.Pos{}}
			s.adminLoc = al
			d.object(l, f, `an object of service principal to account ids, e.g. {"backup.amazonaws.com": ["111122223333"]}`, func(mf *doc.Field) {
				if s.DelegatedAdministrators == nil {
					s.DelegatedAdministrators = map[string][]string{}
				}
				al.typeKeys[mf.Key], al.lists[mf.Key] = mf.KeyPos, mf.Value.Pos
				ids := []string{}
				switch mf.Value.Kind {
				case doc.Array:
					for _, it := range mf.Value.Items {
						ids = append(ids, d.text(it, "an account id", `write the 12-digit id in double quotes, e.g. "111122223333"`))
						al.refs[mf.Key] = append(al.refs[mf.Key], it.Pos)
					}
				case doc.Null:
				default:
					d.ps.add(mf.Value.Pos, `write a list of account ids, e.g. ["111122223333"]`, "the delegated administrators of %s must be a list, not a JSON %s", mf.Key, mf.Value.Kind)
				}
				s.DelegatedAdministrators[mf.Key] = ids
			})
			if f.Value.Kind == doc.Object && s.DelegatedAdministrators == nil {
				s.DelegatedAdministrators = map[string][]string{}
			}
		case "backup_global_settings":
			gl := &loc{obj: f.Value.Pos, keys: map[string]doc.Pos{}, typeKeys: map[string]doc.Pos{}}
			s.globalLoc = gl
			d.object(l, f, `an object of setting name to value, e.g. {"isCrossAccountBackupEnabled": "true"}`, func(mf *doc.Field) {
				if s.BackupGlobalSettings == nil {
					s.BackupGlobalSettings = map[string]string{}
				}
				gl.typeKeys[mf.Key], gl.keys[mf.Key] = mf.KeyPos, mf.Value.Pos
				s.BackupGlobalSettings[mf.Key] = d.text(mf.Value, fmt.Sprintf("setting %q", mf.Key), `AWS Backup's settings are strings: write "true" or "false" in double quotes`)
			})
			if f.Value.Kind == doc.Object && s.BackupGlobalSettings == nil {
				s.BackupGlobalSettings = map[string]string{}
			}
		}
	})
	return s
}

// text returns the string n holds ("" for null). Any other JSON type is
// reported, and returned as badRef so that later checks stay quiet.
func (d *decoder) text(n *doc.Node, what, hint string) string {
	switch n.Kind {
	case doc.String:
		return n.Text
	case doc.Null:
		return ""
	}
	d.ps.add(n.Pos, hint, "%s must be a string, not a JSON %s", what, n.Kind)
	return badRef
}

// object calls fn for each member of the object in f, reporting any other
// JSON type.
func (d *decoder) object(l *loc, f *doc.Field, want string, fn func(*doc.Field)) {
	switch f.Value.Kind {
	case doc.Object:
		for i := range f.Value.Fields {
			fn(&f.Value.Fields[i])
		}
	case doc.Null:
	default:
		d.badType(l, f, want, "see internal/org/FORMAT.md, settings")
	}
}

func (d *decoder) root(n *doc.Node) SnapshotRoot {
	var r SnapshotRoot
	r.loc = d.fields(n, "root", rootKeys, func(l *loc, f *doc.Field) {
		switch f.Key {
		case "id":
			r.ID = d.str(l, f)
		case "name":
			r.Name = d.str(l, f)
		case "arn":
			r.ARN = d.str(l, f)
		case "policy_types":
			if f.Value.Kind != doc.Null {
				// [] says no type is enabled; see SnapshotRoot.
				r.PolicyTypes = []SnapshotPolicyType{}
			}
			d.list(l, f, func(n *doc.Node) {
				var pt SnapshotPolicyType
				pt.loc = d.fields(n, "policy type status", policyTypeKeys, func(l *loc, f *doc.Field) {
					switch f.Key {
					case "type":
						pt.Type = d.str(l, f)
					case "status":
						pt.Status = d.str(l, f)
					}
				})
				r.PolicyTypes = append(r.PolicyTypes, pt)
			})
		case "policies":
			r.Policies = d.attachments(l, f)
		}
	})
	return r
}

func (d *decoder) ou(n *doc.Node) SnapshotOU {
	var u SnapshotOU
	u.loc = d.fields(n, "organizational unit", ouKeys, func(l *loc, f *doc.Field) {
		switch f.Key {
		case "id":
			u.ID = d.str(l, f)
		case "name":
			u.Name = d.str(l, f)
		case "parent_id":
			u.ParentID = d.str(l, f)
		case "arn":
			u.ARN = d.str(l, f)
		case "policies":
			u.Policies = d.attachments(l, f)
		}
	})
	return u
}

func (d *decoder) account(n *doc.Node) SnapshotAccount {
	var a SnapshotAccount
	a.loc = d.fields(n, "account", accountKeys, func(l *loc, f *doc.Field) {
		switch f.Key {
		case "id":
			a.ID = d.str(l, f)
		case "name":
			a.Name = d.str(l, f)
		case "parent_id":
			a.ParentID = d.str(l, f)
		case "email":
			a.Email = d.str(l, f)
		case "arn":
			a.ARN = d.str(l, f)
		case "status":
			a.Status = d.str(l, f)
		case "state":
			a.State = d.str(l, f)
		case "joined_method":
			a.JoinedMethod = d.str(l, f)
		case "joined_timestamp":
			a.JoinedTimestamp = d.str(l, f)
		case "policies":
			a.Policies = d.attachments(l, f)
		}
	})
	return a
}

// attachments decodes a "policies" member: policy type → list of policy ids
// or names, recording the position of every type key and reference.
func (d *decoder) attachments(l *loc, f *doc.Field) map[string][]string {
	switch f.Value.Kind {
	case doc.Null:
		return nil
	case doc.Object:
	default:
		d.badType(l, f, `an object of policy lists, e.g. {"BACKUP_POLICY": ["p-…"]}`, "map each policy type to the policies attached, in attachment order")
		return nil
	}
	m := make(map[string][]string, len(f.Value.Fields))
	l.typeKeys = map[string]doc.Pos{}
	l.lists = map[string]doc.Pos{}
	l.refs = map[string][]doc.Pos{}
	for _, tf := range f.Value.Fields {
		l.typeKeys[tf.Key] = tf.KeyPos
		l.lists[tf.Key] = tf.Value.Pos
		refs := []string{}
		switch tf.Value.Kind {
		case doc.Null:
		case doc.Array:
			for _, it := range tf.Value.Items {
				s := it.Text
				switch it.Kind {
				case doc.String:
				case doc.Null:
					s = ""
				default:
					d.ps.add(it.Pos, `write the policy id or name in double quotes, e.g. "p-abcd1234"`, "a policy reference must be a string, not a JSON %s", it.Kind)
					s = badRef // reported; keeps the list length and the later checks quiet
				}
				refs = append(refs, s)
				l.refs[tf.Key] = append(l.refs[tf.Key], it.Pos)
			}
		default:
			d.ps.add(tf.Value.Pos, fmt.Sprintf(`write a list in attachment order, e.g. %q: ["p-abcd1234"]`, tf.Key), "the policies attached for %s must be a list, not a JSON %s", tf.Key, tf.Value.Kind)
			refs = nil
		}
		m[tf.Key] = refs
	}
	return m
}

func (d *decoder) policy(n *doc.Node) SnapshotPolicy {
	var p SnapshotPolicy
	var content *doc.Node
	p.loc = d.fields(n, "policy", policyKeys, func(l *loc, f *doc.Field) {
		switch f.Key {
		case "id":
			p.ID = d.str(l, f)
		case "name":
			p.Name = d.str(l, f)
		case "type":
			p.Type = d.str(l, f)
		case "arn":
			p.ARN = d.str(l, f)
		case "description":
			p.Description = d.str(l, f)
		case "aws_managed":
			p.AWSManaged = d.boolean(l, f)
		case "tags":
			switch f.Value.Kind {
			case doc.Null:
			case doc.Object:
				p.Tags = make(map[string]string, len(f.Value.Fields))
				for _, tf := range f.Value.Fields {
					switch tf.Value.Kind {
					case doc.String:
						p.Tags[tf.Key] = tf.Value.Text
					case doc.Null:
						p.Tags[tf.Key] = ""
					default:
						d.ps.add(tf.Value.Pos, "tag values are strings; write it in double quotes", "tag %q must be a string, not a JSON %s", tf.Key, tf.Value.Kind)
					}
				}
			default:
				d.badType(l, f, `an object of tag keys and values, e.g. {"owner": "platform"}`, "ListTagsForResource's [{Key, Value}] list is written as one object")
			}
		case "content":
			content = f.Value
		}
	})
	if content == nil {
		p.contentProblem = &Problem{Pos: p.loc.obj, Msg: "policy has no content", Hint: "add the policy document under \"content\""}
	} else {
		p.content, p.contentProblem = parseContent(d.file, nil, content.Pos, content)
	}
	return p
}
