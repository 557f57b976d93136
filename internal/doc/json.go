package doc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a JSON input error at a known position.
type SyntaxError struct {
	Pos Pos
	Msg string
	// Hint says how to fix it, when the mistake is a known one (a
	// byte-order mark, brackets nested too deep); callers that know more
	// about what the file should hold may say more.
	Hint string
}

func (e *SyntaxError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Parse decodes one JSON value from data, recording the position of every
// node. file names the source in positions. Duplicate object keys are an
// error, as they are for Organizations ("Duplicate JSON keys are rejected").
//
// It never panics on any input, and refuses documents nested more than
// MaxDepth deep, so hostile input cannot exhaust the stack; errors are
// *SyntaxError.
func Parse(file string, data []byte) (*Node, error) {
	if !bytes.HasPrefix(data, bom) {
		if n, ok := parseFast(file, data); ok {
			return n, nil
		}
	}
	return parseSlow(file, data)
}

// parseSlow is Parse without the fast path: it builds the tree from
// encoding/json's token stream, and every error Parse reports comes from
// here.
func parseSlow(file string, data []byte) (*Node, error) {
	if bytes.HasPrefix(data, bom) {
		// encoding/json would call it an invalid character 'ï', which
		// sends people looking for a typo they cannot see.
		return nil, &SyntaxError{Pos: Pos{File: file, Line: 1, Col: 1},
			Msg:  "the file starts with a UTF-8 byte-order mark (U+FEFF), which JSON does not allow",
			Hint: `save the file as UTF-8 without a byte-order mark (in most editors the encoding "UTF-8", not "UTF-8 with BOM")`}
	}
	p := &parser{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	p.lines = lineStarts(data)
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &SyntaxError{Pos: p.pos(p.skipSpace(int(p.dec.InputOffset()))), Msg: "unexpected data after the top-level JSON value"}
	}
	return n, nil
}

// MaxDepth bounds how deeply Parse lets arrays and objects nest. A backup
// policy nests about ten levels and an org snapshot about fifteen; a
// document of a million nested brackets, a few MiB, would otherwise take
// the parser's recursion (and every tree walk after it) a million frames
// deep.
const MaxDepth = 1000

// bom is the UTF-8 encoding of U+FEFF, the byte-order mark some editors
// put at the start of a file.
var bom = []byte{0xEF, 0xBB, 0xBF}

type parser struct {
	depth int
	file  string
	data  []byte
	dec   *json.Decoder
	lines []int
	// The last position computed: tokens arrive in order, so the column of
	// the next one on the same line counts on from here. Counting from the
	// start of the line each time is quadratic on minified documents, which
	// are one long line.
	lastOff, lastLine, lastCol int
}

func lineStarts(data []byte) []int {
	ls := []int{0}
	for i, c := range data {
		if c == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// pos converts a byte offset into a 1-based line and a 1-based column counted
// in characters, which is what editors and GitHub annotations expect.
func (p *parser) pos(off int) Pos {
	if off > len(p.data) {
		off = len(p.data)
	}
	line, _ := slices.BinarySearch(p.lines, off+1)
	start := p.lines[line-1]
	var col int
	if line == p.lastLine && off >= p.lastOff {
		col = p.lastCol + utf8.RuneCount(p.data[p.lastOff:off])
	} else {
		col = utf8.RuneCount(p.data[start:off]) + 1
	}
	p.lastOff, p.lastLine, p.lastCol = off, line, col
	return Pos{File: p.file, Line: line, Col: col}
}

// skipSpace returns the offset of the next token at or after off: the
// decoder reports where the previous token ended, which may be followed by
// white space and the ':' or ',' separators.
func (p *parser) skipSpace(off int) int {
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *parser) wrap(err error, off int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The decoder's offset is sometimes just before and sometimes just
		// after the offending byte, depending on which scanner step failed;
		// the message names the byte, so pick the one that matches.
		off = int(se.Offset)
		if c, ok := offendingByte(se.Error()); ok && off > 0 && off <= len(p.data) && p.data[off-1] == c {
			off--
		}
		return &SyntaxError{Pos: p.pos(off), Msg: "invalid JSON: " + strings.TrimPrefix(se.Error(), "json: ")}
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &SyntaxError{Pos: p.pos(len(p.data)), Msg: "invalid JSON: unexpected end of input"}
	}
	return &SyntaxError{Pos: p.pos(off), Msg: "invalid JSON: " + err.Error()}
}

// offendingByte extracts X from encoding/json's "invalid character 'X' ...".
func offendingByte(msg string) (byte, bool) {
	const pre = "invalid character '"
	i := strings.Index(msg, pre)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(pre):]
	j := strings.Index(rest, "' ")
	if j < 0 {
		return 0, false
	}
	q, err := strconv.Unquote("'" + rest[:j] + "'")
	if err != nil {
		return 0, false
	}
	if r := []rune(q); len(r) == 1 && r[0] < utf8.RuneSelf {
		return byte(r[0]), true
	}
	return 0, false
}

func (p *parser) value() (*Node, error) {
	start := p.skipSpace(int(p.dec.InputOffset()))
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.wrap(err, start)
	}
	pos := p.pos(start)
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' || t == '[' {
			if p.depth++; p.depth > MaxDepth {
				return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("the JSON document nests more than %d levels deep", MaxDepth),
					Hint: "look for brackets that are opened and never closed; no policy document or snapshot nests this deep"}
			}
			defer func() { p.depth-- }()
		}
		switch t {
		case '{':
			n := &Node{Kind: Object, Pos: pos}
			seen := map[string]Pos{}
			for p.dec.More() {
				koff := p.skipSpace(int(p.dec.InputOffset()))
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.wrap(err, koff)
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, &SyntaxError{Pos: p.pos(koff), Msg: "invalid JSON: object key must be a string"}
				}
				kpos := p.pos(koff)
				if prev, dup := seen[key]; dup {
					return nil, &SyntaxError{Pos: kpos, Msg: fmt.Sprintf("duplicate key %q (first at line %d); AWS rejects documents with duplicate keys", key, prev.Line)}
				}
				seen[key] = kpos
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Fields = append(n.Fields, Field{Key: key, KeyPos: kpos, Value: v})
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.wrap(err, int(p.dec.InputOffset()))
			}
			return n, nil
		case '[':
			n := &Node{Kind: Array, Pos: pos, Items: []*Node{}}
			for p.dec.More() {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.wrap(err, int(p.dec.InputOffset()))
			}
			return n, nil
		}
		return nil, &SyntaxError{Pos: pos, Msg: fmt.Sprintf("invalid JSON: unexpected %q", rune(t))}
	case string:
		return &Node{Kind: String, Text: t, Pos: pos}, nil
	case json.Number:
		return &Node{Kind: Number, Text: t.String(), Pos: pos}, nil
	case bool:
		return NewBool(t, pos), nil
	case nil:
		return &Node{Kind: Null, Pos: pos}, nil
	}
	return nil, &SyntaxError{Pos: pos, Msg: "invalid JSON"}
}

// Compact returns the canonical minified encoding of n: object keys sorted
// bytewise, no insignificant white space, HTML characters not escaped. This
// is the exact byte string orgbackup sends to Organizations, whose 10,000
// character quota counts every character of what the API receives.
func (n *Node) Compact() []byte {
	var b bytes.Buffer
	encode(&b, n, "", "")
	return b.Bytes()
}

// Indent returns the canonical encoding of n with two-space indentation and a
// trailing newline, for review.
func (n *Node) Indent() []byte {
	var b bytes.Buffer
	encode(&b, n, "\n", "  ")
	b.WriteByte('\n')
	return b.Bytes()
}

// AppendIndent appends to b what Indent returns, without the trailing
// newline, for a value nested depth levels deep in an indented document:
// every line after the first is indented by depth more levels.
func (n *Node) AppendIndent(b []byte, depth int) []byte {
	buf := bytes.NewBuffer(b)
	encode(buf, n, "\n"+strings.Repeat("  ", depth), "  ")
	return buf.Bytes()
}

// plainASCII marks the bytes a JSON string holds as they are.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string, escaped as every encoder here
// escapes it.
func AppendString(b []byte, s string) []byte {
	i := 0
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	if i == len(s) {
		// Names and ids are printable ASCII in most organizations.
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	buf := bytes.NewBuffer(b)
	writeString(buf, s)
	return buf.Bytes()
}

func encode(b *bytes.Buffer, n *Node, nl, ind string) {
	if n == nil {
		b.WriteString("null")
		return
	}
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case Bool, Number:
		b.WriteString(n.Text)
	case String:
		writeString(b, n.Text)
	case Array:
		if len(n.Items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		inner := nl
		if nl != "" {
			inner = nl + ind
		}
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(inner)
			encode(b, it, inner, ind)
		}
		b.WriteString(nl)
		b.WriteByte(']')
	case Object:
		if len(n.Fields) == 0 {
			b.WriteString("{}")
			return
		}
		fs := sortedFields(n)
		b.WriteByte('{')
		inner := nl
		if nl != "" {
			inner = nl + ind
		}
		for i, f := range fs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(inner)
			writeString(b, f.Key)
			b.WriteByte(':')
			if nl != "" {
				b.WriteByte(' ')
			}
			encode(b, f.Value, inner, ind)
		}
		b.WriteString(nl)
		b.WriteByte('}')
	}
}

func sortedFields(n *Node) []Field {
	if slices.IsSortedFunc(n.Fields, cmpField) {
		return n.Fields
	}
	fs := slices.Clone(n.Fields)
	slices.SortFunc(fs, cmpField)
	return fs
}

func cmpField(a, b Field) int { return strings.Compare(a.Key, b.Key) }

// writeString escapes s exactly as encoding/json does with HTML escaping
// turned off, so canonical output matches what other JSON tools produce.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case '\b':
				b.WriteString(`\b`)
			case '\f':
				b.WriteString(`\f`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b.WriteString(s[start:i])
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// FromAny converts a value produced by encoding/json (map[string]any,
// []any, string, float64, json.Number, bool, nil) into a Node without
// positions.
func FromAny(v any) *Node {
	switch t := v.(type) {
	case nil:
		return &Node{Kind: Null}
	case bool:
		return NewBool(t, Pos{})
	case string:
		return &Node{Kind: String, Text: t}
	case json.Number:
		return &Node{Kind: Number, Text: t.String()}
	case float64:
		b, _ := json.Marshal(t)
		return &Node{Kind: Number, Text: string(b)}
	case int:
		return &Node{Kind: Number, Text: fmt.Sprint(t)}
	case []any:
		n := &Node{Kind: Array, Items: make([]*Node, len(t))}
		for i, e := range t {
			n.Items[i] = FromAny(e)
		}
		return n
	case []string:
		n := &Node{Kind: Array, Items: make([]*Node, len(t))}
		for i, e := range t {
			n.Items[i] = &Node{Kind: String, Text: e}
		}
		return n
	case map[string]any:
		n := &Node{Kind: Object}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n.Fields = append(n.Fields, Field{Key: k, Value: FromAny(t[k])})
		}
		return n
	}
	panic(fmt.Sprintf("doc.FromAny: unsupported type %T", v))
}

// MarshalJSON encodes n canonically, so a Node can sit inside structs that
// are encoded with encoding/json.
func (n *Node) MarshalJSON() ([]byte, error) { return n.Compact(), nil }

// FromStruct encodes v with encoding/json and returns the result as a Node,
// so that structs get the same canonical encoding as every other document.
func FromStruct(v any) (*Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Parse("", b)
}

// MustFromStruct is FromStruct for values that always encode, such as
// structs of strings and slices; it panics otherwise.
func MustFromStruct(v any) *Node {
	n, err := FromStruct(v)
	if err != nil {
		panic("doc.MustFromStruct: " + err.Error())
	}
	return n
}

// ReadFile reads the file at name, refusing more than limit bytes: a
// document named on the command line may be /dev/zero or a pipe that never
// ends, and reading it whole would exhaust memory before parsing could
// object.
func ReadFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read into a buffer of the file's size (a snapshot is tens of MB, and
	// growing a buffer to that size by doubling allocates it twice over);
	// a pipe or a device reports no size and grows as it goes.
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = min(fi.Size(), limit) + 1 // +1 to see the end without growing
	}
	data := make([]byte, 0, size)
	r := io.LimitReader(f, limit+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Name: name, Limit: limit}
	}
	return data, nil
}

// TooLargeError is returned by ReadFile for a file over its limit.
type TooLargeError struct {
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s", e.Name, byteSize(e.Limit))
}

// byteSize writes a limit the way people read it: "4 MiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
