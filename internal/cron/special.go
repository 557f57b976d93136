package cron

import (
	"fmt"
	"strconv"
	"strings"
)

// parseSpecial handles "L", "W" and "#". ok is false when the field has none
// of them and the generic list syntax applies.
func parseSpecial(tok token, up string, f int) (fv fieldValue, ok bool, e *parseError) {
	spec := &specs[f]
	switch f {
	case fDayOfMonth:
		i := strings.IndexAny(up, "LW")
		if i < 0 {
			return fv, false, nil
		}
		if strings.Contains(up, ",") {
			return fv, true, errorf(tok.off+i, spec.name,
				spec.name+`: "L" and "W" cannot be combined with other days`,
				`use a single form such as "L", "LW" or "15W"`)
		}
		switch {
		case up == "L":
			return fieldValue{kind: kindLastDay}, true, nil
		case up == "LW":
			return fieldValue{kind: kindLastWeekday}, true, nil
		case len(up) > 1 && up[len(up)-1] == 'W' && isDigits(up[:len(up)-1]):
			n, e := parseNumber(token{up[:len(up)-1], tok.off}, tok, f)
			if e != nil {
				return fv, true, e
			}
			return fieldValue{kind: kindNearestWeekday, n: n}, true, nil
		case strings.HasPrefix(up, "L-"):
			// Quartz's offset form; AWS documents only "L" and "W".
			return fv, true, errorf(tok.off, spec.name,
				fmt.Sprintf("%s: %q (days before the last day) is not supported by AWS", spec.name, tok.text),
				`use "L" for the last day of the month or a fixed day number`)
		case up == "W":
			return fv, true, errorf(tok.off, spec.name, spec.name+`: "W" needs a day number before it`,
				`"15W" is the weekday nearest the 15th; "LW" is the last weekday of the month`)
		case len(up) == 2 && up[1] == 'L' && up[0] >= '1' && up[0] <= '7':
			day := fullDayNames[up[0]-'1']
			return fv, true, errorf(tok.off, spec.name, fmt.Sprintf("%s: %q is not valid here", spec.name, tok.text),
				`"L" alone is the last day of the month; "`+up+`" (the last `+day+` of the month) belongs in day-of-week, with "?" in day-of-month`)
		default:
			return fv, true, errorf(tok.off+i, spec.name,
				fmt.Sprintf("%s: %q is not a valid use of \"L\" or \"W\"", spec.name, tok.text),
				`use "L" (last day), "LW" (last weekday) or a day followed by "W" (nearest weekday), e.g. "15W"`)
		}
	case fDayOfWeek:
		// No weekday name contains "L" or "#", so their presence is unambiguous.
		if i := strings.IndexByte(up, '#'); i >= 0 {
			if strings.Contains(up, ",") {
				return fv, true, errorf(tok.off+i, spec.name,
					fmt.Sprintf(`%s: "#" allows only one expression, so %q is not valid`, spec.name, tok.text),
					`use one weekday instance per backup rule, e.g. "6#3"; add a rule for each further instance`)
			}
			day, inst, _ := strings.Cut(up, "#")
			n, e := parseNumber(token{day, tok.off}, tok, f)
			if e != nil {
				return fv, true, e
			}
			instOff := tok.off + i + 1
			if !isDigits(inst) {
				return fv, true, errorf(instOff, spec.name,
					fmt.Sprintf("%s: %q needs an instance number 1-5 after \"#\"", spec.name, tok.text),
					`e.g. "6#3" is the third Friday of the month`)
			}
			k, _ := strconv.Atoi(trimZeros(inst))
			if len(inst) > 2 || k < 1 || k > 5 {
				return fv, true, errorf(instOff, spec.name,
					fmt.Sprintf("%s: instance %s in %q is out of range 1-5", spec.name, inst, tok.text),
					`no month has more than five of a weekday; for the last one use "L", e.g. "6L" for the last Friday`)
			}
			return fieldValue{kind: kindNth, n: n, k: k}, true, nil
		}
		i := strings.IndexByte(up, 'L')
		if i < 0 {
			return fv, false, nil
		}
		if strings.Contains(up, ",") {
			return fv, true, errorf(tok.off+i, spec.name,
				spec.name+`: "L" cannot be combined with other days`,
				`use a single form such as "6L" (last Friday of the month)`)
		}
		if up == "L" {
			// Alone, "L" is the last day of the week: Saturday, as weeks
			// start on Sunday (1).
			var fv fieldValue
			fv.set.add(7 - spec.min)
			return fv, true, nil
		}
		if i != len(up)-1 {
			return fv, true, errorf(tok.off+i, spec.name,
				fmt.Sprintf(`%s: "L" must come last, as in "6L", not %q`, spec.name, tok.text),
				`"6L" means the last Friday of the month`)
		}
		n, e := parseNumber(token{up[:i], tok.off}, tok, f)
		if e != nil {
			return fv, true, e
		}
		return fieldValue{kind: kindLastOfMonth, n: n}, true, nil
	}
	return fv, false, nil
}
