package cron

import "time"

// The years AWS accepts in the year field; nothing runs outside them.
const (
	minYear = 1970
	maxYear = 2199
)

func (c *cronSpec) has(f, v int) bool { return c.f[f].set.has(v - specs[f].min) }

// values returns the values field f selects, ascending. Only meaningful for
// kindSet fields.
func (c *cronSpec) values(f int) []int {
	var out []int
	for v := specs[f].min; v <= specs[f].max; v++ {
		if c.has(f, v) {
			out = append(out, v)
		}
	}
	return out
}

// month is what day matching needs to know about one calendar month.
type month struct {
	days     int // 28-31
	firstWD  int // weekday of the 1st, 0 = Sunday
	epochDay int // days from 1970-01-01 to the 1st
}

func monthOf(y, m int) month {
	first := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	return month{
		days:     time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(),
		firstWD:  int(first.Weekday()),
		epochDay: int(first.Unix() / 86400),
	}
}

// weekday returns the weekday of day d, 0 = Sunday.
func (m month) weekday(d int) int { return (m.firstWD + d - 1) % 7 }

// lastWeekday is the last Monday-Friday of the month ("LW").
func (m month) lastWeekday() int {
	switch m.weekday(m.days) {
	case 6:
		return m.days - 1
	case 0:
		return m.days - 2
	}
	return m.days
}

// nearestWeekday is the Monday-Friday closest to day n ("nW"), or 0 when the
// month has no day n. The reference says only "3W specifies the weekday
// closest to the third day of the month"; as in Quartz, the result never
// leaves the month, so 1W on a Saturday is Monday the 3rd and a Sunday last
// day moves back to Friday.
func (m month) nearestWeekday(n int) int {
	if n > m.days {
		return 0
	}
	switch m.weekday(n) {
	case 6:
		if n == 1 {
			return 3
		}
		return n - 1
	case 0:
		if n == m.days {
			return n - 2
		}
		return n + 1
	}
	return n
}

// runsOn reports whether the day fields select day d of month m. The month
// and year fields are checked by the callers' loops.
func (c *cronSpec) runsOn(m month, d int) bool {
	dom := &c.f[fDayOfMonth]
	switch dom.kind {
	case kindSet:
		if !c.has(fDayOfMonth, d) {
			return false
		}
	case kindLastDay:
		if d != m.days {
			return false
		}
	case kindLastWeekday:
		if d != m.lastWeekday() {
			return false
		}
	case kindNearestWeekday:
		if d != m.nearestWeekday(dom.n) {
			return false
		}
	}
	dow := &c.f[fDayOfWeek]
	wd := m.weekday(d) + 1 // AWS numbering: 1 = Sunday
	switch dow.kind {
	case kindSet:
		return c.has(fDayOfWeek, wd)
	case kindLastOfMonth:
		return wd == dow.n && d+7 > m.days
	case kindNth:
		return wd == dow.n && (d+6)/7 == dow.k
	}
	return true
}

// eachRunDay calls fn for every day in 1970-2199 on which the schedule runs,
// in order, starting at the given date, until fn returns false. About 84,000
// days at most, so walking them is cheap enough for Parse.
func (c *cronSpec) eachRunDay(y0, m0, d0 int, fn func(y, mo, d int, m month) bool) {
	c.eachRunDayUntil(y0, m0, d0, maxYear, fn)
}

// eachRunDayUntil is eachRunDay up to the end of year last.
func (c *cronSpec) eachRunDayUntil(y0, m0, d0, last int, fn func(y, mo, d int, m month) bool) {
	for y := max(y0, minYear); y <= last; y++ {
		if !c.has(fYear, y) {
			continue
		}
		for mo := 1; mo <= 12; mo++ {
			if !c.has(fMonth, mo) || y == y0 && mo < m0 {
				continue
			}
			m := monthOf(y, mo)
			for d := 1; d <= m.days; d++ {
				if y == y0 && mo == m0 && d < d0 || !c.runsOn(m, d) {
					continue
				}
				if !fn(y, mo, d, m) {
					return
				}
			}
		}
	}
}

// next returns the first run strictly after t.
func (c *cronSpec) next(t time.Time) (time.Time, bool) {
	// Runs fall on whole minutes, so the first candidate is the next whole
	// minute after t, even when t is itself a whole minute.
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	if t.Year() < minYear {
		t = time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	y0, m0, d0 := t.Year(), int(t.Month()), t.Day()
	var out time.Time
	found := false
	c.eachRunDay(y0, m0, d0, func(y, mo, d int, _ month) bool {
		h, mi := 0, 0
		if y == y0 && mo == m0 && d == d0 {
			h, mi = t.Hour(), t.Minute()
		}
		if h, mi, ok := c.timeFrom(h, mi); ok {
			out, found = time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC), true
			return false
		}
		return true
	})
	return out, found
}

// timeFrom returns the first selected time of day at or after h:mi.
func (c *cronSpec) timeFrom(h, mi int) (int, int, bool) {
	for ; h < 24; h, mi = h+1, 0 {
		if !c.has(fHours, h) {
			continue
		}
		for ; mi < 60; mi++ {
			if c.has(fMinutes, mi) {
				return h, mi, true
			}
		}
	}
	return 0, 0, false
}
