package cron

import (
	"fmt"
	"strconv"
	"strings"
)

var (
	fullDayNames   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	fullMonthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	ordinals       = []string{"first", "second", "third", "fourth", "fifth"}
)

// Describe returns a short English description of the schedule, e.g. "every
// hour at minute 0", "daily at 05:00 UTC" or "at 12:00 UTC on Monday to
// Friday". Times are UTC, as AWS evaluates them.
func (s *Schedule) Describe() string {
	if s.cron == nil {
		if s.rate.value == 1 {
			return "every " + s.rate.unit
		}
		return "every " + plural(s.rate.value, s.rate.unit)
	}
	c := s.cron
	t, clock := c.describeTime()
	var when []string
	for _, part := range []string{c.describeDays(), c.describeMonths(), c.describeYears()} {
		if part != "" {
			when = append(when, part)
		}
	}
	if len(when) == 0 {
		if clock {
			return "daily " + t
		}
		return t
	}
	return t + " " + strings.Join(when, " ")
}

// describeTime describes the minutes and hours. clock is true when it lists
// clock times, which read well after "daily".
func (c *cronSpec) describeTime() (text string, clock bool) {
	mins, hours := c.values(fMinutes), c.values(fHours)
	allHours := len(hours) == 24
	hoursText := "hours " + c.render(fHours) + " UTC"
	if len(mins) == 1 {
		m := mins[0]
		switch step, even := evenStep(hours, 24); {
		case allHours:
			return fmt.Sprintf("every hour at minute %d", m), false
		case len(hours) <= 4:
			times := make([]string, len(hours))
			for i, h := range hours {
				times[i] = fmt.Sprintf("%02d:%02d", h, m)
			}
			return "at " + joinAnd(times) + " UTC", true
		case even && hours[0] == 0:
			return fmt.Sprintf("every %d hours at minute %d", step, m), false
		case even:
			return fmt.Sprintf("every %d hours from %02d:%02d UTC", step, hours[0], m), false
		default:
			return fmt.Sprintf("at minute %d of %s", m, hoursText), false
		}
	}
	where := "every hour"
	if !allHours {
		where = hoursText
	}
	if step, even := evenStep(mins, 60); even {
		every := "every minute"
		if step > 1 {
			every = fmt.Sprintf("every %d minutes", step)
		}
		if mins[0] != 0 {
			every += fmt.Sprintf(" from minute %d", mins[0])
		}
		if allHours {
			return every, false
		}
		return every + " during " + hoursText, false
	}
	ms := make([]string, len(mins))
	for i, m := range mins {
		ms[i] = strconv.Itoa(m)
	}
	if len(ms) > 6 {
		ms = []string{c.render(fMinutes)}
	}
	return "at minutes " + joinAnd(ms) + " of " + where, false
}

// evenStep reports whether vals repeat with a fixed step all the way around a
// cycle of the given period, e.g. hours 0,6,12,18 (step 6 of 24).
func evenStep(vals []int, period int) (int, bool) {
	if len(vals) < 2 {
		return 0, false
	}
	step := vals[1] - vals[0]
	if period%step != 0 || len(vals) != period/step {
		return 0, false
	}
	for i := 2; i < len(vals); i++ {
		if vals[i]-vals[i-1] != step {
			return 0, false
		}
	}
	return step, true
}

func (c *cronSpec) describeDays() string {
	dom, dow := &c.f[fDayOfMonth], &c.f[fDayOfWeek]
	switch dom.kind {
	case kindLastDay:
		return "on the last day of the month"
	case kindLastWeekday:
		return "on the last weekday of the month"
	case kindNearestWeekday:
		return fmt.Sprintf("on the weekday nearest day %d of the month", dom.n)
	case kindSet:
		vals := c.values(fDayOfMonth)
		if len(vals) == 31 {
			return ""
		}
		if len(vals) == 1 {
			return fmt.Sprintf("on day %d of the month", vals[0])
		}
		return "on days " + joinAnd(c.parts(fDayOfMonth, strconv.Itoa)) + " of the month"
	}
	switch dow.kind {
	case kindLastOfMonth:
		return "on the last " + fullDayNames[dow.n-1] + " of the month"
	case kindNth:
		return "on the " + ordinals[dow.k-1] + " " + fullDayNames[dow.n-1] + " of the month"
	case kindSet:
		vals := c.values(fDayOfWeek)
		if len(vals) == 7 {
			return ""
		}
		if len(vals) == 1 {
			return "on " + fullDayNames[vals[0]-1] + "s"
		}
		return "on " + joinAnd(c.parts(fDayOfWeek, func(v int) string { return fullDayNames[v-1] }))
	}
	return ""
}

func (c *cronSpec) describeMonths() string {
	if len(c.values(fMonth)) == 12 {
		return ""
	}
	return "in " + joinAnd(c.parts(fMonth, func(v int) string { return fullMonthNames[v-1] }))
}

func (c *cronSpec) describeYears() string {
	vals := c.values(fYear)
	switch r := runs(vals); {
	case len(vals) == maxYear-minYear+1:
		return ""
	case len(r) == 1 && r[0][0] == r[0][1]:
		return "in " + strconv.Itoa(vals[0])
	case len(r) == 1 && r[0][1] == maxYear:
		return "from " + strconv.Itoa(vals[0])
	case len(r) == 1:
		return fmt.Sprintf("from %d to %d", r[0][0], r[0][1])
	case len(r) <= 3:
		return "in " + joinAnd(c.parts(fYear, strconv.Itoa))
	}
	return "in years " + c.render(fYear)
}

// parts describes the runs of a field's values: "Monday to Friday",
// "1 to 10", "15".
func (c *cronSpec) parts(f int, name func(int) string) []string {
	var out []string
	for _, r := range runs(c.values(f)) {
		switch r[1] - r[0] {
		case 0:
			out = append(out, name(r[0]))
		case 1:
			out = append(out, name(r[0]), name(r[1]))
		default:
			out = append(out, name(r[0])+" to "+name(r[1]))
		}
	}
	return out
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
