package cron

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// rateSpec is a parsed "rate(value unit)".
type rateSpec struct {
	value int
	unit  string // singular: "minute", "hour" or "day"
	d     time.Duration
}

var rateUnits = map[string]time.Duration{
	"minute": time.Minute,
	"hour":   time.Hour,
	"day":    24 * time.Hour,
}

func (r rateSpec) String() string {
	unit := r.unit
	if r.value != 1 {
		unit += "s"
	}
	return fmt.Sprintf("rate(%d %s)", r.value, unit)
}

// parseRate parses the body of a rate expression. The reference: "value: A
// positive number"; "Valid values: minute | minutes | hour | hours | day |
// days"; "If the value is equal to 1, then the unit must be singular. If the
// value is greater than 1, the unit must be plural."
func parseRate(body token) (*Schedule, *parseError) {
	const field = "rate"
	example := `e.g. "rate(12 hours)"`
	toks := fields(body)
	switch {
	case len(toks) == 0:
		return nil, errorf(body.off, field, "rate: missing value and unit", "write a whole number and a unit, "+example)
	case len(toks) == 1:
		t := toks[0]
		if i := strings.IndexFunc(t.text, func(r rune) bool { return r < '0' || r > '9' }); i > 0 {
			e := errorf(t.off+i, field, "rate: missing space between value and unit", "")
			e.suggest = "rate(" + t.text[:i] + " " + t.text[i:] + ")"
			return nil, e
		}
		return nil, errorf(t.off+len(t.text), field, "rate: missing unit", `the unit is minute(s), hour(s) or day(s), `+example)
	case len(toks) > 2:
		return nil, errorf(toks[2].off, field, fmt.Sprintf("rate: unexpected %q after the unit", toks[2].text),
			"a rate has exactly a value and a unit, "+example)
	}
	vt, ut := toks[0], toks[1]
	if !isDigits(vt.text) {
		msg := fmt.Sprintf("rate: value %q is not a whole number", vt.text)
		if strings.HasPrefix(vt.text, "-") {
			msg = fmt.Sprintf("rate: value %s must be positive", vt.text)
		}
		return nil, errorf(vt.off, field, msg, "the value is a positive whole number, "+example)
	}
	v, err := strconv.Atoi(vt.text)
	if err != nil {
		v = math.MaxInt
	}
	if v == 0 {
		return nil, errorf(vt.off, field, "rate: value 0 must be positive", "the value is a positive whole number, "+example)
	}
	unit := strings.TrimSuffix(ut.text, "s")
	per, ok := rateUnits[unit]
	if !ok {
		return nil, unknownUnit(vt, ut, v)
	}
	if v > int(math.MaxInt64/int64(per)) {
		return nil, errorf(vt.off, field, fmt.Sprintf("rate: %s %s is too long", vt.text, ut.text),
			fmt.Sprintf("use at most %d %ss", math.MaxInt64/int64(per), unit))
	}
	plural := ut.text != unit
	if want := v != 1; plural != want {
		canon := rateSpec{value: v, unit: unit}.String()
		msg := fmt.Sprintf("rate: value 1 needs the singular unit %q", unit)
		if want {
			msg = fmt.Sprintf("rate: value %s needs the plural unit %q", vt.text, unit+"s")
		}
		e := errorf(ut.off, field, msg, "")
		e.suggest = canon
		return nil, e
	}
	s := &Schedule{rate: rateSpec{value: v, unit: unit, d: time.Duration(v) * per}}
	s.minGap = s.rate.d
	s.offsets[0] = vt.off
	return s, nil
}

// unknownUnit explains units AWS does not take, converting the common ones.
func unknownUnit(vt, ut token, v int) *parseError {
	const field = "rate"
	low := strings.TrimSuffix(strings.ToLower(ut.text), "s")
	e := errorf(ut.off, field, fmt.Sprintf("rate: unknown unit %q", ut.text), "the unit is minute, minutes, hour, hours, day or days")
	switch {
	case rateUnits[low] != 0:
		e.msg = fmt.Sprintf("rate: unit %q must be lower-case", ut.text)
		e.hint = ""
		e.suggest = rateSpec{value: v, unit: low}.String()
	case low == "week" && v <= math.MaxInt/7:
		e.hint = "AWS has no week unit; count days instead"
		e.suggest = rateSpec{value: 7 * v, unit: "day"}.String()
	case low == "min" || low == "minut":
		e.suggest = rateSpec{value: v, unit: "minute"}.String()
	case low == "hr" || low == "h":
		e.suggest = rateSpec{value: v, unit: "hour"}.String()
	case low == "second" || low == "sec":
		e.hint = "AWS schedules have minute resolution, and AWS Backup needs at least 60 minutes between jobs"
		e.suggest = "rate(1 hour)"
	case low == "month" || low == "year":
		e.hint = "for calendar-based schedules use cron, e.g. \"cron(0 5 1 * ? *)\" for 05:00 UTC on the 1st of each month"
	}
	return e
}

// AsCron returns a cron expression for a rate expression, for services such
// as AWS Backup that take cron expressions only. The expression runs at
// exactly the rate when the rate divides an hour or a day evenly (or is a
// whole week), and exact is true; otherwise it is a calendar schedule close
// to it, at least as far apart as the rate within an hour, a day or a
// month, but restarting at the next one (every 3 days runs on the 31st and
// again on the 1st). Runs start at minute 0 and 00:00 UTC. ok is false for
// a cron schedule.
func (s *Schedule) AsCron() (expr string, exact, ok bool) {
	if s.cron != nil {
		return "", false, false
	}
	minutes := int64(s.rate.d / time.Minute)
	switch {
	case minutes < 60 && 60%minutes == 0:
		if minutes == 1 {
			return "cron(* * ? * * *)", true, true
		}
		return fmt.Sprintf("cron(0/%d * ? * * *)", minutes), true, true
	case minutes < 60:
		// No whole number of runs fits an hour: hourly is the nearest
		// schedule that runs no more often.
		return "cron(0 * ? * * *)", false, true
	}
	hours := (minutes + 59) / 60
	exact = minutes%60 == 0
	switch {
	case hours == 1:
		return "cron(0 * ? * * *)", exact, true
	case hours < 24:
		for _, d := range []int64{2, 3, 4, 6, 8, 12} {
			if d >= hours {
				return fmt.Sprintf("cron(0 0/%d ? * * *)", d), exact && d == hours, true
			}
		}
	}
	days := (hours + 23) / 24
	exact = exact && hours%24 == 0
	switch {
	case days == 1:
		return "cron(0 0 ? * * *)", exact, true
	case days == 7:
		return "cron(0 0 ? * SUN *)", exact, true
	case days <= 31:
		return fmt.Sprintf("cron(0 0 1/%d * ? *)", days), false, true
	case days < 365:
		return fmt.Sprintf("cron(0 0 1 1/%d ? *)", min((days+29)/30, 12)), false, true
	}
	return "cron(0 0 1 1 ? *)", false, true
}
