package render

import (
	"fmt"
	"net/url"
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
	Body     string
	Children []Section
	// Items is how many of the document's items (changes, accounts) the
	// section's own body shows; the truncation note counts them.
	Items int
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
	// Noun names the items in the note, e.g. "changes".
	Noun string
	// FullURL is where the whole content can be read (the workflow run,
	// with its job summary and the plan artifact); FullText is the link
	// text. Without a valid http(s) URL the note names FullText only.
	FullURL  string
	FullText string
}

// node is a section rendered once, so that cutting it costs no second
// rendering.
type node struct {
	open, close string // "<details><summary>…</summary>\n\n" + body, "</details>\n\n"
	children    []*node
	full        size // open, children and close
	items       int  // items shown by this node's own body
	total       int  // items of the node and its children
}

func build(s Section) *node {
	// A blank line after the body ends its last block before whatever
	// follows.
	body := s.Body
	if body != "" {
		body = strings.TrimRight(body, "\n") + "\n\n"
	}
	n := &node{items: s.Items, total: s.Items}
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
	n.full = sizeOf(n.open).plus(sizeOf(n.close))
	for _, c := range s.Children {
		cn := build(c)
		n.children = append(n.children, cn)
		n.full = n.full.plus(cn.full)
		n.total += cn.total
	}
	return n
}

// write appends n whole.
func (n *node) write(b *strings.Builder) {
	b.WriteString(n.open)
	for _, c := range n.children {
		c.write(b)
	}
	b.WriteString(n.close)
}

// writeCut appends as much of n as fits in room: its opening, the children
// that fit whole, then the first that does not, cut the same way; then its
// closing. It returns the size written and the items shown.
func (n *node) writeCut(b *strings.Builder, room size, bud Budget) (size, int) {
	frame := sizeOf(n.open).plus(sizeOf(n.close))
	if !frame.within(room, bud) {
		return size{}, 0
	}
	b.WriteString(n.open)
	used, shown := frame, n.items
	for _, c := range n.children {
		if used.plus(c.full).within(room, bud) {
			c.write(b)
			used, shown = used.plus(c.full), shown+c.total
			continue
		}
		u, s := c.writeCut(b, room.minus(used), bud)
		used, shown = used.plus(u), shown+s
		break
	}
	b.WriteString(n.close)
	return used, shown
}

// Render returns the document cut to fit bud, and how many items it shows
// out of how many. It fails only when the head and tail alone do not fit.
func (d *Document) Render(bud Budget) (md string, shown, total int, err error) {
	nodes := make([]*node, len(d.Sections))
	var all size
	for i, s := range d.Sections {
		nodes[i] = build(s)
		all = all.plus(nodes[i].full)
		total += nodes[i].total
	}
	head, tail := d.Head, d.Tail
	if head != "" && !strings.HasSuffix(head, "\n\n") {
		head = strings.TrimRight(head, "\n") + "\n\n"
	}
	limit := size{bud.Chars, bud.Bytes}
	fixed := sizeOf(head).plus(sizeOf(tail))
	if fixed.plus(all).within(limit, bud) {
		var b strings.Builder
		b.WriteString(head)
		for _, n := range nodes {
			n.write(&b)
		}
		b.WriteString(tail)
		return b.String(), total, total, nil
	}

	// Too long: reserve room for the note at its longest (every item
	// shown), fill the rest section by section, then write the note with
	// the real count.
	fixed = fixed.plus(sizeOf(d.note(total, total)))
	if !fixed.within(limit, bud) {
		return "", 0, total, fmt.Errorf("render document: head and tail alone exceed the budget (%d characters, %d bytes)", fixed.chars, fixed.bytes)
	}
	room := limit.minus(fixed)
	var body strings.Builder
	var used size
	for _, n := range nodes {
		if used.plus(n.full).within(room, bud) {
			n.write(&body)
			used, shown = used.plus(n.full), shown+n.total
			continue
		}
		_, s := n.writeCut(&body, room.minus(used), bud)
		shown += s
		break
	}
	return head + d.note(shown, total) + body.String() + tail, shown, total, nil
}

// note is the visible truncation notice, placed right after the head so a
// reader sees it before the sections.
func (d *Document) note(shown, total int) string {
	noun := ""
	if d.Noun != "" {
		noun = " " + EscapeMarkdown(d.Noun)
	}
	where := "Run orgbackup locally for the rest."
	if d.FullText != "" {
		where = "The rest is in " + EscapeMarkdown(d.FullText) + "."
		if l := Link(d.FullText, d.FullURL); l != "" {
			where = "The rest is in " + l + "."
		}
	}
	return fmt.Sprintf("> [!WARNING]\n> truncated: %s of %s%s shown, to stay within GitHub's size limit. %s\n\n",
		thousands(shown), thousands(total), noun, where)
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
