package cron

import (
	"math"
	"time"
)

// none marks a kind of gap that cannot occur, e.g. within an hour when only
// one minute is selected.
const none = math.MaxInt

// gaps are the smallest gaps, in minutes, between consecutive runs of each
// of the three kinds that can follow one another.
//
// Why three kinds cover everything, and why each is exact: no cron field ties
// a time of day to a date, so every run day has the same times, the product
// of the selected hours and minutes. Consecutive runs are therefore either
//
//  1. two selected minutes in the same hour: the smallest difference between
//     consecutive selected minutes;
//  2. the last selected minute of an hour and the first of the next selected
//     hour on the same day: (h2-h1)*60 - (lastMinute - firstMinute), smallest
//     for the smallest step between consecutive selected hours (this is where
//     "cron(5,55 * ? * * *)" gets its 10 minutes);
//  3. the last run of a run day and the first run of the next run day:
//     D*1440 - lastTime + firstTime, smallest for the smallest distance D in
//     days between consecutive run days (this is where "cron(0 23,0 ? * * *)"
//     gets its 1 hour across midnight).
//
// D is where the calendar comes in: "L", "W", "#", month lengths and the year
// field make it irregular. Rather than bound it (taking D = 1 whenever two
// adjacent days can both run would be safe but pessimistic for monthly
// schedules), gaps walks every run day AWS allows, 1970-2199, and stops early
// once D = 1, which nothing can beat. So MinInterval is exact, which is in
// particular never larger than the truth.
type gaps struct {
	withinHour, acrossHours, acrossDays int
}

func (c *cronSpec) gaps() gaps {
	g := gaps{none, none, none}
	mins, hours := c.values(fMinutes), c.values(fHours)
	for i := 1; i < len(mins); i++ {
		g.withinHour = min(g.withinHour, mins[i]-mins[i-1])
	}
	spread := mins[len(mins)-1] - mins[0]
	for i := 1; i < len(hours); i++ {
		g.acrossHours = min(g.acrossHours, (hours[i]-hours[i-1])*60-spread)
	}
	if d := c.minDayGap(); d != none {
		last := hours[len(hours)-1]*60 + mins[len(mins)-1]
		first := hours[0]*60 + mins[0]
		g.acrossDays = d*24*60 - last + first
	}
	return g
}

// minDayGap is the smallest number of days between consecutive run days, or
// none if the schedule runs on at most one day.
//
// Most schedules run every year and name no weekday ("cron(0 3 15 * ? *)"):
// whether such a schedule runs on a day then depends only on the month and
// its length, so on whether the year is a leap year, and the gaps between
// run days only on the kinds of two consecutive years. 1970-1977 holds
// every pair that occurs in 1970-2199 (common-common, common-leap,
// leap-common; never leap-leap), and a schedule that runs on two days
// runs on two of those, so walking them gives the same answer as walking
// 230 years, which took a few milliseconds for every monthly schedule.
func (c *cronSpec) minDayGap() int {
	if c.calendarOnly() {
		return c.minDayGapUntil(minYear + 7)
	}
	return c.minDayGapUntil(maxYear)
}

// calendarOnly reports whether the schedule runs in every year and which
// days it runs on depends on nothing but the month and its length: no
// weekday in either day field, no "W" or "LW".
func (c *cronSpec) calendarOnly() bool {
	for y := minYear; y <= maxYear; y++ {
		if !c.has(fYear, y) {
			return false
		}
	}
	switch c.f[fDayOfMonth].kind {
	case kindSet, kindAny, kindLastDay:
	default:
		return false
	}
	dow := &c.f[fDayOfWeek]
	switch dow.kind {
	case kindAny:
		return true
	case kindSet:
		for d := 1; d <= 7; d++ {
			if !c.has(fDayOfWeek, d) {
				return false
			}
		}
		return true
	}
	return false
}

// minDayGapUntil is minDayGap over the run days up to the end of year
// last.
func (c *cronSpec) minDayGapUntil(last int) int {
	best, prev := none, -1
	floor := c.dayGapFloor()
	c.eachRunDayUntil(minYear, 1, 1, last, func(_, _, d int, m month) bool {
		day := m.epochDay + d - 1
		if prev >= 0 {
			best = min(best, day-prev)
		}
		prev = day
		return best > floor
	})
	return best
}

// dayGapFloor is a number of days no two run days can be closer than, so
// that minDayGapUntil stops once it finds a gap that small: 1 in general,
// and for a schedule whose days are chosen by weekday alone (day-of-month
// "?", a plain set of weekdays), the smallest step from one selected
// weekday to the next, 7 for a single weekday. Without it, a weekly
// schedule walked all 84,000 days of 1970-2199 looking for a gap of one
// day it cannot have: 0.2 ms for each, 50 ms of a preview of 500 policies.
func (c *cronSpec) dayGapFloor() int {
	if c.f[fDayOfMonth].kind != kindAny || c.f[fDayOfWeek].kind != kindSet {
		return 1
	}
	floor := 7
	for w := 1; w <= 7; w++ {
		if !c.has(fDayOfWeek, w) {
			continue
		}
		for k := 1; k < floor; k++ {
			if c.has(fDayOfWeek, (w-1+k)%7+1) {
				floor = k
				break
			}
		}
	}
	return floor
}

// min is the smallest gap as a Duration; the largest Duration if no two runs
// exist.
func (g gaps) min() time.Duration {
	m := min(g.withinHour, g.acrossHours, g.acrossDays)
	if m == none {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(m) * time.Minute
}
