package doc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePositions(t *testing.T) {
	src := "{\n  \"plans\": {\n    \"é\": [1, \"x\", true, null]\n  }\n}"
	n, err := Parse("a.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	plans := n.Get("plans")
	if got := plans.Pos.String(); got != "a.json:2:12" {
		t.Errorf("plans pos = %s", got)
	}
	arr := plans.Get("é")
	if got := arr.Pos.String(); got != "a.json:3:10" {
		t.Errorf("array pos = %s", got)
	}
	if got := arr.Items[1].Pos.String(); got != "a.json:3:14" {
		t.Errorf("item pos = %s", got)
	}
	if got := plans.Fields[0].KeyPos.String(); got != "a.json:3:5" {
		t.Errorf("key pos = %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{"a":1,"a":2}`, `x.json:1:8: duplicate key "a"`},
		{`{"a":1,}`, `x.json:1:8: invalid JSON`},
		{``, `x.json:1:1: invalid JSON: unexpected end of input`},
		{`{"a":1} x`, `x.json:1:9: unexpected data after`},
		{"{\n\"a\": [1,\n", `x.json:3:1: invalid JSON: unexpected end of input`},
		{"\x00\x01", `x.json:1:1: invalid JSON`},
	} {
		_, err := Parse("x.json", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want prefix %q", tc.src, err, tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	n, err := Parse("x", []byte(`{"b":[1,{"d":"<&>","c":"\u2028\n"}],"a":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(n.Compact()), `{"a":{},"b":[1,{"c":"\u2028\n","d":"<&>"}]}`; got != want {
		t.Errorf("Compact = %s, want %s", got, want)
	}
	want := "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": \"\\u2028\\n\",\n      \"d\": \"<&>\"\n    }\n  ]\n}\n"
	if got := string(n.Indent()); got != want {
		t.Errorf("Indent = %q, want %q", got, want)
	}
}

// FuzzParse checks that for any input the fast path declines or builds
// exactly the slow path's tree, that Parse answers as the slow path alone
// does, error for error, and that canonical output parses back to the
// same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"plans":{"a":{"regions":{"@@assign":["us-east-1"]}}}}`, `[1,2`, `{"a":"\ud800"}`, "\xff"} {
		f.Add([]byte(s))
	}
	for _, s := range fastAccepts {
		f.Add([]byte(s))
	}
	for _, s := range fastDeclines {
		if len(s) < 10000 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFast(t, data)
		n, err := Parse("f", data)
		if err != nil {
			return
		}
		// Canonical output must itself parse to an equal tree.
		m, err := Parse("g", n.Compact())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", n.Compact(), err)
		}
		if !Equal(n, m) {
			t.Fatalf("round trip changed %q", data)
		}
	})
}

// TestParseColumnsOnOneLine checks columns on a minified document, where
// they are counted on from the previous token rather than from the line's
// start: every node's column must point at its own first character.
func TestParseColumnsOnOneLine(t *testing.T) {
	src := `{"é":[1,{"b":"ü\"x"}],"c":{"d":[true,null,"@@assign"]},"e":"` + strings.Repeat("é", 50) + `"}`
	n, err := Parse("x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	runes := []rune(src)
	Walk(n, func(path []string, m *Node) bool {
		if m.Pos.Line != 1 {
			t.Errorf("%v: line %d", path, m.Pos.Line)
		}
		c := runes[m.Pos.Col-1]
		want := map[Kind]string{Object: "{", Array: "[", String: `"`, Null: "n"}[m.Kind]
		switch m.Kind {
		case Number:
			want = string(m.Text[0])
		case Bool:
			want = string(m.Text[0])
		}
		if string(c) != want {
			t.Errorf("%v: column %d holds %q, want %q", path, m.Pos.Col, c, want)
		}
		return true
	})
}

// TestParseHostile covers input that must fail with a message, not exhaust
// the stack or point at a typo that is not there.
func TestParseHostile(t *testing.T) {
	deep := strings.Repeat("[", 300000) + strings.Repeat("]", 300000)
	for _, tc := range []struct {
		name, src, msg, hint string
	}{
		{"deep arrays", deep, "x.json:1:1001: the JSON document nests more than 1000 levels deep", "opened and never closed"},
		{"deep objects", strings.Repeat(`{"a":`, 300000), "x.json:1:5001: the JSON document nests more than 1000 levels deep", "opened and never closed"},
		{"byte-order mark", "\ufeff{\"plans\": {}}", "x.json:1:1: the file starts with a UTF-8 byte-order mark", "without a byte-order mark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.json", []byte(tc.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse = %v, want a *SyntaxError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) || !strings.Contains(se.Hint, tc.hint) {
				t.Errorf("Parse = %q (hint %q), want %q (hint containing %q)", err, se.Hint, tc.msg, tc.hint)
			}
		})
	}
	// 1000 levels are fine.
	if _, err := Parse("x.json", []byte(strings.Repeat("[", 1000)+strings.Repeat("]", 1000))); err != nil {
		t.Errorf("1000 levels: %v", err)
	}
}

func TestReadFileLimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ReadFile("/dev/zero", 1<<20)
	var tl *TooLargeError
	if !errors.As(err, &tl) || err.Error() != "/dev/zero is larger than 1 MiB" {
		t.Fatalf("ReadFile(/dev/zero) = %v, want a TooLargeError", err)
	}
	name := filepath.Join(t.TempDir(), "a.json")
	if err := os.WriteFile(name, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(name, 2); err != nil || string(data) != "{}" {
		t.Errorf("ReadFile at the limit = %q, %v", data, err)
	}
}

// TestAppendString checks the plain-ASCII shortcut against the encoder.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "p-abcd1234", "Root/Prod", "a\"b", `a\b`, "tab\there", "\x01", "naïve", "\u2028", "\xff", "~ !#"} {
		if got, want := string(AppendString([]byte("x"), s)), "x"+string(NewString(s, Pos{}).Compact()); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}
