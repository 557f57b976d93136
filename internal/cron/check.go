package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MinBackupInterval is the smallest gap AWS Backup allows between two jobs of
// one backup rule. Its error reads "The interval between backup jobs
// shouldn't be less than 60 minutes."
const MinBackupInterval = 60 * time.Minute

// CheckMinInterval returns an *Error when two consecutive runs of s can be
// less than atLeast apart, and nil otherwise. Pass MinBackupInterval for AWS
// Backup's own limit. The error points at the field that makes runs too close
// and, where it can, suggests a schedule that is far enough apart.
func (s *Schedule) CheckMinInterval(atLeast time.Duration) error {
	if s.minGap >= atLeast {
		return nil
	}
	msg := fmt.Sprintf("runs can be as little as %s apart, less than the required %s",
		humanDuration(s.minGap), humanDuration(atLeast))
	why := ""
	if atLeast == MinBackupInterval {
		why = "AWS Backup rejects schedules with less than 60 minutes between backup jobs; "
	}
	if s.cron == nil {
		return &Error{Offset: s.offsets[0], Field: "rate", Msg: "rate: " + msg,
			Hint: why + `use "` + rateFor(atLeast) + `"`}
	}
	f, hint := s.tooCloseField(atLeast)
	e := &Error{Offset: s.offsets[f], Field: specs[f].name, Msg: specs[f].name + ": " + msg, Hint: why + hint}
	if f == fMinutes {
		// One minute per selected hour leaves at least an hour between runs.
		toks := make([]token, numFields)
		for i, t := range s.tokens {
			toks[i] = token{text: t}
		}
		sug := withField(toks, fMinutes, strconv.Itoa(s.cron.values(fMinutes)[0]))
		if t, err := Parse(sug); err == nil && t.MinInterval() >= atLeast {
			e.Hint += fmt.Sprintf(`; use "%s"`, sug)
		}
	}
	return e
}

// tooCloseField names the field responsible for runs closer than atLeast:
// the finest-grained field whose kind of gap (see gaps) is too small.
func (s *Schedule) tooCloseField(atLeast time.Duration) (int, string) {
	g := s.cron.gaps()
	short := func(m int) bool { return m != none && time.Duration(m)*time.Minute < atLeast }
	multiMinutes := len(s.cron.values(fMinutes)) > 1
	multiHours := len(s.cron.values(fHours)) > 1
	switch {
	case short(g.withinHour) || multiMinutes && (short(g.acrossHours) || short(g.acrossDays)):
		return fMinutes, "select a single minute so that each selected hour runs once"
	case short(g.acrossHours) || multiHours && short(g.acrossDays):
		return fHours, fmt.Sprintf("space the selected hours at least %s apart, including across midnight", humanDuration(atLeast))
	}
	f := fDayOfMonth
	if s.cron.f[fDayOfMonth].kind == kindAny {
		f = fDayOfWeek
	}
	return f, fmt.Sprintf("space the selected days at least %s apart", humanDuration(atLeast))
}

// rateFor is the shortest rate expression of at least d.
func rateFor(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return rateSpec{value: int(d / (24 * time.Hour)), unit: "day"}.String()
	case d%time.Hour == 0:
		return rateSpec{value: int(d / time.Hour), unit: "hour"}.String()
	}
	return rateSpec{value: int((d + time.Minute - 1) / time.Minute), unit: "minute"}.String()
}

// humanDuration writes d as "10 minutes", "1 hour", "1 day 2 hours".
func humanDuration(d time.Duration) string {
	if d == time.Duration(1<<63-1) {
		return "forever"
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, plural(int(n), u.name))
			d -= n * u.d
		}
	}
	if len(parts) == 0 {
		return d.String()
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
