package doc

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// fastParser builds Parse's tree for plainly valid JSON without
// encoding/json's token stream, which allocated per token (every string
// twice, every number as an interface) and cost preview 36 ms of CPU for
// the 555 policy documents of a 100,000-account snapshot.
//
// It accepts only what encoding/json's decoder accepts and gives the same
// tree: the same Kinds, numbers as written, strings unescaped exactly as
// encoding/json unescapes them (a lone surrogate or a byte that is not
// UTF-8 becomes U+FFFD), the same positions. It gives up on anything else
// (any syntax error, a duplicate key, nesting deeper than MaxDepth, data
// after the value) and Parse then takes the slow path, so that every error
// is reported by the one parser that reports errors. FuzzParse holds
// the two to the same trees.
type fastParser struct {
	data []byte
	// text is one copy of data: strings written without escapes, keys
	// and numbers are cut from it, one allocation for all of them.
	text  string
	file  string
	i     int
	depth int
	// Columns count characters on from the previous token, as the slow
	// path's pos does: lastOff and lastCol are where the last token (or
	// line) started, and high says a byte ≥ 0x80 came since, so that
	// bytes and characters may differ.
	line, lastOff, lastCol int
	high                   bool
	// nodes is the rest of the block the next nodes are cut from.
	nodes []Node
	// fields and items hold the members of the objects and arrays being
	// parsed, copied out as each one closes into the rest of a block,
	// fieldBlock or itemBlock: one allocation each was most of the
	// parser's allocations.
	fields     []Field
	items      []*Node
	fieldBlock []Field
	itemBlock  []*Node
	buf        []byte // for unescaping
	// How many nodes, fields and items the blocks so far held, to size
	// the next block by.
	nodesUsed, fieldsUsed, itemsUsed int
}

// parseFast returns the tree Parse's slow path would build from data, or
// ok false if it is not sure to build it.
func parseFast(file string, data []byte) (n *Node, ok bool) {
	p := &fastParser{data: data, text: string(data), file: file, line: 1, lastCol: 1,
		// Room for the members of the objects and arrays open at once in
		// a policy document, so that they are not grown a step at a time.
		fields: make([]Field, 0, 16), items: make([]*Node, 0, 8)}
	p.ws()
	if n = p.value(); n == nil {
		return nil, false
	}
	if p.ws(); p.i != len(p.data) {
		return nil, false
	}
	return n, true
}

func (p *fastParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\r':
		case '\n':
			p.line++
			p.lastOff, p.lastCol, p.high = p.i+1, 1, false
		default:
			return
		}
		p.i++
	}
}

// pos is the position of the token at p.i.
func (p *fastParser) pos() Pos {
	col := p.lastCol + p.i - p.lastOff
	if p.high {
		col = p.lastCol + utf8.RuneCount(p.data[p.lastOff:p.i])
		p.high = false
	}
	p.lastOff, p.lastCol = p.i, col
	return Pos{File: p.file, Line: p.line, Col: col}
}

func (p *fastParser) node(k Kind, text string, pos Pos) *Node {
	if len(p.nodes) == 0 {
		// Nodes come in blocks (one allocation each was a third of the
		// parser's allocations), at first one per 20 bytes, about what
		// policy documents hold.
		p.nodes = make([]Node, p.blockSize(p.nodesUsed, 20))
		p.nodesUsed += len(p.nodes)
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	n.Kind, n.Text, n.Pos = k, text, pos
	return n
}

// value parses the value at p.i, after white space; nil means give up.
func (p *fastParser) value() *Node {
	if p.i >= len(p.data) {
		return nil
	}
	pos := p.pos()
	switch c := p.data[p.i]; c {
	case '{':
		return p.object(pos)
	case '[':
		return p.array(pos)
	case '"':
		s, ok := p.str()
		if !ok {
			return nil
		}
		return p.node(String, s, pos)
	case 't':
		if p.literal("true") {
			return p.node(Bool, "true", pos)
		}
	case 'f':
		if p.literal("false") {
			return p.node(Bool, "false", pos)
		}
	case 'n':
		if p.literal("null") {
			return p.node(Null, "", pos)
		}
	default:
		if c == '-' || '0' <= c && c <= '9' {
			if s, ok := p.number(); ok {
				return p.node(Number, s, pos)
			}
		}
	}
	return nil
}

func (p *fastParser) literal(s string) bool {
	if len(p.data)-p.i >= len(s) && string(p.data[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// number reads a number in JSON's grammar, as written.
func (p *fastParser) number() (string, bool) {
	start := p.i
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return "", false
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return "", false
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return "", false
		}
	}
	return p.text[start:p.i], true
}

func (p *fastParser) digits() int {
	start := p.i
	for p.i < len(p.data) && '0' <= p.data[p.i] && p.data[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

func (p *fastParser) object(pos Pos) *Node {
	if p.depth++; p.depth > MaxDepth {
		return nil
	}
	p.i++ // '{'
	n := p.node(Object, "", pos)
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		p.depth--
		return n
	}
	base := len(p.fields)
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil
		}
		kpos := p.pos()
		key, ok := p.str()
		if !ok {
			return nil
		}
		p.ws()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil
		}
		p.i++
		p.ws()
		v := p.value()
		if v == nil {
			return nil
		}
		p.fields = append(p.fields, Field{Key: key, KeyPos: kpos, Value: v})
		if !p.more('}') {
			break
		}
	}
	if p.i < 0 {
		return nil
	}
	fs := p.fields[base:]
	if duplicateKey(fs) {
		// The slow path reports it, with both positions.
		return nil
	}
	if len(p.fieldBlock) < len(fs) {
		// About one field per 24 bytes in policy documents.
		p.fieldBlock = make([]Field, max(p.blockSize(p.fieldsUsed, 24), len(fs)))
		p.fieldsUsed += len(p.fieldBlock)
	}
	n.Fields = carve(&p.fieldBlock, fs)
	p.fields = p.fields[:base]
	p.depth--
	return n
}

func (p *fastParser) array(pos Pos) *Node {
	if p.depth++; p.depth > MaxDepth {
		return nil
	}
	p.i++ // '['
	n := p.node(Array, "", pos)
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		p.depth--
		n.Items = []*Node{} // as the slow path has it: empty, not nil
		return n
	}
	base := len(p.items)
	for {
		v := p.value()
		if v == nil {
			return nil
		}
		p.items = append(p.items, v)
		if !p.more(']') {
			break
		}
	}
	if p.i < 0 {
		return nil
	}
	is := p.items[base:]
	if len(p.itemBlock) < len(is) {
		// Arrays in policy documents are few and short.
		p.itemBlock = make([]*Node, max(p.blockSize(p.itemsUsed, 128), len(is)))
		p.itemsUsed += len(p.itemBlock)
	}
	n.Items = carve(&p.itemBlock, is)
	p.items = p.items[:base]
	p.depth--
	return n
}

// blockSize is how many elements the next block of nodes, fields or
// items should hold, used having been allocated so far: a guess of one
// per per bytes for the first block, then as many as the rest of the
// input would need at the rate of the part read, so that little of the
// last block is left over.
func (p *fastParser) blockSize(used, per int) int {
	n := len(p.data) / per
	if used > 0 {
		n = used*(len(p.data)-p.i)/max(p.i, 1) + 4
	}
	return min(max(n, 4), 1024)
}

// carve copies s to the front of *block, which must have room, and
// returns the copy with no room to spare: appending to it then cannot
// write over the next copy.
func carve[T any](block *[]T, s []T) []T {
	c := (*block)[:len(s):len(s)]
	copy(c, s)
	*block = (*block)[len(s):]
	return c
}

// more is called after a member or element: it consumes a comma and the
// white space after it and reports true, or consumes the closing bracket
// and reports false. Anything else sets p.i to -1 and reports false.
func (p *fastParser) more(close byte) bool {
	p.ws()
	if p.i < len(p.data) {
		switch p.data[p.i] {
		case ',':
			p.i++
			p.ws()
			return true
		case close:
			p.i++
			return false
		}
	}
	p.i = -1
	return false
}

// duplicateKey reports whether two of fs have the same key.
func duplicateKey(fs []Field) bool {
	if len(fs) <= 16 {
		// Policy objects have a few keys: comparing each pair is
		// cheaper than a map.
		for i := 1; i < len(fs); i++ {
			for j := range i {
				if fs[i].Key == fs[j].Key {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(fs))
	for _, f := range fs {
		if _, dup := seen[f.Key]; dup {
			return true
		}
		seen[f.Key] = struct{}{}
	}
	return false
}

// lsbs has the lowest bit of each of eight bytes set.
const lsbs = 0x0101010101010101

// hasByteBelow is non-zero if a byte of x is below n (at most 0x80).
func hasByteBelow(x uint64, n byte) uint64 { return (x - lsbs*uint64(n)) &^ x & (0x80 * lsbs) }

// hasByte is non-zero if a byte of x is c.
func hasByte(x uint64, c byte) uint64 { return hasByteBelow(x^(lsbs*uint64(c)), 1) }

// StringStops is non-zero when one of the eight bytes of x, read
// little-endian from JSON text, ends or interrupts a string's plain run:
// a quote, a backslash or a control character. This parser and
// internal/org's skip a string eight bytes at a time while it is zero.
func StringStops(x uint64) uint64 { return hasByteBelow(x, 0x20) | hasByte(x, '"') | hasByte(x, '\\') }

// NonASCII is non-zero when one of the eight bytes of x is not ASCII.
func NonASCII(x uint64) uint64 { return x & (0x80 * lsbs) }

// str reads the string whose opening quote is at p.i.
func (p *fastParser) str() (string, bool) {
	p.i++
	start := p.i
	// Eight bytes at a time while none ends the string, starts an escape,
	// is a control character or is not ASCII.
	for p.i+8 <= len(p.data) {
		x := binary.LittleEndian.Uint64(p.data[p.i:])
		if StringStops(x)|NonASCII(x) != 0 {
			break
		}
		p.i += 8
	}
	for p.i < len(p.data) {
		c := p.data[p.i]
		if c == '"' {
			p.i++
			return p.text[start : p.i-1], true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return p.strRest(start)
		}
		p.i++
	}
	return "", false
}

// strRest finishes a string that has an escape or a byte that is not
// ASCII at p.i, decoding it as encoding/json's unquote does.
func (p *fastParser) strRest(start int) (string, bool) {
	var b []byte // nil while the string is as written
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			if b == nil {
				return p.text[start : p.i-1], true
			}
			p.buf = b[:0]
			return string(b), true
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf && c != '\\':
			if b != nil {
				b = append(b, c)
			}
			p.i++
		case c >= utf8.RuneSelf:
			p.high = true
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				if b == nil {
					b = append(p.buf[:0], p.data[start:p.i]...)
				}
				b = utf8.AppendRune(b, utf8.RuneError)
			} else if b != nil {
				b = append(b, p.data[p.i:p.i+size]...)
			}
			p.i += size
		default: // '\\'
			if b == nil {
				b = append(p.buf[:0], p.data[start:p.i]...)
			}
			if p.i+1 >= len(p.data) {
				return "", false
			}
			e := p.data[p.i+1]
			p.i += 2
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
				r := hex4(p.data[p.i:])
				if r < 0 {
					return "", false
				}
				p.i += 4
				if utf16.IsSurrogate(r) {
					// A pair only if a \u of its other half follows;
					// otherwise U+FFFD, and what follows is read on its
					// own, as encoding/json does.
					r2 := rune(-1)
					if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
						r2 = hex4(p.data[p.i+2:])
					}
					if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
						p.i += 6
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		}
	}
	return "", false
}

// hex4 decodes the four hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
