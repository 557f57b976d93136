package render

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/orgbackup/orgbackup/internal/golden"
)

// accountSections is n sections as a plan comment has them: a collapsed
// group per account with a hostile, multibyte name and a diff.
func accountSections(n int, name string) []Section {
	var ss []Section
	for i := range n {
		acct := fmt.Sprintf("%012d", i)
		ss = append(ss, Section{
			Summary: HTMLCode(acct) + " " + EscapeHTML(name),
			Body:    CodeBlock("diff", fmt.Sprintf("-  \"schedule\": \"cron(0 5 ? * * *)\"\n+  \"schedule\": \"cron(0 %d ? * * *)\"\n", i%24)),
			Items:   1,
		})
	}
	return ss
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkDocument checks what every rendered document must satisfy: within
// budget, <details> balanced, inert under the GFM oracle.
func checkDocument(t *testing.T, md string, b Budget) rendered {
	t.Helper()
	if b.Chars > 0 && utf16Len(md) > b.Chars {
		t.Errorf("document has %d UTF-16 units, budget %d", utf16Len(md), b.Chars)
	}
	if b.Bytes > 0 && len(md) > b.Bytes {
		t.Errorf("document has %d bytes, budget %d", len(md), b.Bytes)
	}
	if o, c := strings.Count(md, "<details"), strings.Count(md, "</details>"); o != c {
		t.Errorf("%d <details> opened, %d closed", o, c)
	}
	r := renderMarkdown(t, md)
	checkOnly(t, "document", md[:min(len(md), 2000)], r, "h3", "h4", "p", "strong", "blockquote", "details", "summary", "code", "pre", "a", "ul", "li")
	return r
}

func TestDocumentFitsUnchanged(t *testing.T) {
	d := &Document{Head: "### Plan: 2 to update", Sections: accountSections(2, "prod"), Tail: "tail\n", Noun: "changes"}
	md, shown, total, err := d.Render(CommentBudget)
	if err != nil {
		t.Fatal(err)
	}
	if shown != 2 || total != 2 || strings.Contains(md, "truncated") {
		t.Errorf("shown %d of %d, truncated note: %v", shown, total, strings.Contains(md, "truncated"))
	}
	if !strings.HasPrefix(md, "### Plan: 2 to update\n\n<details><summary><code>000000000000</code> prod</summary>\n\n```diff\n") || !strings.HasSuffix(md, "</details>\n\ntail\n") {
		t.Errorf("unexpected document:\n%s", md)
	}
	checkDocument(t, md, CommentBudget)
}

// TestDocument3000Accounts: a comment for 3,000 changed accounts with
// hostile multibyte names is cut at a section boundary within GitHub's
// limits, says how much it shows and links to the rest.
func TestDocument3000Accounts(t *testing.T) {
	name := "日本 @org/team [x](https://evil.example) 🚀 <img src=x>"
	d := &Document{
		Head:     "### orgbackup plan: 3,000 accounts change",
		Sections: accountSections(3000, name),
		Noun:     "changes",
		FullURL:  "https://github.com/o/r/actions/runs/42",
		FullText: "the job summary and the plan artifact",
	}
	md, shown, total, err := d.Render(CommentBudget)
	if err != nil {
		t.Fatal(err)
	}
	if total != 3000 || shown <= 0 || shown >= 3000 {
		t.Fatalf("shown %d of %d", shown, total)
	}
	r := checkDocument(t, md, CommentBudget)
	note := fmt.Sprintf("truncated: %s of 3,000 changes shown", thousands(shown))
	if !strings.Contains(r.within["blockquote"], note) {
		t.Errorf("no visible note %q in a block quote", note)
	}
	if !strings.Contains(md, "[the job summary and the plan artifact](<https://github.com/o/r/actions/runs/42>)") {
		t.Errorf("no link to the full plan")
	}
	// Cut at a boundary: exactly the first `shown` accounts, each whole.
	if got := strings.Count(md, "</summary>"); got != shown {
		t.Errorf("%d sections present, %d counted as shown", got, shown)
	}
	last := fmt.Sprintf("<code>%012d</code>", shown-1)
	next := fmt.Sprintf("<code>%012d</code>", shown)
	if !strings.Contains(md, last) || strings.Contains(md, next) {
		t.Errorf("sections are not the first %d", shown)
	}
	// Dense: the cut leaves less than one section of the budget unused.
	one := utf16Len(md) / shown
	if utf16Len(md) < CommentBudget.Chars-2*one {
		t.Errorf("document uses %d of %d characters; a section is about %d", utf16Len(md), CommentBudget.Chars, one)
	}
}

// TestDocumentByteBudget: where bytes bind before characters (multibyte
// text), the byte budget holds.
func TestDocumentByteBudget(t *testing.T) {
	b := Budget{Chars: 60_000, Bytes: 20_000}
	d := &Document{Head: "head", Sections: accountSections(500, strings.Repeat("漢字", 40)), Noun: "changes"}
	md, shown, _, err := d.Render(b)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, md, b)
	if len(md) < 15_000 || shown == 0 {
		t.Errorf("%d bytes, %d shown: the byte budget was not used", len(md), shown)
	}
	if !strings.Contains(md, "Run orgbackup locally for the rest.") {
		t.Errorf("without a link the note must say where the rest is")
	}
}

// TestDocumentNestedCut: a group too large for the budget shows its body
// and the children that fit, and is closed.
func TestDocumentNestedCut(t *testing.T) {
	group := Section{
		Summary:  "3 policies",
		Open:     true,
		Body:     "Policies that change:",
		Children: accountSections(40, "child"),
		Items:    0,
	}
	d := &Document{Head: "head", Sections: []Section{{Body: "intro", Items: 1}, group, {Body: "never shown", Items: 5}}, Noun: "changes"}
	b := Budget{Chars: 3000}
	md, shown, total, err := d.Render(b)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, md, b)
	if total != 46 || shown < 2 || shown > 40 {
		t.Errorf("shown %d of %d", shown, total)
	}
	if !strings.Contains(md, "<details open><summary>3 policies</summary>") || strings.Contains(md, "never shown") {
		t.Errorf("cut in the wrong place:\n%s", md)
	}
	if strings.Count(md, "</summary>") != shown {
		t.Errorf("%d children present, %d counted (group + intro items)", strings.Count(md, "</summary>")-1, shown-1)
	}
	golden.Check(t, "document-truncated.md.golden", []byte(md))
}

func TestDocumentHeadTooLarge(t *testing.T) {
	d := &Document{Head: strings.Repeat("x", 200), Sections: accountSections(3, "a")}
	if _, _, _, err := d.Render(Budget{Chars: 100}); err == nil {
		t.Error("a head larger than the budget was accepted")
	}
}

func TestLink(t *testing.T) {
	for u, want := range map[string]string{
		"https://github.com/o/r/actions/runs/1":      "[run](<https://github.com/o/r/actions/runs/1>)",
		"https://ghe.example.com/o/r/actions/runs/1": "[run](<https://ghe.example.com/o/r/actions/runs/1>)",
		"https://x.example/a b":                      "[run](<https://x.example/a%20b>)",
		"javascript:alert(1)":                        "",
		"https://user:pw@x.example/":                 "",
		"/relative":                                  "",
		"https://x.example/?q=<script>":              "",
	} {
		if got := Link("run", u); got != want {
			t.Errorf("Link(%q) = %q, want %q", u, got, want)
		}
	}
}

// detailSections is n list items, each with a collapsed document that is a
// detail, as a plan's created policies are.
func detailSections(n int) []Section {
	var ss []Section
	for i := range n {
		ss = append(ss, Section{
			Body:  fmt.Sprintf("- create policy `p%03d`", i),
			Items: 1,
			Children: []Section{{Summary: "Document", Body: CodeBlock("json", strings.Repeat(fmt.Sprintf("\"line %d\"\n", i), 20)),
				Indent: "  ", Detail: true, Items: 1, Noun: "documents"}},
		})
	}
	return ss
}

// TestDocumentDetailsFirst: when a document is too long, details (policy
// documents, diffs) are left out before anything else: every item is
// listed, and the first details, whole and in order, fill what is left.
func TestDocumentDetailsFirst(t *testing.T) {
	d := &Document{Head: "head", Sections: []Section{{Summary: "50 changes", Children: detailSections(50)}}, Noun: "changes"}
	b := Budget{Chars: 6000}
	md, shown, total, err := d.Render(b)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, md, b)
	docs := strings.Count(md, "<summary>Document</summary>")
	if total != 100 || shown != 50+docs || docs == 0 || docs >= 50 {
		t.Fatalf("shown %d of %d with %d documents", shown, total, docs)
	}
	if !strings.Contains(md, fmt.Sprintf("truncated: 50 of 50 changes and %d of 50 documents shown", docs)) {
		t.Errorf("the note does not count changes and documents apart:\n%s", md[:300])
	}
	for i := range 50 {
		if !strings.Contains(md, fmt.Sprintf("- create policy `p%03d`", i)) {
			t.Errorf("change %d is not listed", i)
		}
		if hasDoc := strings.Contains(md, fmt.Sprintf("  \"line %d\"\n", i)); hasDoc != (i < docs) {
			t.Errorf("document %d shown: %t; want the first %d", i, hasDoc, docs)
		}
	}
	// Kept inside their list items: indented, and the list is one list.
	r := renderMarkdown(t, md)
	if n := strings.Count(strings.Join(r.elements, " "), "ul"); n != 1 {
		t.Errorf("%d lists, want 1", n)
	}
	if !strings.Contains(md, "\n  <details><summary>Document</summary>\n\n  ```json\n  \"line 0\"\n") {
		t.Errorf("documents are not indented into their items")
	}

	// Too long even without the details: cut at an item, no details.
	b = Budget{Chars: 800}
	md, shown, _, err = d.Render(b)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, md, b)
	if strings.Contains(md, "Document") || shown == 0 || shown >= 50 ||
		!strings.Contains(md, fmt.Sprintf("truncated: %d of 50 changes and 0 of 50 documents shown", shown)) {
		t.Errorf("shown %d:\n%s", shown, md)
	}
}
