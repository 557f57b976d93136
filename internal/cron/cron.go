package cron

import (
	"fmt"
	"strings"
	"time"
)

// parseCron parses the six fields of a cron expression.
func parseCron(expr string, body token, hints bool) (*Schedule, *parseError) {
	toks := fields(body)
	if len(toks) != numFields {
		return nil, fieldCountError(expr, toks)
	}
	var c cronSpec
	for i, t := range toks {
		fv, e := parseField(t, i)
		if e != nil {
			if e.fix != "" && hints {
				e.suggest = withField(toks, i, e.fix)
			}
			return nil, e
		}
		c.f[i] = fv
	}
	if e := checkDayFields(&c, toks); e != nil {
		return nil, e
	}
	s := &Schedule{cron: &c}
	for i, t := range toks {
		s.offsets[i], s.tokens[i] = t.off, t.text
	}
	if _, ok := c.next(time.Date(minYear-1, 12, 31, 23, 59, 0, 0, time.UTC)); !ok {
		return nil, neverRunsError(&c, toks)
	}
	s.minGap = c.gaps().min()
	return s, nil
}

// checkDayFields enforces the reference's rule that one day field is "?":
// "You can't specify the Day-of-month and Day-of-week fields in the same cron
// expression. If you specify a value or a * (asterisk) in one of the fields,
// you must use a ? (question mark) in the other."
func checkDayFields(c *cronSpec, toks []token) *parseError {
	dom, dow := toks[fDayOfMonth], toks[fDayOfWeek]
	domAny, dowAny := c.f[fDayOfMonth].kind == kindAny, c.f[fDayOfWeek].kind == kindAny
	switch {
	case domAny && dowAny:
		e := errorf(dom.off, specs[fDayOfMonth].name,
			`day-of-month and day-of-week: only one of them can be "?"`,
			`put "*" in the other to run every day`)
		e.suggest = withField(toks, fDayOfMonth, "*")
		return e
	case !domAny && !dowAny:
		msg := `day-of-month and day-of-week: one of them must be "?"`
		// Replace whichever field says "every day"; when both do, follow
		// AWS Backup's default "cron(0 5 ? * * *)" and clear day-of-month.
		switch {
		case c.everyDay(fDayOfMonth):
			e := errorf(dom.off, specs[fDayOfMonth].name, msg, `AWS cannot combine the two day fields`)
			e.suggest = withField(toks, fDayOfMonth, "?")
			return e
		case c.everyDay(fDayOfWeek):
			e := errorf(dow.off, specs[fDayOfWeek].name, msg, `AWS cannot combine the two day fields`)
			e.suggest = withField(toks, fDayOfWeek, "?")
			return e
		}
		// Unix cron runs when either field matches; AWS cannot say that,
		// so offer the single-field versions that are valid on their own.
		hint := "AWS cannot match both a day of the month and a day of the week; keep one"
		var alts []string
		for _, f := range []int{fDayOfWeek, fDayOfMonth} {
			if alt := withField(toks, f, "?"); valid(alt) {
				alts = append(alts, `"`+alt+`"`)
			}
		}
		if len(alts) > 0 {
			hint += ", e.g. " + strings.Join(alts, " or ")
		}
		return errorf(dow.off, specs[fDayOfWeek].name, msg, hint+", or use two backup rules")
	}
	return nil
}

// everyDay reports whether day field f selects every day ("*", "1-31", ...).
func (c *cronSpec) everyDay(f int) bool {
	return c.f[f].kind == kindSet && len(c.values(f)) == specs[f].max-specs[f].min+1
}

// neverRunsError reports a day selection no date in 1970-2199 satisfies, e.g.
// day 30 in February only. It points at the day field that decides.
func neverRunsError(c *cronSpec, toks []token) *parseError {
	f := fDayOfMonth
	if c.f[fDayOfMonth].kind == kindAny {
		f = fDayOfWeek
	}
	return errorf(toks[f].off, specs[f].name,
		fmt.Sprintf("%s: no date matches %q in month %q and year %q, so the schedule never runs",
			specs[f].name, toks[f].text, toks[fMonth].text, toks[fYear].text),
		`check the day against the length of the chosen months (FEB has 28 or 29 days); "L" selects the last day of any month`)
}

// fieldCountError explains a wrong number of fields, recognising the two
// usual sources: 5-field Unix cron and 6/7-field Quartz with seconds.
func fieldCountError(expr string, toks []token) *parseError {
	n := len(toks)
	off := len(expr) - 1 // where a missing field would go
	if n > numFields {
		off = toks[numFields].off
	}
	msg := fmt.Sprintf("cron expressions need 6 fields, got %d", n)
	layout := "AWS uses minutes hours day-of-month month day-of-week year, with \"?\" in day-of-month or day-of-week"
	e := errorf(off, "", msg, layout+`, e.g. "cron(0 5 ? * * *)"`)
	texts := make([]string, n)
	for i, t := range toks {
		texts[i] = t.text
	}
	switch {
	case n == 5:
		e.msg += " (this looks like a 5-field Unix cron expression)"
		e.hint = "AWS adds a year field and needs \"?\" in day-of-month or day-of-week"
		if sug, ok := unixToAWS(texts); ok {
			e.suggest = sug
			break
		}
		// Both day fields are set: Unix runs when either matches, which AWS
		// cannot express, so offer each half.
		e.hint = layout + "; Unix cron runs when either day field matches, which AWS cannot express, so keep one"
		var alts []string
		for _, alt := range unixAlternatives(texts) {
			if valid(alt) {
				alts = append(alts, `"`+alt+`"`)
			}
		}
		if len(alts) > 0 {
			e.hint += ", e.g. " + strings.Join(alts, " or ")
		}
	case n == 7 && texts[0] == "0":
		e.off = toks[0].off
		e.msg += " (the first looks like a seconds field)"
		e.hint = "AWS has no seconds field; drop it"
		e.suggest = "cron(" + strings.Join(texts[1:], " ") + ")"
	}
	return e
}

// valid reports whether expr parses; hints use it to offer only expressions
// that work.
func valid(expr string) bool {
	_, e := parse(expr, false)
	return e == nil
}

// withField returns the cron expression made of toks with field i replaced.
func withField(toks []token, i int, text string) string {
	parts := make([]string, len(toks))
	for j, t := range toks {
		parts[j] = t.text
	}
	parts[i] = text
	return "cron(" + strings.Join(parts, " ") + ")"
}
