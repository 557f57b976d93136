package org

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"slices"
	"sync"

	"unicode/utf16"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// fast decodes a snapshot into a Snapshot for Parse's fast path, without
// reflection: encoding/json took a second and a half of CPU and half a
// million allocations for a 30 MB snapshot of 100,000 accounts. Values
// written without escapes (nearly all of them) are substrings of one copy
// of the input, so the strings of 100,000 accounts cost one allocation.
//
// It accepts only what is plainly valid, exactly as written: the keys of
// each object spelled as FORMAT.md lists them and none twice, strings
// where strings go, null for a value that is absent, as the slow path
// reads it. It gives up on anything else (a number where a string goes,
// an escaped key, a byte that is not UTF-8, any syntax error)
// and Parse then takes the slow path, which accepts or reports it with
// its position. So the fast path can never accept a file the slow path
// refuses, and the two give the same Org (FuzzParse checks both).
//
// Policy content is not decoded here: its span is recorded, and the fast
// path parses it with doc.Parse, as every document is parsed.
type fast struct {
	data []byte
	text string // data as a string, for substrings
	i    int
	bad  bool
	// contentAt is the offset of each policy's content value.
	contentAt []int
	// chunkMin is the least input a goroutine decodes accounts from.
	chunkMin int
	// accountKeys is fieldsAt's guess of the order of accounts' keys.
	accountKeys [33]int8
}

// decodeFast returns the snapshot in data and where each policy's content
// starts, or ok false. text is data as a string: its strings are cut from
// it.
func decodeFast(data []byte, text string) (f *Snapshot, contentAt []int, ok bool) {
	return decodeFastChunks(data, text, chunkMin)
}

// decodeFastChunks is decodeFast decoding accounts in chunks of at least
// least bytes.
func decodeFastChunks(data []byte, text string, least int) (f *Snapshot, contentAt []int, ok bool) {
	d := &fast{data: data, text: text, chunkMin: least}
	f = &Snapshot{}
	d.file(f)
	d.ws()
	if d.bad || d.i != len(d.data) {
		return nil, nil, false
	}
	return f, d.contentAt, true
}

func (d *fast) fail() { d.bad, d.i = true, len(d.data) }

func (d *fast) ws() {
	// Small enough to be inlined where, in a snapshot on one line, there
	// is never any white space.
	if d.i < len(d.data) && d.data[d.i] > ' ' {
		return
	}
	d.spaces()
}

func (d *fast) spaces() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// open consumes c (after white space) or fails.
func (d *fast) open(c byte) bool {
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	d.fail()
	return false
}

// first is called after an opening bracket: it reports whether a member
// or element follows, consuming the closing bracket if not.
func (d *fast) first(close byte) bool {
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == close {
		d.i++
		return false
	}
	return !d.bad
}

// next is called after a member or element: it consumes the comma and
// reports true, or the closing bracket and reports false.
func (d *fast) next(close byte) bool {
	d.ws()
	if d.i < len(d.data) {
		switch d.data[d.i] {
		case ',':
			d.i++
			return true
		case close:
			d.i++
			return false
		}
	}
	d.fail()
	return false
}

// key reads an object key and its colon. The key must be written without
// escapes: an escaped key could spell a known key in a way that comparing
// bytes would miss.
func (d *fast) key() []byte {
	if !d.open('"') {
		return nil
	}
	start := d.i
	for d.i+8 <= len(d.data) { // as in str
		x := binary.LittleEndian.Uint64(d.data[d.i:])
		if doc.StringStops(x)|doc.NonASCII(x) != 0 {
			break
		}
		d.i += 8
	}
	for d.i < len(d.data) {
		c := d.data[d.i]
		if c == '"' {
			k := d.data[start:d.i]
			d.i++
			if !d.open(':') {
				return nil
			}
			return k
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		d.i++
	}
	d.fail()
	return nil
}

// null consumes a null, which stands for an absent value, if one is next.
func (d *fast) null() bool {
	d.ws()
	if d.i+4 <= len(d.data) && string(d.data[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a string value; null reads as "".
func (d *fast) str() string {
	if d.null() || !d.open('"') {
		return ""
	}
	start := d.i
	high := false
	// Eight bytes at a time while none of them ends the string, starts
	// an escape or is a control character: most of a snapshot's bytes
	// are in strings, and the byte loop below was a third of decoding.
	for d.i+8 <= len(d.data) {
		x := binary.LittleEndian.Uint64(d.data[d.i:])
		if doc.StringStops(x) != 0 {
			break
		}
		high = high || doc.NonASCII(x) != 0
		d.i += 8
	}
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			s := d.text[start:d.i]
			d.i++
			if high && !utf8.ValidString(s) {
				d.fail()
				return ""
			}
			return s
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			d.fail()
			return ""
		case c >= utf8.RuneSelf:
			high = true
		}
		d.i++
	}
	d.fail()
	return ""
}

// unescape finishes a string that has escapes, from its start.
func (d *fast) unescape(start int) string {
	b := make([]byte, 0, d.i-start+16)
	b = append(b, d.data[start:d.i]...)
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(b) {
				d.fail()
				return ""
			}
			return string(b)
		case c < 0x20:
			d.fail()
			return ""
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.data) {
			break
		}
		e := d.data[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return ""
			}
			if utf16.IsSurrogate(r) {
				// Only a complete pair; encoding/json turns a lone half
				// into U+FFFD, a choice the slow path makes.
				var r2 rune
				if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
					d.i += 2
					r2, ok = d.hex4()
				}
				if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
					d.fail()
					return ""
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			d.fail()
			return ""
		}
	}
	d.fail()
	return ""
}

func (d *fast) hex4() (rune, bool) {
	if d.i+4 > len(d.data) {
		d.fail()
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			d.fail()
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// boolean reads true or false; null reads as false.
func (d *fast) boolean() bool {
	if d.null() {
		return false
	}
	rest := d.data[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		d.i += 4
		return true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		d.i += 5
		return false
	}
	d.fail()
	return false
}

// strings reads a list of strings; [] gives an empty, non-nil list and
// null a nil one.
func (d *fast) strings() []string {
	if d.null() || !d.open('[') {
		return nil
	}
	out := []string{}
	for more := d.first(']'); more; more = d.next(']') {
		out = append(out, d.str())
	}
	return out
}

// fields reads an object decoded into a struct, whose keys are keys
// (fileKeys, accountKeys, ...), calling fn with each key to read its
// value. An unknown or repeated key fails.
func (d *fast) fields(keys []string, fn func(key string)) {
	var follows [33]int8
	d.fieldsAt(keys, &follows, func(i int) { fn(keys[i]) })
}

// fieldsAt is fields calling fn with the index of each key in keys,
// which a switch finds at once where one on strings compares them.
//
// Keys usually come in the same order in every object of a kind, though
// not always in the order of keys (a snapshot that encoding/json wrote
// from maps has them sorted), so what followed a key in the last object
// is the first guess for what follows it: follows[i]-1 for key i, and
// follows[len(keys)]-1 for the first key; until a key has been followed,
// the next in keys. Looking keys up otherwise was a tenth of decoding
// 100,000 accounts.
func (d *fast) fieldsAt(keys []string, follows *[33]int8, fn func(i int)) {
	if !d.open('{') {
		return
	}
	var seen uint32
	prev := len(keys)
	for more := d.first('}'); more; more = d.next('}') {
		k := d.key()
		i := int(follows[prev]) - 1
		if i < 0 {
			i = (prev + 1) % (len(keys) + 1)
		}
		if i >= len(keys) || keys[i] != string(k) {
			i = slices.IndexFunc(keys, func(s string) bool { return s == string(k) })
			if i < 0 || seen&(1<<i) != 0 {
				d.fail()
				return
			}
			follows[prev] = int8(i + 1)
		} else if seen&(1<<i) != 0 {
			d.fail()
			return
		}
		seen |= 1 << i
		prev = i
		fn(i)
	}
}

// skip passes over the policy content value, which doc.Parse checks later,
// finding where it ends: an object (strings inside may hold brackets) or
// a string. Anything else is left to the slow path.
func (d *fast) skip() {
	d.ws()
	if d.i >= len(d.data) {
		d.fail()
		return
	}
	switch d.data[d.i] {
	case '"':
		d.i++
		for d.i < len(d.data) {
			switch d.data[d.i] {
			case '\\':
				d.i++
			case '"':
				d.i++
				return
			}
			d.i++
		}
	case '{':
		depth := 0
		for d.i < len(d.data) {
			switch d.data[d.i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					d.i++
					return
				}
			case '"':
				d.i++
				for d.i < len(d.data) && d.data[d.i] != '"' {
					if d.data[d.i] == '\\' {
						d.i++
					}
					d.i++
				}
			}
			d.i++
		}
	}
	d.fail()
}

// stringMap reads an object of strings; {} gives an empty, non-nil map
// and null a nil one.
func (d *fast) stringMap() map[string]string {
	if d.null() || !d.open('{') {
		return nil
	}
	m := map[string]string{}
	for more := d.first('}'); more; more = d.next('}') {
		k := d.str()
		if !d.open(':') {
			return nil
		}
		if _, dup := m[k]; dup {
			d.fail()
			return nil
		}
		m[k] = d.str()
	}
	return m
}

// stringLists reads an object of lists of strings: a "policies" member
// (policy type → references) or the delegated administrators. A null
// list reads as an empty one, as on the slow path.
func (d *fast) stringLists() map[string][]string {
	if d.null() || !d.open('{') {
		return nil
	}
	m := map[string][]string{}
	for more := d.first('}'); more; more = d.next('}') {
		k := d.str()
		if !d.open(':') {
			return nil
		}
		if _, dup := m[k]; dup {
			d.fail()
			return nil
		}
		if m[k] = d.strings(); m[k] == nil {
			m[k] = []string{}
		}
	}
	return m
}

func (d *fast) file(f *Snapshot) {
	d.fields(fileKeys, func(k string) {
		switch k {
		case "format_version":
			f.FormatVersion = d.str()
		case "source":
			f.Source = d.str()
		case "captured_at":
			f.CapturedAt = d.str()
		case "organization":
			f.Organization = d.organization()
		case "settings":
			f.Settings = d.settings()
		case "roots":
			f.Roots = list(d, (*fast).root)
		case "organizational_units":
			f.OUs = list(d, (*fast).ou)
		case "accounts":
			f.Accounts = d.accounts()
		case "policies":
			f.Policies = list(d, (*fast).policy)
		}
	})
}

// list reads a list of objects, each with read; null reads as nil.
func list[T any](d *fast, read func(*fast, *T)) []T {
	if d.null() || !d.open('[') {
		return nil
	}
	out := []T{}
	for more := d.first(']'); more; more = d.next(']') {
		if len(out) == cap(out) {
			// Double: append grows large slices by a quarter, which for
			// 100,000 accounts allocated five times their size.
			out = slices.Grow(out, max(len(out), 16))
		}
		var zero T
		out = append(out, zero)
		read(d, &out[len(out)-1])
	}
	return out
}

func (d *fast) organization() *SnapshotOrganization {
	if d.null() {
		return nil
	}
	g := &SnapshotOrganization{}
	d.fields(orgKeys, func(k string) {
		switch k {
		case "id":
			g.ID = d.str()
		case "arn":
			g.ARN = d.str()
		case "management_account_id":
			g.ManagementAccountID = d.str()
		case "feature_set":
			g.FeatureSet = d.str()
		}
	})
	return g
}

func (d *fast) settings() *SnapshotSettings {
	if d.null() {
		return nil
	}
	s := &SnapshotSettings{}
	d.fields(settingsKeys, func(k string) {
		switch k {
		case "trusted_services":
			s.TrustedServices = d.strings()
		case "delegated_administrators":
			s.DelegatedAdministrators = d.stringLists()
		case "backup_global_settings":
			s.BackupGlobalSettings = d.stringMap()
		}
	})
	return s
}

func (d *fast) root(r *SnapshotRoot) {
	d.fields(rootKeys, func(k string) {
		switch k {
		case "id":
			r.ID = d.str()
		case "name":
			r.Name = d.str()
		case "arn":
			r.ARN = d.str()
		case "policy_types":
			if d.null() {
				return
			}
			r.PolicyTypes = list(d, func(d *fast, pt *SnapshotPolicyType) {
				d.fields(policyTypeKeys, func(k string) {
					switch k {
					case "type":
						pt.Type = d.str()
					case "status":
						pt.Status = d.str()
					}
				})
			})
		case "policies":
			r.Policies = d.stringLists()
		}
	})
}

func (d *fast) ou(u *SnapshotOU) {
	d.fields(ouKeys, func(k string) {
		switch k {
		case "id":
			u.ID = d.str()
		case "name":
			u.Name = d.str()
		case "parent_id":
			u.ParentID = d.str()
		case "arn":
			u.ARN = d.str()
		case "policies":
			u.Policies = d.stringLists()
		}
	})
}

// account reads an account: at 100,000 accounts, a million members, so
// its keys are told apart by index (in the order of accountKeys).
func (d *fast) account(a *SnapshotAccount) {
	d.fieldsAt(accountKeys, &d.accountKeys, func(i int) {
		switch i {
		case 0:
			a.ID = d.str()
		case 1:
			a.Name = d.str()
		case 2:
			a.ParentID = d.str()
		case 3:
			a.Email = d.str()
		case 4:
			a.ARN = d.str()
		case 5:
			a.Status = d.str()
		case 6:
			a.State = d.str()
		case 7:
			a.JoinedMethod = d.str()
		case 8:
			a.JoinedTimestamp = d.str()
		case 9:
			a.Policies = d.stringLists()
		}
	})
}

func (d *fast) policy(p *SnapshotPolicy) {
	content := false
	d.fields(policyKeys, func(k string) {
		switch k {
		case "id":
			p.ID = d.str()
		case "name":
			p.Name = d.str()
		case "type":
			p.Type = d.str()
		case "arn":
			p.ARN = d.str()
		case "description":
			p.Description = d.str()
		case "aws_managed":
			p.AWSManaged = d.boolean()
		case "tags":
			p.Tags = d.stringMap()
		case "content":
			content = true
			d.ws()
			start := d.i
			d.skip()
			p.Content = d.data[start:d.i]
			d.contentAt = append(d.contentAt, start)
		}
	})
	if !content {
		d.fail() // no content: the slow path says so, with the position
	}
}

// chunkMin is the least input a goroutine decodes accounts from: below it
// a goroutine costs more than it saves.
const chunkMin = 256 << 10

// accounts reads the accounts array: in chunks decoded side by side when
// it may be large, or else (or when chunking does not work out) as list
// does. Nine tenths of a large snapshot are accounts, and decoding them
// on one core took 0.1 s at 100,000 accounts while the others idled.
func (d *fast) accounts() []SnapshotAccount {
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == '[' {
		if cuts := accountCuts(d.data, d.i+1, min(4*runtime.GOMAXPROCS(0), (len(d.data)-d.i)/d.chunkMin)); cuts != nil {
			if as, end, ok := decodeChunks(d.data, d.text, cuts); ok {
				d.i = end
				return as
			}
		}
	}
	return list(d, (*fast).account)
}

// accountCuts returns where n chunks of the array whose elements start at
// body begin: body, then up to n-1 places spread over the rest of the
// file, each at a comma that looks like one between two elements: "}",
// the comma, then "{", white space aside. It returns nil if it finds no
// such place.
//
// Looking is not knowing: a string can hold "},{", and the array may end
// before a cut (the cuts are spread over the whole rest of the file, whose
// length is known, not the array's). decodeChunks finds out.
func accountCuts(data []byte, body, n int) []int {
	if n < 2 {
		return nil
	}
	cuts := []int{body}
	for k := 1; k < n; k++ {
		i := max(body+k*(len(data)-body)/n, cuts[len(cuts)-1]+1)
		for ; i < len(data); i++ {
			j := bytes.IndexByte(data[i:], ',')
			if j < 0 {
				i = len(data)
				break
			}
			i += j
			if elementComma(data, i) {
				break
			}
		}
		if i >= len(data) {
			break
		}
		cuts = append(cuts, i)
	}
	if len(cuts) < 2 {
		return nil
	}
	return cuts
}

// elementComma reports whether the comma at i has "}" before it and "{"
// after it, white space aside.
func elementComma(data []byte, i int) bool {
	b := i - 1
	for b >= 0 && isSpace(data[b]) {
		b--
	}
	a := i + 1
	for a < len(data) && isSpace(data[a]) {
		a++
	}
	return b >= 0 && data[b] == '}' && a < len(data) && data[a] == '{'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// decodeChunks decodes the accounts array whose elements start at
// cuts[0] in len(cuts) chunks at once, chunk k from cuts[k] to
// cuts[k+1] (the last to the end of data). It returns the accounts and
// the offset after the closing bracket, or ok false.
//
// Each chunk is decoded by a decoder that sees the file only up to the
// chunk's end, and must read whole elements to exactly there (or to the
// closing bracket of the array). Then the chunks, which follow one
// another in the file, are each a run of complete elements, and so
// reading them one after the other is what reading the array as a whole
// does: JSON is read in one way only. A cut in the wrong place (inside a
// string, or after the array) makes a chunk fail, and the caller then
// reads the array as a whole.
func decodeChunks(data []byte, text string, cuts []int) (as []SnapshotAccount, end int, ok bool) {
	type chunk struct {
		as     []SnapshotAccount
		end    int
		closed bool // the chunk read the array's closing bracket
		bad    bool
	}
	// Every chunk decodes into its own part of one array, sized from how
	// long the first accounts are, so that joining them is moving each
	// part down to where the one before it ends. Chunks decoded into
	// slices of their own, then copied into one, allocated the accounts
	// (16 MB at 100,000) twice over and then some.
	all, parts := accountRoom(data, text, cuts)
	chunks := make([]chunk, len(cuts))
	var wg sync.WaitGroup
	for k := range cuts {
		to := len(data)
		if k+1 < len(cuts) {
			to = cuts[k+1]
		}
		wg.Go(func() {
			c := &chunks[k]
			d := &fast{data: data[:to], text: text[:to], i: cuts[k]}
			if parts != nil {
				c.as = all[parts[k]:parts[k]:parts[k+1]]
			}
			c.as, c.closed = d.chunk(c.as, k == 0, k+1 == len(cuts))
			c.end, c.bad = d.i, d.bad
		})
	}
	wg.Wait()
	n := 0
	for k := range chunks {
		c := &chunks[k]
		if c.bad {
			return nil, 0, false
		}
		n += len(c.as)
		if !c.closed {
			continue
		}
		// The array ended in this chunk; what follows was decoded for
		// nothing (and may have failed, which does not matter).
		inPlace := parts != nil
		for j, c := range chunks[:k+1] {
			inPlace = inPlace && len(c.as) <= parts[j+1]-parts[j]
		}
		if inPlace {
			// Each part starts at or after where the parts before it
			// end, as none outgrew its room: moving them down in order
			// overwrites only what has been moved already.
			at := 0
			for _, c := range chunks[:k+1] {
				at += copy(all[at:], c.as)
			}
			// Clear what was decoded and is not an account now (moved
			// away, or after the array), so that it holds nothing alive.
			clear(all[n : parts[k]+len(c.as)])
			for j := k + 1; j < len(chunks); j++ {
				clear(all[parts[j]:min(parts[j]+len(chunks[j].as), parts[j+1])])
			}
			return all[:n:n], c.end, true
		}
		// A part outgrew its room and went to an array of its own:
		// join them as they are. Joining 17 MB of accounts is worth two
		// cores too.
		as = make([]SnapshotAccount, n)
		at := 0
		for _, c := range chunks[:k+1] {
			to := as[at : at+len(c.as)]
			wg.Go(func() { copy(to, c.as) })
			at += len(c.as)
		}
		wg.Wait()
		return as, c.end, true
	}
	return nil, 0, false // the array does not end: the whole file is bad
}

// sampleAccounts is how many accounts accountRoom decodes to see how long
// an account is.
const sampleAccounts = 256

// accountRoom allocates room for the accounts of the chunks that start at
// cuts: chunk k's part is all[parts[k]:parts[k+1]]. Each part has room
// for the chunk's bytes at the length of the first sampleAccounts
// accounts, and a sixteenth more. It returns nil parts when the first
// accounts do not decode (decodeChunks then finds out why).
//
// An account is taken to be at least 16 bytes long ({"id":"…"} with
// twelve digits is 21), so that a file of small first accounts and then a
// long string allocates no more than a tenth of the accounts such a file
// could hold; a chunk that outgrows its part is decoded all the same.
func accountRoom(data []byte, text string, cuts []int) (all []SnapshotAccount, parts []int) {
	d := &fast{data: data, text: text, i: cuts[0]}
	n := 0
	var a SnapshotAccount
	for more := d.first(']'); more && n < sampleAccounts; more = d.next(']') {
		a = SnapshotAccount{}
		d.account(&a)
		n++
	}
	if d.bad || n == 0 {
		return nil, nil
	}
	per := max((d.i-cuts[0])/n, 16)
	parts = make([]int, len(cuts)+1)
	for k := range cuts {
		to := len(data)
		if k+1 < len(cuts) {
			to = cuts[k+1]
		}
		parts[k+1] = parts[k] + (to-cuts[k])/per*17/16 + 16
	}
	return make([]SnapshotAccount, parts[len(cuts)]), parts
}

// chunk reads array elements to the end of d.data, or to the closing
// bracket of the array and reports true. The first chunk starts after
// the opening bracket, the others at the comma before their first
// element; the last runs to the end of the file.
//
// It appends to as, which may have room for them all.
func (d *fast) chunk(as []SnapshotAccount, first, last bool) (_ []SnapshotAccount, closed bool) {
	if as == nil {
		as = []SnapshotAccount{}
	}
	if first {
		if !d.first(']') {
			return as, !d.bad
		}
	} else if !d.open(',') {
		return nil, false
	}
	start := d.i
	for {
		if len(as) == cap(as) {
			grow := max(len(as), 16) // as list does
			if len(as) >= 256 && !last {
				// Enough accounts to tell how long one is: make room
				// for the rest of the chunk, and a little more, at
				// once. Doubling allocated three times the accounts.
				// (The last chunk runs to the end of the file, which
				// may hold more than accounts.) A guess from small first
				// accounts is no more than the chunk could hold at three
				// bytes an account, as doubling would come to.
				grow = len(as)*(len(d.data)-start)/(d.i-start)/16*17 - len(as) + 16
			}
			as = slices.Grow(as, grow)
		}
		as = append(as, SnapshotAccount{})
		d.account(&as[len(as)-1])
		d.ws()
		switch {
		case d.bad:
			return as, false // what it decoded, for decodeChunks to clear
		case d.i == len(d.data):
			return as, false
		case d.data[d.i] == ',':
			d.i++
		case d.data[d.i] == ']':
			d.i++
			return as, true
		default:
			d.fail()
			return as, false
		}
	}
}
