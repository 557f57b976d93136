package org

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// runeCount must count exactly as utf8.RuneCount does, invalid bytes and
// runes that straddle its eight-byte words included.
func TestRuneCountMatchesUTF8(t *testing.T) {
	cases := []string{
		"", "a", "abcdefg", "abcdefgh", "abcdefghi", "é", "aaaaaaaé", "aaaaaaaéaaaaaaaa",
		"日本語の名前", "\xff", "aaaaaaa\xffaaaaaaaa", "\xe6\x97", "aaaaaaa\xe6\x97", "\xf0\x9f\x98\x80aaaaaaaaaa",
	}
	pieces := []string{"a", "abcdefgh", "é", "日", "😀", "\xff", "\xe6\x97", "\x80", "\n"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var s string
		for range r.IntN(40) {
			s += pieces[r.IntN(len(pieces))]
		}
		cases = append(cases, s)
	}
	for _, s := range cases {
		if got, want := runeCount([]byte(s)), utf8.RuneCount([]byte(s)); got != want {
			t.Fatalf("runeCount(%q) = %d, utf8.RuneCount = %d", s, got, want)
		}
	}
}

func BenchmarkRuneCount(b *testing.B) {
	p := make([]byte, 1<<20)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	b.SetBytes(int64(len(p)))
	b.Run("runeCount", func(b *testing.B) {
		for b.Loop() {
			runeCount(p)
		}
	})
	b.Run("utf8", func(b *testing.B) {
		for b.Loop() {
			utf8.RuneCount(p)
		}
	})
}

// TestPositioner checks the positioner against counting from the start
// for every offset: lines and columns in characters, at offsets asked
// for in order (as the fast path does), and out of order.
func TestPositioner(t *testing.T) {
	pieces := []string{"a", "{", "abcdefgh", "é", "日", "😀", "\n", "\r\n", "\n\n", "\t"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		var s []byte
		var offs []int
		for range r.IntN(60) {
			if r.IntN(4) == 0 {
				offs = append(offs, len(s))
			}
			s = append(s, pieces[r.IntN(len(pieces))]...)
		}
		offs = append(offs, len(s))
		if r.IntN(3) == 0 {
			r.Shuffle(len(offs), func(i, j int) { offs[i], offs[j] = offs[j], offs[i] })
		}
		p := newPositioner("f", s)
		for _, off := range offs {
			line, start := 1, 0
			for i, c := range s[:off] {
				if c == '\n' {
					line, start = line+1, i+1
				}
			}
			col := 1 + utf8.RuneCount(s[start:off])
			if got := p.pos(off); got.File != "f" || got.Line != line || got.Col != col {
				t.Fatalf("pos(%d) in %q = %d:%d, want %d:%d", off, s, got.Line, got.Col, line, col)
			}
		}
	}
}
