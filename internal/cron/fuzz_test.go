package cron

import (
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

var validFields = map[string]bool{"": true, "minutes": true, "hours": true, "day-of-month": true,
	"month": true, "day-of-week": true, "year": true, "rate": true}

// FuzzParse checks Parse's invariants on arbitrary input: it never panics;
// errors are well-formed *Errors; a parsed schedule's canonical form parses
// to the same schedule; MinInterval is positive and no two consecutive runs
// are closer than it; Next moves strictly forward and is monotonic.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"cron(0 */1 * * ? *)", "cron(0/30 * ? * * *)", "cron(0 0/1 ? * * *)", "cron(5,55 * ? * * *)",
		"cron(0 23,0 ? * * *)", "cron(0 12 ? * MON-FRI *)", "cron(0 5 L * ? *)", "cron(0 5 ? * 6#3 *)",
		"cron(0 5 15W * ? *)", "cron(0 5 LW * ? *)", "cron(0 5 ? * 6L *)", "cron(0 5 * * *)",
		"cron(0 0 5 * * ? *)", "cron(0 5 30 FEB ? *)", "cron(0 5 ? * 0-4 *)", "cron(10-40/10 1-23/2 1/5 */3 ? 2026/2)",
		"cron(0 5 ? jan,jul fri#3 2026-2030)", "cron(0 22-2 ? * * *)", "cron(0 5 1 1 ? 2030)", "cron(0 5 1 * ? 2020)",
		"rate(1 hour)", "rate(5 hours)", "rate(1 hours)", "rate(30 minutes)", "rate(2 weeks)", "0 5 * * *",
		"", " cron(0 5 ? * * *)", "CRON(0 5 ? * * *)", "cron(é 5 ? * * *)", "cron(0 5 ? * 3#1,6#3 *)",
	}
	for i, s := range seeds {
		f.Add(s, int64(1_700_000_000+i*86_400*37), uint32(i*7919))
	}
	lo := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2210, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, expr string, sec int64, delta uint32) {
		s, err := Parse(expr)
		if err != nil {
			checkError(t, expr, err)
			return
		}
		canon := s.String()
		s2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok but its String %q fails: %v", expr, canon, err)
		}
		if s2.String() != canon || s2.MinInterval() != s.MinInterval() {
			t.Fatalf("%q -> %q -> %q: MinInterval %v vs %v", expr, canon, s2.String(), s.MinInterval(), s2.MinInterval())
		}
		if s.MinInterval() <= 0 {
			t.Fatalf("MinInterval(%q) = %v", expr, s.MinInterval())
		}
		_ = s.Describe()
		if e := s.CheckMinInterval(MinBackupInterval); e != nil {
			checkError(t, expr, e)
		}

		t1 := time.Unix(lo+(sec%(hi-lo)+(hi-lo))%(hi-lo), 0).UTC()
		t2 := t1.Add(time.Duration(delta) * time.Second)
		n1, ok1 := s.Next(t1)
		n2, ok2 := s.Next(t2)
		if ok1 && !n1.After(t1) {
			t.Fatalf("%q: Next(%v) = %v, not after", expr, t1, n1)
		}
		if ok2 && (!ok1 || n2.Before(n1)) {
			t.Fatalf("%q: not monotonic: Next(%v) = %v, %v but Next(%v) = %v, %v", expr, t1, n1, ok1, t2, n2, ok2)
		}
		if ok1 {
			if n3, ok3 := s.Next(n1); ok3 && n3.Sub(n1) < s.MinInterval() {
				t.Fatalf("%q: runs %v and %v are closer than MinInterval %v", expr, n1, n3, s.MinInterval())
			}
		}
	})
}

func checkError(t *testing.T, expr string, err error) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("Parse(%q) error is %T, not *Error", expr, err)
	}
	if e.Offset < 0 || e.Offset > utf8.RuneCountInString(expr) {
		t.Fatalf("Parse(%q): offset %d outside the expression", expr, e.Offset)
	}
	if !validFields[e.Field] {
		t.Fatalf("Parse(%q): unknown field %q", expr, e.Field)
	}
	if r, _ := utf8.DecodeRuneInString(e.Msg); e.Msg == "" || unicode.IsUpper(r) {
		t.Fatalf("Parse(%q): message %q is empty or capitalised", expr, e.Msg)
	}
}
