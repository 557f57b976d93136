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
