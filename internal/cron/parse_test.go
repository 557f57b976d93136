package cron

import (
	"strings"
	"testing"
)

// TestParseValid checks that every documented form of every field parses, and
// pins the canonical String of each.
func TestParseValid(t *testing.T) {
	for _, tc := range []struct{ expr, canon string }{
		// minutes
		{"cron(0 5 ? * * *)", "cron(0 5 ? * * *)"},
		{"cron(59 5 ? * * *)", "cron(59 5 ? * * *)"},
		{"cron(05 5 ? * * *)", "cron(5 5 ? * * *)"},
		{"cron(0/15 * ? * * *)", "cron(0/15 * ? * * *)"},
		{"cron(*/15 * ? * * *)", "cron(0/15 * ? * * *)"},
		{"cron(1/10 * ? * * *)", "cron(1/10 * ? * * *)"},
		{"cron(5,55 * ? * * *)", "cron(5,55 * ? * * *)"},
		{"cron(10-20 * ? * * *)", "cron(10-20 * ? * * *)"},
		{"cron(10-40/10 * ? * * *)", "cron(10-40/10 * ? * * *)"},
		{"cron(0,1,2,30 * ? * * *)", "cron(0-2,30 * ? * * *)"},
		{"cron(* * ? * * *)", "cron(* * ? * * *)"},
		// hours
		{"cron(0 */1 * * ? *)", "cron(0 * * * ? *)"},
		{"cron(0 0/1 ? * * *)", "cron(0 * ? * * *)"},
		{"cron(0 23 ? * * *)", "cron(0 23 ? * * *)"},
		{"cron(0 9-17 ? * * *)", "cron(0 9-17 ? * * *)"},
		{"cron(0 0,12 ? * * *)", "cron(0 0/12 ? * * *)"},
		{"cron(0 9,21 ? * * *)", "cron(0 9,21 ? * * *)"},
		{"cron(0 1-23/2 ? * * *)", "cron(0 1/2 ? * * *)"},
		{"cron(0 23,0 ? * * *)", "cron(0 0,23 ? * * *)"},
		// day-of-month
		{"cron(0 5 1 * ? *)", "cron(0 5 1 * ? *)"},
		{"cron(0 5 31 * ? *)", "cron(0 5 31 * ? *)"},
		{"cron(0 5 1-15 * ? *)", "cron(0 5 1-15 * ? *)"},
		{"cron(0 5 1/5 * ? *)", "cron(0 5 1/5 * ? *)"},
		// Steps of the whole span: Quartz rejects only increments above
		// 31 days, 12 months and 7 weekdays. AWS's Landing Zone
		// Accelerator reference backup policy runs "cron(0 8 1 */12 ? *)".
		{"cron(0 5 1/31 * ? *)", "cron(0 5 1 * ? *)"},
		{"cron(0 8 1 */12 ? *)", "cron(0 8 1 JAN ? *)"},
		{"cron(0 5 ? * 2/7 *)", "cron(0 5 ? * MON *)"},
		{"cron(0 5 L * ? *)", "cron(0 5 L * ? *)"},
		{"cron(0 5 l * ? *)", "cron(0 5 L * ? *)"},
		{"cron(0 5 LW * ? *)", "cron(0 5 LW * ? *)"},
		{"cron(0 5 15W * ? *)", "cron(0 5 15W * ? *)"},
		{"cron(0 5 1w * ? *)", "cron(0 5 1W * ? *)"},
		{"cron(0 5 ? * * *)", "cron(0 5 ? * * *)"},
		// month
		{"cron(0 5 1 1 ? *)", "cron(0 5 1 JAN ? *)"},
		{"cron(0 5 1 DEC ? *)", "cron(0 5 1 DEC ? *)"},
		{"cron(0 5 1 jan-mar ? *)", "cron(0 5 1 JAN-MAR ? *)"},
		{"cron(0 5 1 JAN,Jul ? *)", "cron(0 5 1 JAN,JUL ? *)"},
		{"cron(0 5 1 */3 ? *)", "cron(0 5 1 JAN,APR,JUL,OCT ? *)"},
		{"cron(0 5 1 1-6/2 ? *)", "cron(0 5 1 JAN,MAR,MAY ? *)"},
		// day-of-week
		{"cron(0 5 ? * 1 *)", "cron(0 5 ? * SUN *)"},
		{"cron(0 5 ? * 7 *)", "cron(0 5 ? * SAT *)"},
		{"cron(0 12 ? * MON-FRI *)", "cron(0 12 ? * MON-FRI *)"},
		{"cron(0 12 ? * mon,wed,fri *)", "cron(0 12 ? * MON,WED,FRI *)"},
		{"cron(0 12 ? * 2/2 *)", "cron(0 12 ? * MON,WED,FRI *)"},
		{"cron(0 5 ? * L *)", "cron(0 5 ? * SAT *)"},
		{"cron(0 5 ? * 6L *)", "cron(0 5 ? * 6L *)"},
		{"cron(0 5 ? * fril *)", "cron(0 5 ? * 6L *)"},
		{"cron(0 5 ? * 6#3 *)", "cron(0 5 ? * 6#3 *)"},
		{"cron(0 5 ? * FRI#3 *)", "cron(0 5 ? * 6#3 *)"},
		{"cron(0 5 ? * 2#1 *)", "cron(0 5 ? * 2#1 *)"},
		{"cron(0 5 * * ? *)", "cron(0 5 * * ? *)"},
		// year
		{"cron(0 5 ? * * 2026)", "cron(0 5 ? * * 2026)"},
		{"cron(0 5 ? * * 1970)", "cron(0 5 ? * * 1970)"},
		{"cron(0 5 ? * * 2199)", "cron(0 5 ? * * 2199)"},
		{"cron(0 5 ? * * 2026-2030)", "cron(0 5 ? * * 2026-2030)"},
		{"cron(0 5 ? * * 2026/2)", "cron(0 5 ? * * 2026/2)"},
		{"cron(0 5 ? * * 2026,2028)", "cron(0 5 ? * * 2026,2028)"},
		// white space between fields is free-form
		{"cron(0  5\t? * * *)", "cron(0 5 ? * * *)"},
		{"cron( 0 5 ? * * * )", "cron(0 5 ? * * *)"},
		// rate
		{"rate(1 minute)", "rate(1 minute)"},
		{"rate(5 minutes)", "rate(5 minutes)"},
		{"rate(1 hour)", "rate(1 hour)"},
		{"rate(12 hours)", "rate(12 hours)"},
		{"rate(1 day)", "rate(1 day)"},
		{"rate(7 days)", "rate(7 days)"},
		{"rate(007 days)", "rate(7 days)"},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := s.String(); got != tc.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.expr, got, tc.canon)
		}
		if again, err := Parse(s.String()); err != nil || again.String() != s.String() {
			t.Errorf("canonical form %q does not round-trip: %v", s.String(), err)
		}
	}
}

// TestParseErrors pins the complete Error of each invalid form: where it
// points, which field it blames, what it says and how it suggests fixing it.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		expr      string
		offset    int
		field     string
		msg, hint string
	}{
		{"", 0, "",
			"schedule expression is empty",
			"write a cron or rate expression, e.g. \"cron(0 5 ? * * *)\" (daily at 05:00 UTC, AWS Backup's default)"},
		{" cron(0 5 ? * * *)", 0, "",
			"unexpected white space before the expression",
			"remove it; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 ? * * *) ", 17, "",
			"unexpected white space after the expression",
			"remove it; use \"cron(0 5 ? * * *)\""},
		{"0 5 * * *", 0, "",
			"expected \"cron(…)\" or \"rate(…)\"",
			"AWS schedule expressions wrap the fields in cron(…) and need six fields with \"?\" in day-of-month or day-of-week; use \"cron(0 5 * * ? *)\""},
		{"0 5 ? * * *", 0, "",
			"expected \"cron(…)\" or \"rate(…)\"",
			"AWS schedule expressions wrap the fields in cron(…); use \"cron(0 5 ? * * *)\""},
		{"cron 0 5 ? * * *", 0, "",
			"expected \"cron(…)\" or \"rate(…)\"",
			"AWS schedule expressions wrap the fields in cron(…); use \"cron(0 5 ? * * *)\""},
		{"rate 1 hour", 0, "",
			"expected \"cron(…)\" or \"rate(…)\"",
			"AWS schedule expressions wrap the value and unit in rate(…); use \"rate(1 hour)\""},
		{"CRON(0 5 ? * * *)", 0, "",
			"\"CRON\" must be lower-case",
			"use \"cron(0 5 ? * * *)\""},
		{"cron (0 5 ? * * *)", 4, "",
			"unexpected space between \"cron\" and \"(\"",
			"use \"cron(0 5 ? * * *)\""},
		{"at(2026-01-01T00:00:00)", 0, "",
			"one-time \"at(…)\" schedules are not supported for backup rules",
			"use a recurring cron or rate expression, e.g. \"cron(0 5 ? * * *)\" (daily at 05:00 UTC, AWS Backup's default)"},
		{"every(1 day)", 0, "",
			"unknown schedule type \"every\"; expected \"cron(…)\" or \"rate(…)\"",
			"e.g. \"cron(0 5 ? * * *)\" (daily at 05:00 UTC, AWS Backup's default)"},
		{"cron(0 5 ? * * *", 16, "",
			"missing \")\" at the end",
			"close the expression with \")\"; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 ? * * *)x", 17, "",
			"unexpected text after \")\"",
			"the expression must end with \")\"; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 (? * * *)", 9, "",
			"unexpected \"(\" inside the expression",
			"only the outer \"cron(…)\" or \"rate(…)\" has parentheses"},
		{"cron(é 5", 8, "",
			"missing \")\" at the end",
			"close the expression with \")\""},
		{"cron(0 5 * * *)", 14, "",
			"cron expressions need 6 fields, got 5 (this looks like a 5-field Unix cron expression)",
			"AWS adds a year field and needs \"?\" in day-of-month or day-of-week; use \"cron(0 5 * * ? *)\""},
		{"cron(*/15 * * * 1-5)", 19, "",
			"cron expressions need 6 fields, got 5 (this looks like a 5-field Unix cron expression)",
			"AWS adds a year field and needs \"?\" in day-of-month or day-of-week; use \"cron(*/15 * ? * 2-6 *)\""},
		{"cron(0 5 1 * 1)", 14, "",
			"cron expressions need 6 fields, got 5 (this looks like a 5-field Unix cron expression)",
			"AWS uses minutes hours day-of-month month day-of-week year, with \"?\" in day-of-month or day-of-week; Unix cron runs when either day field matches, which AWS cannot express, so keep one, e.g. \"cron(0 5 1 * ? *)\" or \"cron(0 5 ? * 2 *)\""},
		{"cron(0 0 5 * * ? *)", 5, "",
			"cron expressions need 6 fields, got 7 (the first looks like a seconds field)",
			"AWS has no seconds field; drop it; use \"cron(0 5 * * ? *)\""},
		{"cron(0 5 ? *)", 12, "",
			"cron expressions need 6 fields, got 4",
			"AWS uses minutes hours day-of-month month day-of-week year, with \"?\" in day-of-month or day-of-week, e.g. \"cron(0 5 ? * * *)\""},
		{"cron()", 5, "",
			"cron expressions need 6 fields, got 0",
			"AWS uses minutes hours day-of-month month day-of-week year, with \"?\" in day-of-month or day-of-week, e.g. \"cron(0 5 ? * * *)\""},
		{"cron(0 5 ? * * * * *)", 17, "",
			"cron expressions need 6 fields, got 8",
			"AWS uses minutes hours day-of-month month day-of-week year, with \"?\" in day-of-month or day-of-week, e.g. \"cron(0 5 ? * * *)\""},
		{"cron(60 * ? * * *)", 5, "minutes",
			"minutes: 60 is out of range 0-59",
			"minutes run 0-59; the top of the hour is 0; use \"cron(0 * ? * * *)\""},
		{"cron(-1 * ? * * *)", 5, "minutes",
			"minutes: \"-1\" is missing the start of its range",
			"values are never negative; minutes accepts 0-59"},
		{"cron(0/0 * ? * * *)", 7, "minutes",
			"minutes: step 0 is out of range 1-59",
			"a step must be at least 1; use \"cron(0 * ? * * *)\""},
		{"cron(0/60 * ? * * *)", 7, "minutes",
			"minutes: step 60 is out of range 1-59",
			"a step of 60 or more only ever matches the start minute; to run once an hour use a single minute such as \"0\"; use \"cron(0 * ? * * *)\""},
		{"cron(*/ * ? * * *)", 7, "minutes",
			"minutes: missing step after \"/\"",
			"write e.g. \"*/15\""},
		{"cron(0/x * ? * * *)", 7, "minutes",
			"minutes: step \"x\" is not a number",
			"a step is a whole number, as in \"0/15\""},
		{"cron(1,,2 * ? * * *)", 7, "minutes",
			"minutes: empty item in list",
			"remove the extra comma; use \"cron(1,2 * ? * * *)\""},
		{"cron(1, * ? * * *)", 7, "minutes",
			"minutes: empty item in list",
			"remove the extra comma; use \"cron(1 * ? * * *)\""},
		{"cron(? * ? * * *)", 5, "minutes",
			"minutes: \"?\" is only allowed in day-of-month and day-of-week",
			"use \"*\" for every value; use \"cron(* * ? * * *)\""},
		{"cron(L * ? * * *)", 5, "minutes",
			"minutes: \"L\" is not a valid value",
			"\"L\" and \"W\" are only allowed in day-of-month and day-of-week"},
		{"cron(5% * ? * * *)", 6, "minutes",
			"minutes: unexpected character '%'",
			"minutes accepts values 0-59 and the wildcards , - * /"},
		{"cron(5-1 * ? * * *)", 5, "minutes",
			"minutes: range \"5-1\" runs backwards",
			"ranges must go from low to high; to wrap around write \"5-59,0-1\"; use \"cron(5-59,0-1 * ? * * *)\""},
		{"cron(*-5 * ? * * *)", 5, "minutes",
			"minutes: \"*\" cannot start a range",
			"write the range with two values, e.g. \"0-59\", or use \"*\" alone"},
		{"cron(1- * ? * * *)", 7, "minutes",
			"minutes: missing end of range",
			"write both ends, e.g. \"1-59\""},
		{"cron(1-2-3 * ? * * *)", 8, "minutes",
			"minutes: \"1-2-3\" has more than one \"-\"",
			"a range has two ends, e.g. \"1-5\""},
		{"cron(/5 * ? * * *)", 5, "minutes",
			"minutes: missing value before \"/\"",
			"write e.g. \"0/15\" to start at 0 and repeat every 15"},
		{"cron(0x * ? * * *)", 5, "minutes",
			"minutes: \"0x\" is not a valid value",
			"minutes accepts values 0-59"},
		{"cron(99999 * ? * * *)", 5, "minutes",
			"minutes: 99999 is out of range 0-59",
			"minutes run 0-59"},
		{"cron(é 5 ? * * *)", 5, "minutes",
			"minutes: unexpected character 'é'",
			"minutes accepts values 0-59 and the wildcards , - * /"},
		{"cron(0 24 ? * * *)", 7, "hours",
			"hours: 24 is out of range 0-23",
			"hours run 0-23 in UTC; midnight is 0; use \"cron(0 0 ? * * *)\""},
		{"cron(0 0/24 ? * * *)", 9, "hours",
			"hours: step 24 is out of range 1-23",
			"a step of 24 or more only ever matches the start hour; to run once a day use a single hour such as \"5\"; use \"cron(0 0 ? * * *)\""},
		{"cron(0 # ? * * *)", 7, "hours",
			"hours: \"#\" is only allowed in day-of-week",
			"for the n-th weekday of the month put e.g. \"6#3\" (third Friday) in day-of-week and \"?\" in day-of-month"},
		{"cron(0 MON ? * * *)", 7, "hours",
			"hours: \"MON\" is not a valid value",
			"hours accepts values 0-23"},
		{"cron(0 23-1 ? * * *)", 7, "hours",
			"hours: range \"23-1\" runs backwards",
			"ranges must go from low to high; to wrap around write \"23,0-1\"; use \"cron(0 23,0-1 ? * * *)\""},
		{"cron(0 5 0 * ? *)", 9, "day-of-month",
			"day-of-month: 0 is out of range 1-31",
			"days of the month run 1-31; use \"L\" for the last day of the month"},
		{"cron(0 5 32 * ? *)", 9, "day-of-month",
			"day-of-month: 32 is out of range 1-31",
			"days of the month run 1-31; use \"L\" for the last day of the month"},
		{"cron(0 5 32W * ? *)", 9, "day-of-month",
			"day-of-month: 32 is out of range 1-31",
			"days of the month run 1-31; use \"L\" for the last day of the month"},
		{"cron(0 5 L-3 * ? *)", 9, "day-of-month",
			"day-of-month: \"L-3\" (days before the last day) is not supported by AWS",
			"use \"L\" for the last day of the month or a fixed day number"},
		{"cron(0 5 W * ? *)", 9, "day-of-month",
			"day-of-month: \"W\" needs a day number before it",
			"\"15W\" is the weekday nearest the 15th; \"LW\" is the last weekday of the month"},
		{"cron(0 5 1,L * ? *)", 11, "day-of-month",
			"day-of-month: \"L\" and \"W\" cannot be combined with other days",
			"use a single form such as \"L\", \"LW\" or \"15W\""},
		{"cron(0 5 15W,20 * ? *)", 11, "day-of-month",
			"day-of-month: \"L\" and \"W\" cannot be combined with other days",
			"use a single form such as \"L\", \"LW\" or \"15W\""},
		{"cron(0 5 1# * ? *)", 10, "day-of-month",
			"day-of-month: \"#\" is only allowed in day-of-week",
			"for the n-th weekday of the month put e.g. \"6#3\" (third Friday) in day-of-week and \"?\" in day-of-month"},
		{"cron(0 5 ?1 * ? *)", 9, "day-of-month",
			"day-of-month: \"?\" must be the whole field",
			"\"?\" means \"any\" and cannot be combined with other values"},
		{"cron(0 5 5L * ? *)", 9, "day-of-month",
			"day-of-month: \"5L\" is not valid here",
			"\"L\" alone is the last day of the month; \"5L\" (the last Thursday of the month) belongs in day-of-week, with \"?\" in day-of-month"},
		{"cron(0 5 30 2 ? *)", 9, "day-of-month",
			"day-of-month: no date matches \"30\" in month \"2\" and year \"*\", so the schedule never runs",
			"check the day against the length of the chosen months (FEB has 28 or 29 days); \"L\" selects the last day of any month"},
		{"cron(0 5 31 APR,JUN ? *)", 9, "day-of-month",
			"day-of-month: no date matches \"31\" in month \"APR,JUN\" and year \"*\", so the schedule never runs",
			"check the day against the length of the chosen months (FEB has 28 or 29 days); \"L\" selects the last day of any month"},
		{"cron(0 5 29 2 ? 2025)", 9, "day-of-month",
			"day-of-month: no date matches \"29\" in month \"2\" and year \"2025\", so the schedule never runs",
			"check the day against the length of the chosen months (FEB has 28 or 29 days); \"L\" selects the last day of any month"},
		{"cron(0 5 ? 0 * *)", 11, "month",
			"month: 0 is out of range 1-12",
			"months run 1-12 or JAN-DEC"},
		{"cron(0 5 ? 13 * *)", 11, "month",
			"month: 13 is out of range 1-12",
			"months run 1-12 or JAN-DEC"},
		{"cron(0 5 ? JANUARY * *)", 11, "month",
			"month: \"JANUARY\" is not a month name",
			"use the three-letter name \"JAN\"; use \"cron(0 5 ? JAN * *)\""},
		{"cron(0 5 ? FOO * *)", 11, "month",
			"month: \"FOO\" is not a month name",
			"use 1-12 or JAN-DEC"},
		{"cron(0 5 ? ? * *)", 11, "month",
			"month: \"?\" is only allowed in day-of-month and day-of-week",
			"use \"*\" for every value; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 ? DEC-JAN * *)", 11, "month",
			"month: range \"DEC-JAN\" runs backwards",
			"ranges must go from low to high; to wrap around write \"DEC,JAN\"; use \"cron(0 5 ? DEC,JAN * *)\""},
		{"cron(0 5 ? L * *)", 11, "month",
			"month: \"L\" is not a month name",
			"\"L\" and \"W\" are only allowed in day-of-month and day-of-week"},
		{"cron(0 5 ? * 0 *)", 13, "day-of-week",
			"day-of-week: 0 is out of range 1-7",
			"AWS numbers days of the week 1-7 starting with 1 = SUN; Unix cron's 0 (Sunday) is 1 or SUN here; use \"cron(0 5 ? * 1 *)\""},
		{"cron(0 5 ? * 0-4 *)", 13, "day-of-week",
			"day-of-week: 0 is out of range 1-7",
			"AWS numbers days of the week 1-7 starting with 1 = SUN; Unix cron's 0 (Sunday) is 1 or SUN here; use \"cron(0 5 ? * 1-5 *)\""},
		{"cron(0 5 ? * 8 *)", 13, "day-of-week",
			"day-of-week: 8 is out of range 1-7",
			"days of the week run 1-7 with 1 = SUN, or SUN-SAT"},
		{"cron(0 5 ? * MONDAY *)", 13, "day-of-week",
			"day-of-week: \"MONDAY\" is not a weekday name",
			"use the three-letter name \"MON\"; use \"cron(0 5 ? * MON *)\""},
		{"cron(0 5 ? * 3#1,6#3 *)", 14, "day-of-week",
			"day-of-week: \"#\" allows only one expression, so \"3#1,6#3\" is not valid",
			"use one weekday instance per backup rule, e.g. \"6#3\"; add a rule for each further instance"},
		{"cron(0 5 ? * 6#6 *)", 15, "day-of-week",
			"day-of-week: instance 6 in \"6#6\" is out of range 1-5",
			"no month has more than five of a weekday; for the last one use \"L\", e.g. \"6L\" for the last Friday"},
		{"cron(0 5 ? * 6#0 *)", 15, "day-of-week",
			"day-of-week: instance 0 in \"6#0\" is out of range 1-5",
			"no month has more than five of a weekday; for the last one use \"L\", e.g. \"6L\" for the last Friday"},
		{"cron(0 5 ? * 6# *)", 15, "day-of-week",
			"day-of-week: \"6#\" needs an instance number 1-5 after \"#\"",
			"e.g. \"6#3\" is the third Friday of the month"},
		{"cron(0 5 ? * 8#1 *)", 13, "day-of-week",
			"day-of-week: 8 is out of range 1-7",
			"days of the week run 1-7 with 1 = SUN, or SUN-SAT"},
		{"cron(0 5 ? * L6 *)", 13, "day-of-week",
			"day-of-week: \"L\" must come last, as in \"6L\", not \"L6\"",
			"\"6L\" means the last Friday of the month"},
		{"cron(0 5 ? * 6L,2 *)", 14, "day-of-week",
			"day-of-week: \"L\" cannot be combined with other days",
			"use a single form such as \"6L\" (last Friday of the month)"},
		{"cron(0 5 ? * 15W *)", 13, "day-of-week",
			"day-of-week: \"15W\" is not a valid value",
			"\"W\" (nearest weekday) is only allowed in day-of-month, e.g. \"15W\" with \"?\" in day-of-week"},
		{"cron(0 5 ? * FRI-MON *)", 13, "day-of-week",
			"day-of-week: range \"FRI-MON\" runs backwards",
			"ranges must go from low to high; to wrap around write \"FRI-SAT,SUN-MON\"; use \"cron(0 5 ? * FRI-SAT,SUN-MON *)\""},
		{"cron(0 5 ? * ?1 *)", 13, "day-of-week",
			"day-of-week: \"?\" must be the whole field",
			"\"?\" means \"any\" and cannot be combined with other values"},
		{"cron(0 5 ? * 1/8 *)", 15, "day-of-week",
			"day-of-week: step 8 is out of range 1-7",
			"a step that large only ever matches the start value; use that single value instead; use \"cron(0 5 ? * 1 *)\""},
		{"cron(0 8 1 */13 ? *)", 13, "month",
			"month: step 13 is out of range 1-12",
			"a step that large only ever matches the start value; use that single value instead; use \"cron(0 8 1 JAN ? *)\""},
		{"cron(0 5 1/32 * ? *)", 11, "day-of-month",
			"day-of-month: step 32 is out of range 1-31",
			"a step that large only ever matches the start value; use that single value instead; use \"cron(0 5 1 * ? *)\""},
		{"cron(0 5 ? * * 1969)", 15, "year",
			"year: 1969 is out of range 1970-2199",
			"years run 1970-2199"},
		{"cron(0 5 ? * * 2200)", 15, "year",
			"year: 2200 is out of range 1970-2199",
			"years run 1970-2199"},
		{"cron(0 5 ? * * ?)", 15, "year",
			"year: \"?\" is only allowed in day-of-month and day-of-week",
			"use \"*\" for every value; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 ? * * 26)", 15, "year",
			"year: 26 is out of range 1970-2199",
			"years run 1970-2199"},
		{"cron(0 5 ? * * 2030-2026)", 15, "year",
			"year: range \"2030-2026\" runs backwards",
			"write the earlier year first: \"2026-2030\"; use \"cron(0 5 ? * * 2026-2030)\""},
		{"cron(0 5 * * * *)", 9, "day-of-month",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot combine the two day fields; use \"cron(0 5 ? * * *)\""},
		{"cron(0 5 15 * * *)", 14, "day-of-week",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot combine the two day fields; use \"cron(0 5 15 * ? *)\""},
		{"cron(0 5 * * MON *)", 9, "day-of-month",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot combine the two day fields; use \"cron(0 5 ? * MON *)\""},
		{"cron(0 5 15 * MON *)", 14, "day-of-week",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot match both a day of the month and a day of the week; keep one, e.g. \"cron(0 5 15 * ? *)\" or \"cron(0 5 ? * MON *)\", or use two backup rules"},
		{"cron(0 5 1-31 * MON *)", 9, "day-of-month",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot combine the two day fields; use \"cron(0 5 ? * MON *)\""},
		{"cron(0 5 ? * ? *)", 9, "day-of-month",
			"day-of-month and day-of-week: only one of them can be \"?\"",
			"put \"*\" in the other to run every day; use \"cron(0 5 * * ? *)\""},
		{"cron(0 5 30 FEB MON *)", 16, "day-of-week",
			"day-of-month and day-of-week: one of them must be \"?\"",
			"AWS cannot match both a day of the month and a day of the week; keep one, e.g. \"cron(0 5 ? FEB MON *)\", or use two backup rules"},
		{"rate()", 5, "rate",
			"rate: missing value and unit",
			"write a whole number and a unit, e.g. \"rate(12 hours)\""},
		{"rate(5)", 6, "rate",
			"rate: missing unit",
			"the unit is minute(s), hour(s) or day(s), e.g. \"rate(12 hours)\""},
		{"rate(5minutes)", 6, "rate",
			"rate: missing space between value and unit",
			"use \"rate(5 minutes)\""},
		{"rate(0 minutes)", 5, "rate",
			"rate: value 0 must be positive",
			"the value is a positive whole number, e.g. \"rate(12 hours)\""},
		{"rate(-1 minutes)", 5, "rate",
			"rate: value -1 must be positive",
			"the value is a positive whole number, e.g. \"rate(12 hours)\""},
		{"rate(1.5 hours)", 5, "rate",
			"rate: value \"1.5\" is not a whole number",
			"the value is a positive whole number, e.g. \"rate(12 hours)\""},
		{"rate(1 hours)", 7, "rate",
			"rate: value 1 needs the singular unit \"hour\"",
			"use \"rate(1 hour)\""},
		{"rate(5 hour)", 7, "rate",
			"rate: value 5 needs the plural unit \"hours\"",
			"use \"rate(5 hours)\""},
		{"rate(5 Minutes)", 7, "rate",
			"rate: unit \"Minutes\" must be lower-case",
			"use \"rate(5 minutes)\""},
		{"rate(2 weeks)", 7, "rate",
			"rate: unknown unit \"weeks\"",
			"AWS has no week unit; count days instead; use \"rate(14 days)\""},
		{"rate(30 seconds)", 8, "rate",
			"rate: unknown unit \"seconds\"",
			"AWS schedules have minute resolution, and AWS Backup needs at least 60 minutes between jobs; use \"rate(1 hour)\""},
		{"rate(1 month)", 7, "rate",
			"rate: unknown unit \"month\"",
			"for calendar-based schedules use cron, e.g. \"cron(0 5 1 * ? *)\" for 05:00 UTC on the 1st of each month"},
		{"rate(5 minutes extra)", 15, "rate",
			"rate: unexpected \"extra\" after the unit",
			"a rate has exactly a value and a unit, e.g. \"rate(12 hours)\""},
		{"rate(five minutes)", 5, "rate",
			"rate: value \"five\" is not a whole number",
			"the value is a positive whole number, e.g. \"rate(12 hours)\""},
		{"rate(99999999999999999999 days)", 5, "rate",
			"rate: 99999999999999999999 days is too long",
			"use at most 106751 days"},
		{"rate(10 mins)", 8, "rate",
			"rate: unknown unit \"mins\"",
			"the unit is minute, minutes, hour, hours, day or days; use \"rate(10 minutes)\""},
	} {
		_, err := Parse(tc.expr)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", tc.expr)
			continue
		}
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%q) returned %T, want *Error", tc.expr, err)
			continue
		}
		want := Error{Offset: tc.offset, Field: tc.field, Msg: tc.msg, Hint: tc.hint}
		if *e != want {
			t.Errorf("Parse(%q):\n got  %#v\n want %#v", tc.expr, *e, want)
		}
	}
}

// TestErrorHintsParse checks the promise behind every "use ..." hint: the
// suggested expression parses.
func TestErrorHintsParse(t *testing.T) {
	for _, expr := range []string{
		"cron(0 5 * * *)", "cron(0 0 5 * * ? *)", "cron(0 24 ? * * *)", "cron(0 5 ? * 0-4 *)", "cron(0 5 * * * *)",
		"cron(0 5 ? * ? *)", "cron(0 5 15 * MON *)", "0 5 * * *", "rate(1 hours)", "rate(2 weeks)", "cron(0 22-2 ? * * *)",
		"cron(0 5 ? DEC-JAN * *)", "cron(0 5 ? * MONDAY *)", "cron(1,,2 * ? * * *)", "cron(0/60 * ? * * *)", "cron(0 5 1 * 1)",
	} {
		_, err := Parse(expr)
		if err == nil {
			t.Fatalf("Parse(%q) succeeded", expr)
		}
		hint := err.(*Error).Hint
		n := 0
		for rest := hint; ; n++ {
			i := strings.Index(rest, `"cron(`)
			j := strings.Index(rest, `"rate(`)
			if i < 0 || j >= 0 && j < i {
				i = j
			}
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			end := strings.IndexByte(rest, '"')
			if _, err := Parse(rest[:end]); err != nil {
				t.Errorf("hint for %q suggests %q, which does not parse: %v", expr, rest[:end], err)
			}
			rest = rest[end:]
		}
		if n == 0 {
			t.Errorf("hint for %q has no example: %q", expr, hint)
		}
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("cron(0 24 ? * * *)")
	want := `hours: 24 is out of range 0-23; hours run 0-23 in UTC; midnight is 0; use "cron(0 0 ? * * *)"`
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %v, want %q", err, want)
	}
	e := &Error{Msg: "m"}
	if e.Error() != "m" {
		t.Errorf("Error() without hint = %q", e.Error())
	}
}
