package cron

import (
	"fmt"
	"strconv"
	"strings"
)

// rangeText is the documented value range of field f, e.g. "1-7 or SUN-SAT".
func rangeText(f int) string {
	spec := &specs[f]
	s := fmt.Sprintf("%d-%d", spec.min, spec.max)
	if spec.names != nil {
		s += " or " + spec.names[0] + "-" + spec.names[len(spec.names)-1]
	}
	return s
}

// endText renders v as the field writes it in hints: names where the field
// has them, since a hint that mixes styles reads oddly.
func endText(v, f int) string {
	if n := specs[f].names; n != nil {
		return n[v-specs[f].min]
	}
	return strconv.Itoa(v)
}

// orig returns the text of t, a piece of whole, as the user wrote it; the
// parser works on an upper-cased copy.
func orig(whole, t token) string {
	return whole.text[t.off-whole.off:][:len(t.text)]
}

// replaceSpan returns whole's text with the byte range [from, to) of the
// expression replaced by s.
func replaceSpan(whole token, from, to int, s string) string {
	return whole.text[:from-whole.off] + s + whole.text[to-whole.off:]
}

func dropEmptyItems(s string) string {
	var keep []string
	for p := range strings.SplitSeq(s, ",") {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// trimZeros drops leading zeros so that strconv.Atoi sees at most a few
// digits; callers check the length of the original text for range errors.
func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	if len(t) > 9 {
		return "999999999"
	}
	return t
}

// asciiUpper upper-cases ASCII letters only, so byte offsets stay valid.
// Names are case-insensitive, as in Quartz.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
