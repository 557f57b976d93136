package render

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orgbackup/orgbackup/internal/golden"
)

// The oracle: a CommonMark parser with GitHub's extensions (tables,
// strikethrough, autolinks, task lists), rendering raw HTML as it is so that
// any HTML that gets through shows up as an element. GitHub's own renderer
// is cmark-gfm; goldmark implements the same specifications.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))

// rendered is what a reader of a Markdown document sees: the HTML elements
// and the text.
type rendered struct {
	elements []string
	text     string            // all text, entities decoded
	plain    string            // text outside code, where GitHub links mentions and references
	within   map[string]string // text inside each element name
}

func renderMarkdown(t testing.TB, md string) rendered {
	t.Helper()
	var out bytes.Buffer
	if err := gfm.Convert([]byte(md), &out); err != nil {
		t.Fatalf("goldmark: %v", err)
	}
	nodes, err := html.ParseFragment(&out, &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	r := rendered{within: map[string]string{}}
	var text, plain strings.Builder
	var walk func(n *html.Node, in []string)
	walk = func(n *html.Node, in []string) {
		switch n.Type {
		case html.ElementNode:
			r.elements = append(r.elements, n.Data)
			in = append(in, n.Data)
		case html.TextNode:
			text.WriteString(n.Data)
			if !slices.Contains(in, "code") {
				plain.WriteString(n.Data)
			}
			for _, e := range in {
				r.within[e] += n.Data
			}
		case html.CommentNode:
			r.elements = append(r.elements, "<!--")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	for _, n := range nodes {
		walk(n, nil)
	}
	r.text, r.plain = text.String(), plain.String()
	return r
}

// live finds what GitHub would turn into a link or a notification in text:
// mentions, e-mail addresses, #123 references, bare URLs.
var live = regexp.MustCompile(`(?i)@[a-z0-9]|#[0-9]|://|www\.`)

func dropZeroWidth(s string) string { return strings.NewReplacer(zwj, "", zwsp, "").Replace(s) }

// checkOnly fails unless every element is one of allowed.
func checkOnly(t testing.TB, what, md string, r rendered, allowed ...string) {
	t.Helper()
	if err := onlyElements(r, allowed...); err != nil {
		t.Fatalf("%s: %v\nmarkdown: %q", what, err, md)
	}
}

func onlyElements(r rendered, allowed ...string) error {
	for _, e := range r.elements {
		if !slices.Contains(allowed, e) {
			return fmt.Errorf("rendered element <%s> (allowed: %v)", e, allowed)
		}
	}
	return nil
}

// inertText is the property of EscapeMarkdown and EscapeHTML in a Markdown
// paragraph: only a paragraph, nothing live, and the reader sees exactly
// the input on one line.
func inertText(r rendered, in string) error {
	if err := onlyElements(r, "p"); err != nil {
		return err
	}
	if m := live.FindString(r.text); m != "" {
		return fmt.Errorf("%q is live in %q", m, r.text)
	}
	want := strings.Trim(oneLineText(in), " ")
	if got := strings.Trim(dropZeroWidth(r.text), " \n"); got != want {
		return fmt.Errorf("reader sees %q, want %q", got, want)
	}
	return nil
}

func checkInertText(t testing.TB, what, in, md string) {
	t.Helper()
	if err := inertText(renderMarkdown(t, md), in); err != nil {
		t.Fatalf("%s(%q): %v\nmarkdown: %q", what, in, err, md)
	}
}

func checkInert(t testing.TB, s string) {
	checkInertText(t, "EscapeMarkdown", s, EscapeMarkdown(s))
	checkInertText(t, "EscapeHTML", s, EscapeHTML(s))

	// A code span: one <code>, holding exactly the input.
	md := "x " + Code(s) + " y"
	r := renderMarkdown(t, md)
	checkOnly(t, "Code", md, r, "p", "code")
	want := oneLineText(s)
	if want == "" {
		want = " "
	}
	if got := r.within["code"]; got != want {
		t.Fatalf("Code(%q): code holds %q, want %q\nmarkdown: %q", s, got, want, md)
	}

	// The same in a table cell: the row keeps its cells.
	md = "| a | b |\n|---|---|\n| " + CellCode(s) + " | " + EscapeMarkdown(s) + " |\n"
	r = renderMarkdown(t, md)
	checkOnly(t, "CellCode", md, r, "table", "thead", "tbody", "tr", "th", "td", "code")
	if got := r.within["code"]; got != want {
		t.Fatalf("CellCode(%q): code holds %q, want %q\nmarkdown: %q", s, got, want, md)
	}
	if n := strings.Count(strings.Join(r.elements, " "), "td"); n != 2 {
		t.Fatalf("CellCode/EscapeMarkdown(%q) in a table: %d cells, want 2\nmarkdown: %q", s, n, md)
	}

	// A fenced block: one <pre><code>, holding exactly the input, and the
	// paragraph after it is still a paragraph.
	md = CodeBlock("diff", s) + "\nafter\n"
	r = renderMarkdown(t, md)
	checkOnly(t, "CodeBlock", md, r, "pre", "code", "p")
	wantBlock := mapControls(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s), "\n\t")
	if wantBlock != "" && !strings.HasSuffix(wantBlock, "\n") {
		wantBlock += "\n"
	}
	if got := r.within["code"]; got != wantBlock {
		t.Fatalf("CodeBlock(%q): code holds %q, want %q\nmarkdown: %q", s, got, wantBlock, md)
	}
	if got := r.within["p"]; got != "after" {
		t.Fatalf("CodeBlock(%q) swallowed what follows: paragraph %q\nmarkdown: %q", s, got, md)
	}

	// Inside a <summary>: raw HTML, where only our own elements may appear.
	md = "<details><summary>" + EscapeHTML(s) + " " + HTMLCode(s) + "</summary>\n\nbody\n\n</details>\n"
	r = renderMarkdown(t, md)
	checkOnly(t, "EscapeHTML in <summary>", md, r, "details", "summary", "code", "p")
	if m := live.FindString(r.within["summary"]); m != "" {
		t.Fatalf("EscapeHTML(%q): %q is live in the summary", s, m)
	}
	if got, want := dropZeroWidth(r.within["summary"]), oneLineText(s)+" "+oneLineText(s); got != want {
		t.Fatalf("EscapeHTML(%q) in <summary>: reader sees %q, want %q\nmarkdown: %q", s, got, want, md)
	}
	if got := r.within["p"]; got != "body" {
		t.Fatalf("EscapeHTML(%q) broke out of <summary>: body %q\nmarkdown: %q", s, got, md)
	}
}

// hostile is the corpus of names that try to be something else: links,
// images, mentions, HTML, fences, table breaks, headings, lists, workflow
// commands, terminal escapes, direction overrides.
var hostile = []string{
	"",
	"plain-name_1",
	"[Approve](https://evil.example)",
	"![pixel](https://evil.example/t.png)",
	"<img src=x onerror=alert(1)>",
	"<details><summary>x</summary>",
	"</details></summary>",
	"<!-- hidden -->",
	"<script>alert(1)</script>",
	"@org/platform-team please approve",
	"mail admin@example.com",
	"fixes #12 and org/repo#3",
	"https://evil.example/path?q=1",
	"www.evil.example",
	"see <https://evil.example>",
	"[x]: https://evil.example",
	"[x][y]\n\n[y]: https://evil.example",
	"`code` and ``double``",
	"```",
	"````\nbreak out\n````",
	"~~~\nfence\n~~~",
	"| a | b |",
	"a\\|b",
	"# Heading",
	"> quote",
	"- item",
	"1. item",
	"    indented",
	"\tindented",
	"***",
	"line one\nline two\r\nline three",
	"trailing backslash\\",
	"&amp; &lt;b&gt; &#64;team",
	"$\\color{red}{APPROVED}$",
	"**bold** _em_ ~~strike~~",
	"::error::forged workflow command",
	"\x1b[31mred\x1b[0m",
	"right\u202eto left",
	"nul\x00byte",
	"invalid \xff utf-8",
	" leading and trailing ",
	"   ",
	"` ",
	"日本語のアカウント @チーム",
	"emoji 🚀 https://🚀.example",
}

// TestOracleCatches shows the checks can fail: unescaped, the hostile
// strings are live.
func TestOracleCatches(t *testing.T) {
	for _, s := range []string{
		"[Approve](https://evil.example)", "![p](https://evil.example/t.png)", "<img src=x>",
		"@org/team", "admin@example.com", "fixes #12", "https://evil.example", "www.evil.example",
		"# Heading", "- item", "**bold**", "a\nb", "    code",
	} {
		if err := inertText(renderMarkdown(t, s), s); err == nil {
			t.Errorf("unescaped %q passes the inertness check", s)
		}
	}
	// An inline code span with a short fence breaks open.
	r := renderMarkdown(t, "x `a`b` y")
	if r.within["code"] == "a`b" {
		t.Errorf("a short fence holds a backtick")
	}
}

// TestHostileCorpusInert checks every helper on the hostile corpus with
// the oracle, and pins how each renders (hostile-names.md.golden) so a
// change to the escaping shows in review.
func TestHostileCorpusInert(t *testing.T) {
	var sections []Section
	for _, s := range hostile {
		checkInert(t, s)
		sections = append(sections, Section{
			Summary: HTMLCode(s) + " " + EscapeHTML(s),
			Body: "| code | text |\n|---|---|\n| " + CellCode(s) + " | " + EscapeMarkdown(s) + " |\n\n" +
				"Inline: " + Code(s) + " and " + EscapeMarkdown(s) + "\n\n" + CodeBlock("text", s),
			Items: 1,
		})
	}
	d := &Document{Head: "### Hostile names", Sections: sections}
	md, _, _, err := d.Render(CommentBudget)
	if err != nil {
		t.Fatal(err)
	}
	r := renderMarkdown(t, md)
	checkOnly(t, "corpus document", "", r, "h3", "details", "summary", "code", "p", "table", "thead", "tbody", "tr", "th", "td", "pre")
	if m := live.FindString(r.plain); m != "" {
		t.Errorf("%q is live in the corpus document", m)
	}
	golden.Check(t, "hostile-names.md.golden", []byte(md))
}

// FuzzInert: for any input, every helper's output renders as inert text
// that reads exactly as the input.
func FuzzInert(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkInert(t, s)
	})
}
