package org

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// chunkSrc has accounts whose strings hold what a cut between two
// accounts looks like ("},{" and "} , {"), escapes, and nested "policies"
// objects, so that some cuts land inside a string or an account.
const chunkSrc = `{"format_version": "1",
"roots": [{"id": "r-ab12"}],
"organizational_units": [{"id": "ou-ab12-11111111", "name": "a},{b"}, {"id": "ou-ab12-22222222", "name": "c"}],
"accounts": [
  {"id": "111111111111", "name": "x},{\"id\":\"1\"}"},
  {"id": "222222222222", "name": "y} , {z", "parent_id": "ou-ab12-11111111", "policies": {"BACKUP_POLICY": ["p-11111111"], "TAG_POLICY": []}},
  {"id": "333333333333", "name": "\u00e9},{", "policies": {"BACKUP_POLICY": ["p-11111111"]}, "email": "a@b"},
  {"id": "444444444444", "parent_id": "ou-ab12-22222222", "policies": {}},
  {"id": "555555555555", "name": "},{}", "joined_timestamp": "2020-01-01T00:00:00Z"}
],
"policies": [{"id": "p-11111111", "name": "b},{", "type": "BACKUP_POLICY", "content": {"plans": {"a": {}}, "x": [{}, {}]}},
  {"id": "p-22222222", "name": "t", "type": "TAG_POLICY", "content": "{\"tags\": {}}"}]
}`

// TestAccountChunks cuts the accounts of chunkSrc, written in several
// ways (one line, Encode's indentation, odd indentation), at every comma
// of the file and at every pair of commas, and checks that decoding in
// chunks gives the accounts and end that decoding in one piece does, or
// fails: of the cuts inside the array, exactly those between two accounts
// work.
func TestAccountChunks(t *testing.T) {
	o, err := Parse("chunks.json", []byte(chunkSrc))
	if err != nil {
		t.Fatal(err)
	}
	var compact, tabs, odd bytes.Buffer
	for _, err := range []error{
		json.Compact(&compact, []byte(chunkSrc)),
		json.Indent(&tabs, []byte(chunkSrc), "", "\t"),
		json.Indent(&odd, []byte(chunkSrc), "   ", " \r\n "),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string][]byte{
		"as written": []byte(chunkSrc), "compact": compact.Bytes(), "encoded": o.Encode(),
		"tabs": tabs.Bytes(), "odd": odd.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			text := string(data)
			body := strings.Index(text, `"accounts"`)
			body += strings.IndexByte(text[body:], '[') + 1
			d := &fast{data: data, text: text, i: body - 1}
			want := list(d, (*fast).account)
			if d.bad || len(want) != 5 {
				t.Fatalf("decoding in one piece: bad %v, %d accounts", d.bad, len(want))
			}
			wantEnd := d.i
			var commas []int
			for i := body; i < len(data); i++ {
				if data[i] == ',' {
					commas = append(commas, i)
				}
			}
			check := func(cuts []int) bool {
				as, end, ok := decodeChunks(data, text, cuts)
				if ok && (end != wantEnd || !reflect.DeepEqual(as, want)) {
					t.Fatalf("cuts at %v: decoded %d accounts to %d, want %d to %d", cuts, len(as), end, len(want), wantEnd)
				}
				return ok
			}
			worked := 0
			for _, c := range commas {
				// A cut after the array's end works: the first chunk
				// reads the whole array.
				if check([]int{body, c}) && c < wantEnd {
					worked++
					if !elementComma(data, c) {
						t.Errorf("cut at %d, not between two accounts, worked", c)
					}
				}
			}
			if worked != len(want)-1 {
				t.Errorf("%d single cuts worked, want %d (one between each two accounts)", worked, len(want)-1)
			}
			for i, c := range commas {
				for _, c2 := range commas[i+1:] {
					check([]int{body, c, c2})
				}
			}
		})
	}
}

// TestAccountCutsWork checks that the cuts accountCuts picks in a
// snapshot of plain names, on one line and as Encode writes it, decode.
func TestAccountCutsWork(t *testing.T) {
	var src strings.Builder
	src.WriteString(`{"format_version":"1","roots":[{"id":"r-ab12"}],"accounts":[`)
	for i := range 200 {
		if i > 0 {
			src.WriteByte(',')
		}
		fmt.Fprintf(&src, `{"id":"%012d","name":"a%d","policies":{"BACKUP_POLICY":[]}}`, 100000000000+i, i)
	}
	src.WriteString(`],"policies":[]}`)
	o, err := Parse("cuts.json", []byte(src.String()))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"one line": []byte(src.String()), "encoded": o.Encode()} {
		text := string(data)
		body := strings.Index(text, `"accounts"`)
		body += strings.IndexByte(text[body:], '[') + 1
		cuts := accountCuts(data, body, 4)
		if len(cuts) != 4 {
			t.Fatalf("%s: cuts %v, want 4", name, cuts)
		}
		if as, _, ok := decodeChunks(data, text, cuts); !ok || len(as) != 200 {
			t.Errorf("%s: cuts %v decode %d accounts, ok %v; want 200", name, cuts, len(as), ok)
		}
	}
}

// TestAccountRanks checks the radix sort of sortAccounts and ranks against sorting
// by comparison, on ids of every sort: account ids, repeats, numbers too
// large for 64 bits, and no numbers at all.
func TestAccountRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var as []SnapshotAccount
	for i := range 5000 {
		id := fmt.Sprintf("%012d", r.Uint64N(1e12))
		switch i % 10 {
		case 1:
			id = as[r.IntN(len(as))].ID
		case 2:
			id = fmt.Sprint(r.Uint64())
		case 3:
			id = "99999999999999999999999"
		case 4:
			id = "x" + id
		}
		as = append(as, SnapshotAccount{ID: id})
	}
	type keyed struct {
		id uint64
		i  int
	}
	ks := make([]keyed, len(as))
	for i := range as {
		n, _ := strconv.ParseUint(as[i].ID, 10, 64)
		ks[i] = keyed{n, i}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.i, y.i)) })
	want := make([]int, len(as))
	for r, k := range ks {
		want[k.i] = r
	}
	if got := ranks(sortAccounts(as)); !slices.Equal(got, want) {
		t.Errorf("ranks(sortAccounts) differs from sorting by comparison")
	}
	if got := ranks(sortAccounts(nil)); len(got) != 0 {
		t.Errorf("ranks(sortAccounts(nil)) = %v", got)
	}
	for _, id := range []string{"", "0", "012345678901", "9999999999999999999", "18446744073709551615", "18446744073709551616", "-1", "+1", "1_0", "12a"} {
		if want, _ := strconv.ParseUint(id, 10, 64); idNumber(id) != want {
			t.Errorf("idNumber(%q) = %d, want %d", id, idNumber(id), want)
		}
	}
}

// TestFastStr checks the fast decoder's strings, read eight bytes at a
// time, against encoding/json: every length up to three words, with an
// escape, a control character, a multi-byte character, a byte that is not
// UTF-8 or the closing quote at every place.
func TestFastStr(t *testing.T) {
	for n := range 26 {
		for p := range n + 1 {
			for _, special := range []string{"", `\"`, `\\`, `\n`, `\u00e9`, "\x01", "\x1f", "é", "\xff", "~", " "} {
				body := strings.Repeat("a", p) + special + strings.Repeat("b", n-p)
				src := `"` + body + `"` + "   "
				d := &fast{data: []byte(src), text: src}
				got := d.str()
				var want string
				err := json.Unmarshal([]byte(src), &want)
				if !utf8.ValidString(body) {
					err = errors.New("not UTF-8") // encoding/json would replace it; the fast path gives up
				}
				switch {
				case err != nil && !d.bad:
					t.Errorf("str(%q) = %q, want a failure", src, got)
				case err == nil && (d.bad || got != want):
					t.Errorf("str(%q) = %q, bad %v; want %q", src, got, d.bad, want)
				case err == nil && d.i != len(src)-3:
					t.Errorf("str(%q) ends at %d, want %d", src, d.i, len(src)-3)
				}
				// A key is taken only as written: plain ASCII.
				src = `"` + body + `" :`
				d = &fast{data: []byte(src), text: src}
				k := d.key()
				plain := !strings.ContainsFunc(body, func(r rune) bool { return r < 0x20 || r == '\\' || r >= utf8.RuneSelf })
				switch {
				case plain && (d.bad || string(k) != body || d.i != len(src)):
					t.Errorf("key(%q) = %q, bad %v, at %d", src, k, d.bad, d.i)
				case !plain && !d.bad:
					t.Errorf("key(%q) = %q, want a failure", src, k)
				}
			}
		}
	}
}

// TestFastAccountFields checks that the fast decoder puts each member of
// an account, told apart by its index in accountKeys, where
// encoding/json puts it by the field's tag.
func TestFastAccountFields(t *testing.T) {
	var src strings.Builder
	src.WriteByte('{')
	for i, k := range accountKeys {
		if i > 0 {
			src.WriteByte(',')
		}
		if k == "policies" {
			fmt.Fprintf(&src, `%q:{"BACKUP_POLICY":["p-%d"]}`, k, i)
		} else {
			fmt.Fprintf(&src, `%q:"value %d"`, k, i)
		}
	}
	src.WriteByte('}')
	d := &fast{data: []byte(src.String()), text: src.String()}
	var got, want SnapshotAccount
	d.account(&got)
	if d.bad {
		t.Fatalf("decoding %s failed", src.String())
	}
	if err := json.Unmarshal([]byte(src.String()), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

// TestAccountChunksOutgrowRoom checks decoding in chunks where the first
// accounts are long and the later ones short, so that the room
// accountRoom makes from the first is too small for the later chunks,
// and the other way round: both decode what one piece does.
func TestAccountChunksOutgrowRoom(t *testing.T) {
	for _, longFirst := range []bool{true, false} {
		var src strings.Builder
		src.WriteString(`{"format_version":"1","roots":[{"id":"r-ab12"}],"accounts":[`)
		for i := range 3000 {
			if i > 0 {
				src.WriteByte(',')
			}
			name := "a"
			if (i < 300) == longFirst {
				name = strings.Repeat("n", 40)
			}
			fmt.Fprintf(&src, `{"id":"%012d","name":"%s%d"}`, 100000000000+i, name, i)
		}
		src.WriteString(`],"policies":[]}`)
		data := []byte(src.String())
		text := src.String()
		body := strings.Index(text, `"accounts"`)
		body += strings.IndexByte(text[body:], '[') + 1
		d := &fast{data: data, text: text, i: body - 1}
		want := list(d, (*fast).account)
		cuts := accountCuts(data, body, 4)
		_, parts := accountRoom(data, text, cuts)
		as, end, ok := decodeChunks(data, text, cuts)
		if !ok || end != d.i || !reflect.DeepEqual(as, want) {
			t.Errorf("long first %v: cuts %v, parts %v: decoded %d accounts to %d, ok %v; want %d to %d", longFirst, cuts, parts, len(as), end, ok, len(want), d.i)
		}
		// The room of the last chunk, sized from the long accounts, is
		// too small for the short ones.
		if longFirst && parts[4]-parts[3] >= len(want)/4 {
			t.Errorf("parts %v: the last chunk has room for its accounts; the test does not outgrow it", parts)
		}
	}
}

// TestAccountDups checks accountDups and accountByID against filing the
// accounts in a map one by one, as build did: on ids of every sort
// (repeats, ids of OUs, ids that spell the same number, empty and
// ill-typed ones), long runs of one number included.
func TestAccountDups(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ou := &Entity{Kind: OU, ID: "ou-ab12-11111111"}
	odd := &Entity{Kind: OU, ID: "000000000042"} // an OU with an account's id: build reports it
	var as []SnapshotAccount
	for i := range 3000 {
		id := fmt.Sprintf("%012d", r.Uint64N(1e12))
		switch i % 12 {
		case 1, 2:
			id = as[r.IntN(len(as))].ID
		case 3:
			id = fmt.Sprint(r.Uint64N(50)) // same numbers, other spellings
		case 4:
			id = fmt.Sprintf("%013d", r.Uint64N(50))
		case 5:
			id = "x" + fmt.Sprint(r.IntN(40)) // number 0: one long run
		case 6:
			id = []string{ou.ID, odd.ID, ""}[r.IntN(3)]
		}
		a := SnapshotAccount{ID: id}
		if i%50 == 7 {
			a.loc = &loc{bad: map[string]bool{"id": true}}
		}
		as = append(as, a)
	}
	b := &builder{o: &Org{byID: map[string]*Entity{ou.ID: ou, odd.ID: odd}}, accts: as}
	b.sorted = sortAccounts(as)
	b.accounts = make([]Entity, len(as))
	rank := ranks(b.sorted)

	byID := maps.Clone(b.o.byID)
	var want []dup
	for i := range as {
		a := &as[i]
		if a.ID == "" || a.loc.isBad("id") {
			continue
		}
		if first, ok := byID[a.ID]; ok {
			want = append(want, dup{i, first})
			continue
		}
		byID[a.ID] = &b.accounts[rank[i]]
	}
	if got := b.accountDups(); !slices.Equal(got, want) {
		t.Errorf("accountDups: %d duplicates, want %d", len(got), len(want))
	}
	for _, id := range append(slices.Collect(maps.Keys(byID)), "", "1", "x", "999999999999") {
		if got := b.entity(id); got != byID[id] {
			t.Errorf("entity(%q) = %p, want %p", id, got, byID[id])
		}
	}
}

// TestFastRepeatedKey checks that the fast decoder refuses a key written
// twice in an account when its guess of the next key (learned from the
// accounts before) is that key.
func TestFastRepeatedKey(t *testing.T) {
	for src, ok := range map[string]bool{
		`[{"name":"a","id":"1"},{"id":"2","name":"b"}]`:            true,
		`[{"name":"a","id":"1"},{"id":"2","name":"b","id":"3"}]`:   false,
		`[{"name":"a","id":"1"},{"name":"b","id":"2","name":"c"}]`: false,
	} {
		d := &fast{data: []byte(src), text: src}
		as := list(d, (*fast).account)
		if d.bad == ok || ok && len(as) != 2 {
			t.Errorf("%s: decoded %d accounts, bad %v", src, len(as), d.bad)
		}
	}
}
