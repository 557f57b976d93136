package render

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Budget is how large a rendered Markdown document may be. Zero means no
// limit on that measure.
type Budget struct {
	// Chars counts UTF-16 code units. GitHub rejects a comment body over
	// 65,536 characters; whether it counts code points or UTF-16 units is
	// not documented, and UTF-16 units are never fewer than code points,
	// so a budget in them holds under either reading.
	Chars int
	// Bytes counts UTF-8 bytes: some measurements put the limit at 262,144
	// bytes (gitops-safety.md §1.7), which multibyte names reach first.
	Bytes int
}

// CommentBudget keeps a pull-request or issue comment below GitHub's
// limits (65,536 characters, 262,144 bytes) with room for the hidden marker
// the comment is found by.
var CommentBudget = Budget{Chars: 60_000, Bytes: 250_000}

// SummaryBudget keeps a job summary below the 1 MiB a step may write
// ($GITHUB_STEP_SUMMARY); a larger one is not shown at all.
var SummaryBudget = Budget{Bytes: 1_000_000}

// size is a measure of text in both units of a Budget.
type size struct{ chars, bytes int }

func sizeOf(s string) size {
	z := size{bytes: len(s)}
	for _, r := range s {
		z.chars++
		if r > 0xffff {
			z.chars++ // a surrogate pair in UTF-16
		}
	}
	return z
}

func (a size) plus(b size) size  { return size{a.chars + b.chars, a.bytes + b.bytes} }
func (a size) minus(b size) size { return size{a.chars - b.chars, a.bytes - b.bytes} }

// within reports whether z fits in room; a negative room measure never
// fits, and a measure the budget does not limit is ignored.
func (z size) within(room size, b Budget) bool {
	return (b.Chars == 0 || z.chars <= room.chars) && (b.Bytes == 0 || z.bytes <= room.bytes)
}

// Section is one part of a Document, the unit at which a document that is
// too long is cut: a section is shown whole, or (if it has children) as its
// body and the children that fit, or not at all.
type Section struct {
	// Summary, when set, makes the section a <details> block with this
	// summary. It is raw HTML: build it with EscapeHTML and HTMLCode.
	Summary string
	// Open shows the <details> block expanded.
	Open bool
	// Body is Markdown shown before the children. It must be complete on
	// its own (closed fences), as Code, CodeBlock and EscapeMarkdown make it.
	Body string
	// Tight ends the body with a line break instead of a blank line, so
	// that sibling sections whose bodies are list items form one tight
	// list. The parent then ends with a blank line after its children.
	Tight bool
	// Detail marks a section (a document, a diff) that can go before
	// anything else when the document is too long: it is left out, with
	// what it contains, before any section that is not a detail is cut.
	Detail bool
	// Indent is put before every line of the section and its children,
	// e.g. "  " to keep a section inside the list item before it.
	Indent   string
	Children []Section
	// Items is how many of the document's items (changes, accounts) the
	// section's own body shows; the truncation note counts them.
	Items int
	// Noun names the section's items (e.g. "accounts"); empty means its
	// parent's, or the Document's Noun at the top. The note counts each
	// noun on its own: "120 of 300 changes and 10 of 3,000 accounts".
	Noun string
}

// Document is Markdown built from sections so that it can be cut to a
// Budget at a section boundary, with every <details> closed and a visible
// note saying how much is shown and where the rest is.
type Document struct {
	// Head is shown first, always: the summary line and the counts.
	Head string
	// Sections follow the head, in order; when the budget runs out, the
	// rest are left out.
	Sections []Section
	// Tail is shown last, always.
	Tail string
	// Noun names the items in the note, e.g. "changes", for sections that
	// do not name their own.
	Noun string
	// FullURL is where the whole content can be read (the workflow run,
	// with its job summary and the plan artifact); FullText is the link
	// text. Without a valid http(s) URL the note names FullText only.
	FullURL  string
	FullText string
}

// tally counts items by noun.
type tally map[string]int

func (t tally) add(u tally) {
	for k, v := range u {
		t[k] += v
	}
}

func (t tally) sum() int {
	n := 0
	for _, v := range t {
		n += v
	}
	return n
}

// node is a section rendered once, so that cutting it costs no second
// rendering.
type node struct {
	open, close string // "<details><summary>…</summary>\n\n" + body, "</details>\n\n"
	children    []*node
	detail      bool
	full        size  // open, children and close
	base        size  // the same without detail sections
	items       tally // items shown by this node's own body
	total       tally // items of the node and its children
}

func build(s Section, noun, indent string, nouns *[]string) *node {
	if s.Noun != "" {
		noun = s.Noun
	}
	if s.Items > 0 && !slices.Contains(*nouns, noun) {
		*nouns = append(*nouns, noun)
	}
	indent += s.Indent
	// A blank line after the body ends its last block before whatever
	// follows.
	body := s.Body
	if body != "" {
		end := "\n\n"
		if s.Tight {
			end = "\n"
		}
		body = strings.TrimRight(body, "\n") + end
	}
	n := &node{detail: s.Detail, items: tally{noun: s.Items}, total: tally{noun: s.Items}}
	if s.Summary != "" {
		tag := "<details>"
		if s.Open {
			tag = "<details open>"
		}
		// The summary line is an HTML block; the blank line after it
		// returns to Markdown for the body.
		n.open = tag + "<summary>" + oneLineText(s.Summary) + "</summary>\n\n" + body
		n.close = "</details>\n\n"
	} else {
		n.open = body
	}
	if slices.ContainsFunc(s.Children, func(c Section) bool { return c.Tight }) {
		// Whatever comes next must not continue the last list item.
		n.close = "\n" + n.close
	}
	n.open, n.close = indentText(n.open, indent), indentText(n.close, indent)
	n.full = sizeOf(n.open).plus(sizeOf(n.close))
	n.base = n.full
	for _, c := range s.Children {
		cn := build(c, noun, indent, nouns)
		n.children = append(n.children, cn)
		n.full = n.full.plus(cn.full)
		if !cn.detail {
			n.base = n.base.plus(cn.base)
		}
		n.total.add(cn.total)
	}
	return n
}

// indentText indents every line of s that is not empty.
func indentText(s, indent string) string {
	if indent == "" {
		return s
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" && line != "\n" {
			b.WriteString(indent)
		}
		b.WriteString(line)
	}
	return b.String()
}

// markdown renders s whole, as a Document without a budget would.
func (s Section) markdown() string {
	var b strings.Builder
	build(s, "", "", new([]string)).write(&b, all, tally{})
	return b.String()
}

// keep decides which detail sections are written.
type keep func(*node) bool

func all(*node) bool  { return true }
func none(*node) bool { return false }

// write appends n with the detail sections keep selects, and adds the
// items written to shown.
func (n *node) write(b *strings.Builder, k keep, shown tally) {
	b.WriteString(n.open)
	shown.add(n.items)
	for _, c := range n.children {
		if !c.detail || k(c) {
			c.write(b, k, shown)
		}
	}
	b.WriteString(n.close)
}

// writeCut appends as much of n as fits in room, without detail sections:
// its opening, the children that fit whole, then the first that does not,
// cut the same way; then its closing. It returns the size written and adds
// the items shown to shown.
func (n *node) writeCut(b *strings.Builder, room size, bud Budget, shown tally) size {
	frame := sizeOf(n.open).plus(sizeOf(n.close))
	if !frame.within(room, bud) {
		return size{}
	}
	b.WriteString(n.open)
	used := frame
	shown.add(n.items)
	for _, c := range n.children {
		if c.detail {
			continue
		}
		if used.plus(c.base).within(room, bud) {
			c.write(b, none, shown)
			used = used.plus(c.base)
			continue
		}
		used = used.plus(c.writeCut(b, room.minus(used), bud, shown))
		break
	}
	b.WriteString(n.close)
	return used
}

// details returns the detail sections below n, in document order, without
// those inside another detail section.
func (n *node) details(out []*node) []*node {
	for _, c := range n.children {
		if c.detail {
			out = append(out, c)
		} else {
			out = c.details(out)
		}
	}
	return out
}

// Render returns the document cut to fit bud, and how many items (of every
// noun) it shows out of how many. When it does not fit whole, detail
// sections are left out first: the rest is shown whole if it fits, with
// as many details, in order, as still fit; otherwise the rest is cut at a
// section boundary. It fails only when the head and tail alone do not
// fit.
func (d *Document) Render(bud Budget) (md string, shown, total int, err error) {
	nodes := make([]*node, len(d.Sections))
	var full, base size
	var nouns []string
	totals := tally{}
	for i, s := range d.Sections {
		nodes[i] = build(s, d.Noun, "", &nouns)
		full, base = full.plus(nodes[i].full), base.plus(nodes[i].base)
		totals.add(nodes[i].total)
	}
	total = totals.sum()
	head, tail := d.Head, d.Tail
	if head != "" && !strings.HasSuffix(head, "\n\n") {
		head = strings.TrimRight(head, "\n") + "\n\n"
	}
	limit := size{bud.Chars, bud.Bytes}
	fixed := sizeOf(head).plus(sizeOf(tail))
	if fixed.plus(full).within(limit, bud) {
		var b strings.Builder
		b.WriteString(head)
		for _, n := range nodes {
			n.write(&b, all, tally{})
		}
		b.WriteString(tail)
		return b.String(), total, total, nil
	}

	// Too long: reserve room for the note at its longest (every item
	// shown), fill the rest, then write the note with the real count.
	fixed = fixed.plus(sizeOf(d.note(nouns, totals, totals)))
	if !fixed.within(limit, bud) {
		return "", 0, total, fmt.Errorf("render document: head and tail alone exceed the budget (%d characters, %d bytes)", fixed.chars, fixed.bytes)
	}
	room := limit.minus(fixed)
	var body strings.Builder
	seen := tally{}
	if base.within(room, bud) {
		// Everything but the details fits: add details in order while
		// they fit.
		kept := map[*node]bool{}
		left := room.minus(base)
		var details []*node
		for _, n := range nodes {
			details = n.details(details)
		}
		for _, dn := range details {
			if !dn.full.within(left, bud) {
				break
			}
			kept[dn], left = true, left.minus(dn.full)
		}
		for _, n := range nodes {
			n.write(&body, func(dn *node) bool { return kept[dn] }, seen)
		}
	} else {
		var used size
		for _, n := range nodes {
			if used.plus(n.base).within(room, bud) {
				n.write(&body, none, seen)
				used = used.plus(n.base)
				continue
			}
			n.writeCut(&body, room.minus(used), bud, seen)
			break
		}
	}
	return head + d.note(nouns, seen, totals) + body.String() + tail, seen.sum(), total, nil
}

// note is the visible truncation notice, placed right after the head so a
// reader sees it before the sections. It counts each noun, in the order
// the document first shows them.
func (d *Document) note(nouns []string, shown, total tally) string {
	var counts []string
	for _, n := range nouns {
		c := thousands(shown[n]) + " of " + thousands(total[n])
		if n != "" {
			c += " " + EscapeMarkdown(n)
		}
		counts = append(counts, c)
	}
	if len(counts) == 0 {
		counts = []string{"0 of 0"}
	}
	where := "Run orgbackup locally for the rest."
	if d.FullText != "" {
		where = "The rest is in " + EscapeMarkdown(d.FullText) + "."
		if l := Link(d.FullText, d.FullURL); l != "" {
			where = "The rest is in " + l + "."
		}
	}
	return fmt.Sprintf("> [!WARNING]\n> truncated: %s shown, to stay within GitHub's size limit. %s\n\n",
		andList(counts), where)
}

// Link renders a Markdown link to a URL orgbackup built itself (never to
// one from user input). It returns "" unless u is an absolute http(s) URL;
// the text is escaped.
func Link(text, u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" && p.Scheme != "http" || p.Host == "" || p.User != nil {
		return ""
	}
	s := p.String()
	if strings.ContainsAny(s, "<> \t\r\n") || !utf8.ValidString(s) {
		return ""
	}
	return "[" + EscapeMarkdown(text) + "](<" + s + ">)"
}

// andList joins "a", "a and b", "a, b and c".
func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
