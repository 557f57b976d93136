package cron

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return v
	}
	// 2026-03-15 is a Sunday.
	for _, tc := range []struct {
		expr, from, want string // want "" means no next run
	}{
		{"cron(0 5 ? * * *)", "2026-03-15T04:59:59Z", "2026-03-15T05:00:00Z"},
		{"cron(0 5 ? * * *)", "2026-03-15T05:00:00Z", "2026-03-16T05:00:00Z"}, // strictly after
		{"cron(0 5 ? * * *)", "2026-03-15T05:00:00.5Z", "2026-03-16T05:00:00Z"},
		{"cron(0 5 ? * * *)", "2026-12-31T23:00:00Z", "2027-01-01T05:00:00Z"},
		{"cron(5,55 * ? * * *)", "2026-03-15T12:05:00Z", "2026-03-15T12:55:00Z"},
		{"cron(0 23,0 ? * * *)", "2026-03-15T23:00:00Z", "2026-03-16T00:00:00Z"},
		{"cron(0 12 ? * MON-FRI *)", "2026-03-13T12:00:00Z", "2026-03-16T12:00:00Z"}, // Fri to Mon
		{"cron(0 5 L * ? *)", "2026-02-01T00:00:00Z", "2026-02-28T05:00:00Z"},
		{"cron(0 5 L * ? *)", "2024-02-01T00:00:00Z", "2024-02-29T05:00:00Z"},
		{"cron(0 5 LW * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T05:00:00Z"}, // May 31 is a Sunday
		{"cron(0 5 ? * 6#3 *)", "2026-03-01T00:00:00Z", "2026-03-20T05:00:00Z"},
		{"cron(0 5 ? * 6L *)", "2026-03-01T00:00:00Z", "2026-03-27T05:00:00Z"},
		{"cron(0 5 ? * 5#5 *)", "2026-01-30T00:00:00Z", "2026-04-30T05:00:00Z"}, // next month with 5 Thursdays
		{"cron(0 5 15W * ? *)", "2026-03-01T00:00:00Z", "2026-03-16T05:00:00Z"}, // 15th is a Sunday
		{"cron(0 5 15W * ? *)", "2026-08-01T00:00:00Z", "2026-08-14T05:00:00Z"}, // 15th is a Saturday
		{"cron(0 5 1W * ? *)", "2026-08-01T00:00:00Z", "2026-08-03T05:00:00Z"},  // 1st is a Saturday: stays in the month
		{"cron(0 5 31W * ? *)", "2026-05-01T00:00:00Z", "2026-05-29T05:00:00Z"}, // 31st is a Sunday: back to Friday
		{"cron(0 5 31W * ? *)", "2026-04-01T00:00:00Z", "2026-05-29T05:00:00Z"}, // April has no 31st
		{"cron(0 5 29 FEB ? *)", "2026-01-01T00:00:00Z", "2028-02-29T05:00:00Z"},
		{"cron(0 5 1 * ? 2020)", "2026-01-01T00:00:00Z", ""},
		{"cron(0 5 1 * ? *)", "2199-12-01T06:00:00Z", ""},
		{"cron(0 5 1 * ? *)", "1900-01-01T00:00:00Z", "1970-01-01T05:00:00Z"},
		{"cron(0 5 1 * ? *)", "2026-03-15T12:00:00+09:00", "2026-04-01T05:00:00Z"},
		{"rate(12 hours)", "2026-03-15T12:00:00Z", "2026-03-16T00:00:00Z"},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		got, ok := s.Next(at(tc.from))
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s: Next(%s) = %v, want none", tc.expr, tc.from, got)
		case tc.want != "" && (!ok || !got.Equal(at(tc.want))):
			t.Errorf("%s: Next(%s) = %v, %v, want %s", tc.expr, tc.from, got, ok, tc.want)
		case ok && got.Location() != time.UTC:
			t.Errorf("%s: Next returned %v, not UTC", tc.expr, got)
		}
	}
}

// TestAsCron checks the cron expression suggested for each rate: it must
// parse and keep AWS Backup's hour between runs when the rate does, and
// where AsCron says exact, run at exactly the rate.
func TestAsCron(t *testing.T) {
	for _, tc := range []struct {
		rate, want string
		exact      bool
	}{
		{"rate(1 minute)", "cron(* * ? * * *)", true},
		{"rate(15 minutes)", "cron(0/15 * ? * * *)", true},
		{"rate(45 minutes)", "cron(0 * ? * * *)", false},
		{"rate(60 minutes)", "cron(0 * ? * * *)", true},
		{"rate(90 minutes)", "cron(0 0/2 ? * * *)", false},
		{"rate(1 hour)", "cron(0 * ? * * *)", true},
		{"rate(12 hours)", "cron(0 0/12 ? * * *)", true},
		{"rate(5 hours)", "cron(0 0/6 ? * * *)", false},
		{"rate(24 hours)", "cron(0 0 ? * * *)", true},
		{"rate(1 day)", "cron(0 0 ? * * *)", true},
		{"rate(7 days)", "cron(0 0 ? * SUN *)", true},
		{"rate(3 days)", "cron(0 0 1/3 * ? *)", false},
		{"rate(90 days)", "cron(0 0 1 1/3 ? *)", false},
		{"rate(1000 days)", "cron(0 0 1 1 ? *)", false},
	} {
		s, err := Parse(tc.rate)
		if err != nil {
			t.Fatal(err)
		}
		got, exact, ok := s.AsCron()
		if !ok || got != tc.want || exact != tc.exact {
			t.Errorf("%s.AsCron() = %q, %v, %v; want %q, %v", tc.rate, got, exact, ok, tc.want, tc.exact)
			continue
		}
		c, err := Parse(got)
		if err != nil {
			t.Errorf("%s: suggestion %q does not parse: %v", tc.rate, got, err)
			continue
		}
		if s.MinInterval() >= time.Hour && c.MinInterval() < time.Hour {
			t.Errorf("%s: %q runs %v apart", tc.rate, got, c.MinInterval())
		}
		if tc.exact && c.MinInterval() != s.MinInterval() {
			t.Errorf("%s: exact %q runs %v apart", tc.rate, got, c.MinInterval())
		}
	}
	c, _ := Parse("cron(0 5 ? * * *)")
	if _, _, ok := c.AsCron(); ok {
		t.Error("AsCron of a cron schedule is ok")
	}
}
