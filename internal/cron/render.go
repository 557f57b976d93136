package cron

import (
	"strconv"
	"strings"
)

// String returns the canonical cron expression.
func (c *cronSpec) String() string {
	parts := make([]string, numFields)
	for f := range parts {
		parts[f] = c.render(f)
	}
	return "cron(" + strings.Join(parts, " ") + ")"
}

// render writes field f canonically. Day-of-week forms use numbers ("6L",
// "6#3") because those are the forms AWS documents.
func (c *cronSpec) render(f int) string {
	fv := &c.f[f]
	switch fv.kind {
	case kindAny:
		return "?"
	case kindLastDay:
		return "L"
	case kindLastWeekday:
		return "LW"
	case kindNearestWeekday:
		return strconv.Itoa(fv.n) + "W"
	case kindLastOfMonth:
		return strconv.Itoa(fv.n) + "L"
	case kindNth:
		return strconv.Itoa(fv.n) + "#" + strconv.Itoa(fv.k)
	}
	vals := c.values(f)
	spec := &specs[f]
	if len(vals) == spec.max-spec.min+1 {
		return "*"
	}
	// Numeric fields keep the step form people write ("0/15"); for names a
	// list ("MON,WED,FRI") reads better than "MON/2".
	if spec.names == nil {
		if step, ok := progression(vals, spec.min, spec.max-spec.min+1); ok {
			first, last := vals[0], vals[len(vals)-1]
			if last+step > spec.max {
				return strconv.Itoa(first) + "/" + strconv.Itoa(step)
			}
			return strconv.Itoa(first) + "-" + strconv.Itoa(last) + "/" + strconv.Itoa(step)
		}
	}
	var parts []string
	for _, r := range runs(vals) {
		lo, hi := endText(r[0], f), endText(r[1], f)
		switch r[1] - r[0] {
		case 0:
			parts = append(parts, lo)
		case 1:
			parts = append(parts, lo, hi)
		default:
			parts = append(parts, lo+"-"+hi)
		}
	}
	return strings.Join(parts, ",")
}

// progression reports whether vals are evenly spaced with a step above 1. Two
// values count only when they start the field and the step divides its span
// ("0/30" minutes, "0/12" hours): "5/50" or "9/12" would be strange ways to
// write "5,55" and "9,21".
func progression(vals []int, lo, span int) (int, bool) {
	if len(vals) < 2 {
		return 0, false
	}
	step := vals[1] - vals[0]
	if step < 2 || len(vals) == 2 && (vals[0] != lo || span%step != 0) {
		return 0, false
	}
	for i := 2; i < len(vals); i++ {
		if vals[i]-vals[i-1] != step {
			return 0, false
		}
	}
	return step, true
}

// runs groups ascending values into maximal [lo, hi] runs of consecutive
// values.
func runs(vals []int) [][2]int {
	var out [][2]int
	for _, v := range vals {
		if n := len(out); n > 0 && out[n-1][1] == v-1 {
			out[n-1][1] = v
			continue
		}
		out = append(out, [2]int{v, v})
	}
	return out
}
