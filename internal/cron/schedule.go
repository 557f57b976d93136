package cron

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Schedule is a parsed schedule expression: either a cron expression or a
// rate expression. Create one with Parse; the zero Schedule is not usable.
type Schedule struct {
	cron *cronSpec // nil for rate expressions
	rate rateSpec

	// minGap is MinInterval, computed once by Parse because for cron it walks
	// the calendar.
	minGap time.Duration
	// offsets are the rune offsets of the cron fields, or of the rate value
	// in offsets[0], so that later checks can point at the source.
	offsets [numFields]int
	tokens  [numFields]string // cron fields as written, for suggestions
}

// cronSpec is a parsed cron expression.
type cronSpec struct {
	f [numFields]fieldValue
}

// Parse parses a schedule expression, "cron(…)" or "rate(…)". Errors are of
// type *Error.
//
// Parse rejects expressions that can never run, such as "cron(0 5 30 FEB ?
// *)", because AWS would accept a rule that silently never backs anything up.
// It does not apply AWS Backup's 60-minute minimum; see CheckMinInterval.
func Parse(expr string) (*Schedule, error) {
	s, e := parse(expr, true)
	if e != nil {
		return nil, e.toError(expr)
	}
	return s, nil
}

// parse does Parse's work. hints is false when parse only verifies a
// suggested fix; suggestions are then left out, which also keeps hint
// building from recursing.
func parse(expr string, hints bool) (*Schedule, *parseError) {
	e := checkShape(expr)
	if e != nil {
		if !hints {
			e.suggest = ""
		}
		return nil, e
	}
	open := strings.IndexByte(expr, '(')
	body := token{expr[open+1 : len(expr)-1], open + 1}
	var s *Schedule
	if expr[:open] == "rate" {
		s, e = parseRate(body)
	} else {
		s, e = parseCron(expr, body, hints)
	}
	if e != nil {
		if !hints {
			e.fix, e.suggest = "", ""
		}
		return nil, e
	}
	for i, off := range s.offsets {
		s.offsets[i] = utf8.RuneCountInString(expr[:off])
	}
	return s, nil
}

// IsRate reports whether s came from a rate expression. AWS Backup's API
// reference describes schedule_expression only as a cron expression, so a
// caller may want to warn about rate expressions.
func (s *Schedule) IsRate() bool { return s.cron == nil }

// String returns the canonical form of the expression: single spaces, upper-
// case names, and each field rebuilt from the values it selects (so "0/1"
// hours become "*" and "1,2,3" becomes "1-3"). Parsing it gives an equivalent
// Schedule.
func (s *Schedule) String() string {
	if s.cron == nil {
		return s.rate.String()
	}
	return s.cron.String()
}

// Next returns the first run strictly after t, in UTC. ok is false when there
// is none, e.g. when the year field lies in the past.
//
// A rate expression has no fixed phase: AWS counts it from when the rule is
// created. Next therefore treats t as a run and returns t plus the rate.
func (s *Schedule) Next(t time.Time) (time.Time, bool) {
	if s.cron == nil {
		return t.UTC().Add(s.rate.d), true
	}
	return s.cron.next(t)
}

// MinInterval is the smallest gap between two consecutive runs. For a rate
// expression it is the rate. For a cron expression it is exact over the years
// AWS allows; see (*cronSpec).gaps for the reasoning. A schedule that runs at
// most once has no gap, and MinInterval returns the largest time.Duration.
func (s *Schedule) MinInterval() time.Duration { return s.minGap }
