package cron

import (
	"strconv"
	"strings"
)

// unixToAWS rewrites a 5-field Unix cron expression (minute hour
// day-of-month month day-of-week) as an AWS one: it adds the year, puts "?"
// in the day field Unix leaves as "*", and renumbers weekdays. ok is false
// when both day fields are restricted: Unix runs when either matches, which
// AWS cannot express.
func unixToAWS(f []string) (string, bool) {
	m, h, dom, mon, dow := f[0], f[1], f[2], f[3], f[4]
	switch {
	case dow == "*" || dow == "?":
		if dom == "?" {
			dom = "*"
		}
		dow = "?"
	case dom == "*" || dom == "?":
		d, ok := unixWeekdays(dow)
		if !ok {
			return "", false
		}
		dom, dow = "?", d
	default:
		return "", false
	}
	return "cron(" + strings.Join([]string{m, h, dom, mon, dow, "*"}, " ") + ")", true
}

// unixWeekdays renumbers a day-of-week field from Unix (0-7, 0 and 7 =
// Sunday) to AWS (1-7, 1 = Sunday). Names and steps are kept. Callers verify
// the result parses, since e.g. Unix "5-7" becomes the backwards "6-1".
func unixWeekdays(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		n, err := strconv.Atoi(s[i:j])
		switch {
		case i > 0 && (s[i-1] == '/' || s[i-1] == '#'):
			b.WriteString(s[i:j]) // a step or an instance, not a day
		case err != nil || n > 7:
			return "", false
		default:
			b.WriteString(strconv.Itoa(n%7 + 1))
		}
		i = j
	}
	return b.String(), true
}

// unixAlternatives returns the two AWS expressions that keep one of a Unix
// expression's two restricted day fields each.
func unixAlternatives(f []string) []string {
	out := []string{"cron(" + strings.Join([]string{f[0], f[1], f[2], f[3], "?", "*"}, " ") + ")"}
	if dow, ok := unixWeekdays(f[4]); ok {
		out = append(out, "cron("+strings.Join([]string{f[0], f[1], "?", f[3], dow, "*"}, " ")+")")
	}
	return out
}
