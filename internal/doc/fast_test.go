package doc

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// policyDoc is the largest policy content of a benchgen snapshot (1,000
// accounts, 50 policies), as the snapshot holds it: minified.
const policyDoc = `{"plans":{"daily-plan-038":{"@@operators_allowed_for_child_policies":["@@none"],"regions":{"@@append":["us-west-2"],"@@operators_allowed_for_child_policies":["@@append"]},"rules":{"daily":{"complete_backup_window_minutes":{"@@assign":"300"},"copy_actions":{"arn:aws:backup:us-west-2:$account:backup-vault:dr-vault":{"lifecycle":{"delete_after_days":{"@@assign":"35"}},"target_backup_vault_arn":{"@@assign":"arn:aws:backup:us-west-2:$account:backup-vault:dr-vault"}}},"lifecycle":{"delete_after_days":{"@@assign":"35"}},"recovery_point_tags":{"backup-tier":{"tag_key":{"@@assign":"backup-tier"},"tag_value":{"@@assign":"daily"}}},"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"start_backup_window_minutes":{"@@assign":"60"},"target_backup_vault_name":{"@@assign":"backup-vault"}}},"selections":{"tags":{"tagged-daily":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/backup-role"},"tag_key":{"@@assign":"backup"},"tag_value":{"@@assign":["daily"]}}}}}}}`

// fastAccepts are documents the fast path must take (and agree on): a fast
// path that declined everything would pass FuzzParse.
var fastAccepts = []string{
	policyDoc,
	string(mustParse(policyDoc).Indent()),
	"{\r\n\t\"a\" :\t[ 1 , -0 , 1e400 , 0.10 , 1E+2 , -1.5e-3 , 0 ]\r\n}\r\n",
	`{"e":"\u0000\"\\\/\b\f\n\r\t\u00e9\u2028"}`,
	`["\ud800", "\udc00", "\ud800x", "\ud800\ud800", "\ud800\ud800\udc00", "\ud83d\ude00", "\uD83D\uDE00!", "\ud800\u0041"]`,
	"[\"\xff\", \"a\xe2\x82\", \"\xed\xa0\x80\", \"é\xffü\", \"\\n\xff\", \"\xef\xbf\xbd\"]",
	"{\"é\": {\"ü\xff\": [1, \"\xc3\", {\"x\": true}]},\n \"ok\": null}",
	`{}`, `[]`, `{"a":{},"b":[],"c":[[]],"d":[{}]}`,
	`"top"`, `12`, `-0.5e7`, `true`, `false`, `null`, " \n 7 \n ",
	`{"a":1,"A":2,"a ":3,"\u0061b":4,"ab ":5}`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat(`{"k":`, MaxDepth) + "0" + strings.Repeat("}", MaxDepth),
	"[" + strings.Repeat(`"abcdefghijklmnop",`, 40) + "1]",
	manyKeys(40, false), // duplicates looked for with a map
}

// fastDeclines are documents only the slow path may answer: errors, and
// the one error the fast path must notice that encoding/json does not.
var fastDeclines = []string{
	``, ` `, `{`, `[1,2`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`,
	`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`,
	manyKeys(40, true),
	`{"a":1} x`, `1 2`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `-01`, `0x1`, `NaN`, `tru`, `nul`, `truex`,
	`"\x"`, `"\'"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", "\"\t\"", `"abc`, `"\`, `"\u`, `"\ud800\u12"`,
	"\xef\xbb\xbf{}", "\x00\x01",
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat(`{"a":`, 300000),
}

// manyKeys is an object of n keys, the last the same as the first if dup.
func manyKeys(n int, dup bool) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i == n-1 && dup {
			i = 0
		}
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	return strings.TrimSuffix(b.String(), ",") + "}"
}

func mustParse(s string) *Node {
	n, err := parseSlow("x", []byte(s))
	if err != nil {
		panic(err)
	}
	return n
}

// checkFast holds the fast path and Parse to the slow path for data, and
// reports whether the fast path took it.
func checkFast(t *testing.T, data []byte) bool {
	t.Helper()
	slow, serr := parseSlow("f.json", data)
	fast, ok := parseFast("f.json", data)
	if ok {
		if serr != nil {
			t.Fatalf("fast path accepted %q, which the slow path refuses: %v", data, serr)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast path and slow path differ on %q:\nfast %s\nslow %s", data, dump(fast), dump(slow))
		}
	}
	got, gerr := Parse("f.json", data)
	if fmt.Sprint(gerr) != fmt.Sprint(serr) || !reflect.DeepEqual(got, slow) {
		t.Fatalf("Parse(%q) = %s, %v; slow path alone gives %s, %v", data, dump(got), gerr, dump(slow), serr)
	}
	var ge, se *SyntaxError
	if errors.As(gerr, &ge) != errors.As(serr, &se) || ge != nil && *ge != *se {
		t.Fatalf("Parse(%q) error = %#v, slow path alone %#v", data, ge, se)
	}
	return ok
}

// dump shows a tree with every position, for failures.
func dump(n *Node) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	var walk func(n *Node)
	walk = func(n *Node) {
		fmt.Fprintf(&b, "%s@%d:%d(%q", n.Kind, n.Pos.Line, n.Pos.Col, n.Text)
		if n.Items != nil {
			b.WriteString(" [")
			for _, it := range n.Items {
				walk(it)
				b.WriteByte(' ')
			}
			b.WriteString("]")
		}
		for _, f := range n.Fields {
			fmt.Fprintf(&b, " %q@%d:%d=", f.Key, f.KeyPos.Line, f.KeyPos.Col)
			walk(f.Value)
		}
		b.WriteString(")")
	}
	walk(n)
	return b.String()
}

func TestParseFast(t *testing.T) {
	for _, s := range fastAccepts {
		if !checkFast(t, []byte(s)) {
			t.Errorf("fast path declined %q", s)
		}
	}
	for _, s := range fastDeclines {
		if checkFast(t, []byte(s)) {
			t.Errorf("fast path accepted %q", s)
		}
	}
}

// BenchmarkParse parses a policy document as preview does for each
// policy of a snapshot, on each path.
func BenchmarkParse(b *testing.B) {
	for _, d := range []struct{ name, src string }{
		{"minified", policyDoc},
		{"indented", string(mustParse(policyDoc).Indent())},
	} {
		data := []byte(d.src)
		b.Run(d.name+"/slow", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := parseSlow("x.json", data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(d.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse("x.json", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
