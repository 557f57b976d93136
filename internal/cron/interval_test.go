package cron

import (
	"math"
	"testing"
	"time"
)

const day = 24 * time.Hour

var intervalCases = []struct {
	expr string
	want time.Duration
}{
	{"cron(0 */1 * * ? *)", time.Hour},
	{"cron(0/30 * ? * * *)", 30 * time.Minute},
	{"cron(0 0/1 ? * * *)", time.Hour},
	{"cron(5,55 * ? * * *)", 10 * time.Minute}, // :55 to :05 of the next hour
	{"cron(0 23,0 ? * * *)", time.Hour},        // 23:00 to 00:00 across midnight
	{"cron(0 12 ? * MON-FRI *)", day},
	{"cron(0 5 L * ? *)", 28 * day},   // Jan 31 to Feb 28
	{"cron(0 5 ? * 6#3 *)", 28 * day}, // third Fridays fall on the 15th-21st
	{"cron(0 5 15W * ? *)", 28 * day},
	{"cron(0 5 LW * ? *)", 28 * day},
	{"cron(0 5 ? * 6L *)", 28 * day},
	{"cron(0 5 ? * * *)", day},
	{"cron(15 * ? * * *)", time.Hour},
	{"cron(0 0/6 ? * * *)", 6 * time.Hour},
	{"cron(0 9,21 ? * * *)", 12 * time.Hour},
	{"cron(0 1,2,23 ? * * *)", time.Hour},
	{"cron(30 22 ? * * *)", day},
	{"cron(0/10 8-17 ? * MON-FRI *)", 10 * time.Minute},
	{"cron(50 8,9 ? * * *)", time.Hour},
	{"cron(0,50 8,10 ? * * *)", 50 * time.Minute},           // 08:50 and 10:00 are 70 apart, 08:00-08:50 is 50
	{"cron(0 0,23 ? * * *)", time.Hour},                     // same set as 23,0
	{"cron(59 23 ? * * *)", day},                            // wrap alone
	{"cron(0 0 ? * SAT,SUN *)", day},                        // Saturday to Sunday
	{"cron(0 0 ? * MON,THU *)", 3 * day},                    // Mon-Thu 3, Thu-Mon 4
	{"cron(0 12 1,15 * ? *)", 14 * day},                     // 1st to 15th, and Feb 15 to Mar 1 in a common year
	{"cron(0 12 1 * ? *)", 28 * day},                        // Feb 1 to Mar 1
	{"cron(0 12 1 JAN ? *)", 365 * day},                     // yearly
	{"cron(0 12 29 FEB ? *)", 1461 * day},                   // leap days; 2096 to 2104 is longer
	{"cron(0 12 1 JAN ? 2026,2028)", 730 * day},             // 2026-01-01 to 2028-01-01
	{"cron(0 12 31 * ? *)", 31 * day},                       // Jul 31 to Aug 31
	{"cron(0 12 1 * ? 2020)", 29 * day},                     // past years still have gaps
	{"cron(0 12 1 1 ? 2030)", time.Duration(math.MaxInt64)}, // runs once
	{"rate(1 hour)", time.Hour},
	{"rate(30 minutes)", 30 * time.Minute},
	{"rate(7 days)", 7 * day},
}

func TestMinInterval(t *testing.T) {
	for _, tc := range intervalCases {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := s.MinInterval(); got != tc.want {
			t.Errorf("MinInterval(%q) = %v, want %v", tc.expr, got, tc.want)
		}
	}
}

// TestMinIntervalMatchesRuns checks MinInterval against the gaps between the
// runs Next produces, over 1970-2199 or enough of it. The two are computed in
// unrelated ways, so agreement is good evidence both are right.
func TestMinIntervalMatchesRuns(t *testing.T) {
	for _, tc := range intervalCases {
		s, err := Parse(tc.expr)
		if err != nil || s.IsRate() {
			continue
		}
		// Sub-daily schedules repeat daily; a few years cover every
		// weekday and month-length combination they can meet.
		from, to := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
		if s.MinInterval() < day {
			from, to = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		got := bruteMinGap(s, from, to)
		if got != s.MinInterval() {
			t.Errorf("%s: smallest gap between runs is %v, MinInterval says %v", tc.expr, got, s.MinInterval())
		}
	}
}

func bruteMinGap(s *Schedule, from, to time.Time) time.Duration {
	best := time.Duration(math.MaxInt64)
	prev, ok := s.Next(from.Add(-time.Minute))
	for ok && prev.Before(to) {
		next, ok2 := s.Next(prev)
		if !ok2 || !next.Before(to) {
			break
		}
		best = min(best, next.Sub(prev))
		prev = next
	}
	return best
}

func TestCheckMinInterval(t *testing.T) {
	for _, tc := range []struct {
		expr    string
		atLeast time.Duration
		want    *Error
	}{
		{"cron(0 * ? * * *)", MinBackupInterval, nil},
		{"cron(0 23,0 ? * * *)", MinBackupInterval, nil},
		{"rate(1 hour)", MinBackupInterval, nil},
		{"cron(0/30 * ? * * *)", MinBackupInterval, &Error{Offset: 5, Field: "minutes",
			Msg:  "minutes: runs can be as little as 30 minutes apart, less than the required 1 hour",
			Hint: `AWS Backup rejects schedules with less than 60 minutes between backup jobs; select a single minute so that each selected hour runs once; use "cron(0 * ? * * *)"`}},
		{"cron(5,55 8-17 ? * MON-FRI *)", MinBackupInterval, &Error{Offset: 5, Field: "minutes",
			Msg:  "minutes: runs can be as little as 10 minutes apart, less than the required 1 hour",
			Hint: `AWS Backup rejects schedules with less than 60 minutes between backup jobs; select a single minute so that each selected hour runs once; use "cron(5 8-17 ? * MON-FRI *)"`}},
		{"rate(30 minutes)", MinBackupInterval, &Error{Offset: 5, Field: "rate",
			Msg:  "rate: runs can be as little as 30 minutes apart, less than the required 1 hour",
			Hint: `AWS Backup rejects schedules with less than 60 minutes between backup jobs; use "rate(1 hour)"`}},
		{"cron(0 23,0 ? * * *)", 12 * time.Hour, &Error{Offset: 7, Field: "hours",
			Msg:  "hours: runs can be as little as 1 hour apart, less than the required 12 hours",
			Hint: "space the selected hours at least 12 hours apart, including across midnight"}},
		{"cron(0 5 ? * MON-FRI *)", 2 * day, &Error{Offset: 13, Field: "day-of-week",
			Msg:  "day-of-week: runs can be as little as 1 day apart, less than the required 2 days",
			Hint: "space the selected days at least 2 days apart"}},
		{"cron(0 5 1,2 * ? *)", 7 * day, &Error{Offset: 9, Field: "day-of-month",
			Msg:  "day-of-month: runs can be as little as 1 day apart, less than the required 7 days",
			Hint: "space the selected days at least 7 days apart"}},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		err = s.CheckMinInterval(tc.atLeast)
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("CheckMinInterval(%q, %v) = %v, want nil", tc.expr, tc.atLeast, err)
		case tc.want != nil && err == nil:
			t.Errorf("CheckMinInterval(%q, %v) = nil, want an error", tc.expr, tc.atLeast)
		case tc.want != nil && *err.(*Error) != *tc.want:
			t.Errorf("CheckMinInterval(%q, %v):\n got  %#v\n want %#v", tc.expr, tc.atLeast, *err.(*Error), *tc.want)
		}
	}
}

// TestMinDayGapCalendarOnly checks minDayGap's shortcut for schedules that
// run every year and name no weekday (it walks 1970-1977) against walking
// every year AWS allows, over day-of-month and month fields that make the
// gaps depend on month lengths and leap years.
func TestMinDayGapCalendarOnly(t *testing.T) {
	doms := []string{"1", "15", "28", "29", "30", "31", "L", "29,30", "1,31", "30,31", "28-31", "1/10", "29/2", "*", "31,1"}
	months := []string{"*", "2", "1,3", "2,3", "12", "2/12", "1/2", "JAN,FEB", "4,6,9,11", "2,4"}
	n := 0
	for _, dom := range doms {
		for _, mon := range months {
			for _, dow := range []string{"?", "*"} {
				if dom == "*" && dow == "*" {
					continue // AWS needs one of the day fields to be "?"
				}
				expr := "cron(0 5 " + dom + " " + mon + " " + dow + " *)"
				s, err := Parse(expr)
				if err != nil {
					continue
				}
				if !s.cron.calendarOnly() {
					t.Errorf("%s: not calendar-only", expr)
					continue
				}
				n++
				if got, want := s.cron.minDayGap(), s.cron.minDayGapUntil(maxYear); got != want {
					t.Errorf("%s: minDayGap = %d, walking 1970-%d gives %d", expr, got, maxYear, want)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d schedules parsed; the table is wrong", n)
	}
	for _, expr := range []string{"cron(0 5 15W * ? *)", "cron(0 5 LW * ? *)", "cron(0 5 ? * 6L *)", "cron(0 5 ? * MON *)", "cron(0 5 1 * ? 2030-2040)"} {
		s, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if s.cron.calendarOnly() {
			t.Errorf("%s: calendar-only, but which days it runs on depends on more than the month", expr)
		}
	}
}

// TestMinDayGapWeekdayFloor checks the early stop for schedules chosen by
// weekday (dayGapFloor) against walking every run day of 1970-2199, over
// weekday sets whose steps wrap round the week, month sets that put gaps
// across months and years, and year ranges.
func TestMinDayGapWeekdayFloor(t *testing.T) {
	walk := func(c *cronSpec) int {
		best, prev := none, -1
		c.eachRunDayUntil(minYear, 1, 1, maxYear, func(_, _, d int, m month) bool {
			day := m.epochDay + d - 1
			if prev >= 0 {
				best = min(best, day-prev)
			}
			prev = day
			return best > 1
		})
		return best
	}
	dows := []string{"1", "7", "MON", "1,7", "2,6", "1,4", "2-6", "3/3", "1,3,5", "*"}
	months := []string{"*", "2", "1,3", "2/12", "12"}
	years := []string{"*", "2030", "1999,2000", "2099-2101"}
	n, floored := 0, 0
	for _, dow := range dows {
		for _, mon := range months {
			for _, yr := range years {
				expr := "cron(0 5 ? " + mon + " " + dow + " " + yr + ")"
				s, err := Parse(expr)
				if err != nil {
					t.Fatalf("%s: %v", expr, err)
				}
				n++
				if f := s.cron.dayGapFloor(); f > 1 {
					floored++
				}
				if got, want := s.cron.minDayGapUntil(maxYear), walk(s.cron); got != want {
					t.Errorf("%s: minDayGapUntil = %d, walking 1970-%d gives %d", expr, got, maxYear, want)
				}
			}
		}
	}
	if floored < n/2 {
		t.Fatalf("only %d of %d schedules stop early; the table is wrong", floored, n)
	}
	for expr, want := range map[string]int{"cron(0 5 ? * MON *)": 7, "cron(0 5 ? * 1,7 *)": 1, "cron(0 5 ? * 2,6 *)": 3, "cron(0 5 15 * ? *)": 1, "cron(0 5 ? * 2#1 *)": 1} {
		s, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.cron.dayGapFloor(); got != want {
			t.Errorf("%s: dayGapFloor = %d, want %d", expr, got, want)
		}
	}
}
