package cron

import "testing"

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"cron(0 */1 * * ? *)", "every hour at minute 0"},
		{"cron(15 * ? * * *)", "every hour at minute 15"},
		{"cron(0 5 ? * * *)", "daily at 05:00 UTC"},
		{"cron(0 9,21 ? * * *)", "daily at 09:00 and 21:00 UTC"},
		{"cron(0 23,0 ? * * *)", "daily at 00:00 and 23:00 UTC"},
		{"cron(30 0/2 ? * * *)", "every 2 hours at minute 30"},
		{"cron(0 1/2 ? * * *)", "every 2 hours from 01:00 UTC"},
		{"cron(0 8-17 ? * * *)", "at minute 0 of hours 8-17 UTC"},
		{"cron(0/30 * ? * * *)", "every 30 minutes"},
		{"cron(10/30 * ? * * *)", "every 30 minutes from minute 10"},
		{"cron(* * ? * * *)", "every minute"},
		{"cron(0/10 8-17 ? * MON-FRI *)", "every 10 minutes during hours 8-17 UTC on Monday to Friday"},
		{"cron(5,55 * ? * * *)", "at minutes 5 and 55 of every hour"},
		{"cron(0 12 ? * MON-FRI *)", "at 12:00 UTC on Monday to Friday"},
		{"cron(0 12 ? * SUN *)", "at 12:00 UTC on Sundays"},
		{"cron(0 12 ? * MON,WED,FRI *)", "at 12:00 UTC on Monday, Wednesday and Friday"},
		{"cron(0 5 L * ? *)", "at 05:00 UTC on the last day of the month"},
		{"cron(0 5 LW * ? *)", "at 05:00 UTC on the last weekday of the month"},
		{"cron(0 5 15W * ? *)", "at 05:00 UTC on the weekday nearest day 15 of the month"},
		{"cron(0 5 ? * 6#3 *)", "at 05:00 UTC on the third Friday of the month"},
		{"cron(0 5 ? * 6L *)", "at 05:00 UTC on the last Friday of the month"},
		{"cron(0 5 1 * ? *)", "at 05:00 UTC on day 1 of the month"},
		{"cron(0 5 1,15 * ? *)", "at 05:00 UTC on days 1 and 15 of the month"},
		{"cron(0 5 1-7 * ? *)", "at 05:00 UTC on days 1 to 7 of the month"},
		{"cron(0 5 1 JAN,JUL ? *)", "at 05:00 UTC on day 1 of the month in January and July"},
		{"cron(0 5 ? JAN-MAR MON 2026)", "at 05:00 UTC on Mondays in January to March in 2026"},
		{"cron(0 5 ? * * 2026-2030)", "at 05:00 UTC from 2026 to 2030"},
		{"cron(0 5 ? * * 2026-2199)", "at 05:00 UTC from 2026"},
		{"rate(1 hour)", "every hour"},
		{"rate(12 hours)", "every 12 hours"},
		{"rate(1 day)", "every day"},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := s.Describe(); got != tc.want {
			t.Errorf("Describe(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
