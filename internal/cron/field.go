package cron

import (
	"fmt"
	"strconv"
	"strings"
)

// Field indexes, in the order AWS expects the fields.
const (
	fMinutes = iota
	fHours
	fDayOfMonth
	fMonth
	fDayOfWeek
	fYear
	numFields
)

// fieldSpec describes one cron field as the EventBridge reference tables it.
type fieldSpec struct {
	name      string
	min, max  int
	names     []string // names[v-min] is the name of value v; nil if none
	wildcards string   // for messages only
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// specs holds the documented value ranges. Day-of-week accepts "/" although
// the current EventBridge table omits it: the CloudWatch Events page that the
// AWS Backup API reference links to lists it, and Quartz accepts it, so
// rejecting it could block a policy AWS would apply.
var specs = [numFields]fieldSpec{
	{"minutes", 0, 59, nil, ", - * /"},
	{"hours", 0, 23, nil, ", - * /"},
	{"day-of-month", 1, 31, nil, ", - * ? / L W"},
	{"month", 1, 12, monthNames, ", - * /"},
	{"day-of-week", 1, 7, dayNames, ", - * ? / L #"},
	{"year", 1970, 2199, nil, ", - * /"},
}

// bitset holds field values as offsets from the field's minimum; the largest
// field, year, needs 230 bits.
type bitset [4]uint64

func (b *bitset) add(i int)     { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i int) bool { return i >= 0 && i < 256 && b[i>>6]&(1<<(i&63)) != 0 }

// kind says how a field selects values. Only the two day fields use anything
// but kindSet.
type kind uint8

const (
	kindSet            kind = iota // the values in set
	kindAny                        // "?": the other day field decides
	kindLastDay                    // day-of-month "L"
	kindLastWeekday                // day-of-month "LW"
	kindNearestWeekday             // day-of-month "nW"
	kindLastOfMonth                // day-of-week "nL": last weekday n of the month
	kindNth                        // day-of-week "n#k": k-th weekday n of the month
)

// fieldValue is one parsed field.
type fieldValue struct {
	kind kind
	set  bitset // for kindSet
	n, k int    // day for kindNearestWeekday; weekday (and instance) for kindLastOfMonth, kindNth
}

// token is one white-space separated piece of an expression and its byte
// offset in the whole expression.
type token struct {
	text string
	off  int
}

// parseField parses one cron field. The grammar is the reference's: a comma
// list of items, each "*", a value, or a range, optionally followed by
// "/step"; plus the day fields' "?", "L", "W" and "#" forms, which must stand
// alone.
func parseField(tok token, f int) (fieldValue, *parseError) {
	spec := &specs[f]
	up := asciiUpper(tok.text)
	if e := checkChars(tok, up, f); e != nil {
		return fieldValue{}, e
	}
	if i := strings.IndexByte(up, '?'); i >= 0 {
		// checkChars has already rejected "?" outside the day fields.
		if up != "?" {
			return fieldValue{}, errorf(tok.off+i, spec.name,
				spec.name+`: "?" must be the whole field`,
				`"?" means "any" and cannot be combined with other values`)
		}
		return fieldValue{kind: kindAny}, nil
	}
	if fv, ok, e := parseSpecial(tok, up, f); ok || e != nil {
		return fv, e
	}
	var fv fieldValue
	off := tok.off
	for item := range strings.SplitSeq(up, ",") {
		if item == "" {
			e := errorf(off, spec.name, spec.name+": empty item in list", "remove the extra comma")
			e.fix = dropEmptyItems(tok.text)
			return fieldValue{}, e
		}
		lo, hi, step, e := parseItem(token{item, off}, tok, f)
		if e != nil {
			return fieldValue{}, e
		}
		for v := lo; v <= hi; v += step {
			fv.set.add(v - spec.min)
		}
		off += len(item) + 1
	}
	return fv, nil
}

// checkChars rejects characters no field accepts and wildcards the field does
// not accept, so later stages only see plausible text.
func checkChars(tok token, up string, f int) *parseError {
	spec := &specs[f]
	for i := 0; i < len(up); i++ {
		c := up[i]
		switch {
		case isDigit(c), c >= 'A' && c <= 'Z', c == ',', c == '-', c == '*', c == '/':
		case c == '?' && (f == fDayOfMonth || f == fDayOfWeek):
		case c == '#' && f == fDayOfWeek:
		case c == '?':
			e := errorf(tok.off+i, spec.name, spec.name+`: "?" is only allowed in day-of-month and day-of-week`,
				`use "*" for every value`)
			if tok.text == "?" {
				e.fix = "*"
			}
			return e
		case c == '#':
			return errorf(tok.off+i, spec.name, spec.name+`: "#" is only allowed in day-of-week`,
				`for the n-th weekday of the month put e.g. "6#3" (third Friday) in day-of-week and "?" in day-of-month`)
		default:
			r := []rune(tok.text[i:])[0]
			return errorf(tok.off+i, spec.name, fmt.Sprintf("%s: unexpected character %q", spec.name, r),
				fmt.Sprintf("%s accepts values %s and the wildcards %s", spec.name, rangeText(f), spec.wildcards))
		}
	}
	return nil
}

// parseItem parses "*", "v", "a-b", each optionally with "/step". item is
// upper-case; whole is the field's token, used to build fixes.
func parseItem(item, whole token, f int) (lo, hi, step int, e *parseError) {
	spec := &specs[f]
	base, stepText, hasStep := strings.Cut(item.text, "/")
	step = 1
	if hasStep {
		stepOff := item.off + len(base) + 1
		span := spec.max - spec.min + 1
		switch {
		case stepText == "":
			return 0, 0, 0, errorf(stepOff, spec.name, spec.name+`: missing step after "/"`,
				fmt.Sprintf(`write e.g. "%s/%d"`, orStar(base), min(span/2, 15)))
		case !isDigits(stepText):
			return 0, 0, 0, errorf(stepOff, spec.name,
				fmt.Sprintf("%s: step %q is not a number", spec.name, orig(whole, token{stepText, stepOff})),
				`a step is a whole number, as in "0/15"`)
		}
		step, _ = strconv.Atoi(trimZeros(stepText))
		if len(stepText) > 4 || step < 1 || step > maxStep(f) {
			// A step beyond the field's span can only ever match the start
			// value, and Quartz, whose syntax AWS cron follows, rejects it.
			e := errorf(stepOff, spec.name,
				fmt.Sprintf("%s: step %s is out of range 1-%d", spec.name, stepText, maxStep(f)),
				stepHint(f, step))
			if step > maxStep(f) && base != "" && !strings.Contains(base, "-") {
				e.fix = replaceSpan(whole, item.off, item.off+len(item.text), startOf(base, f))
			}
			if step == 0 {
				e.fix = replaceSpan(whole, item.off+len(base), item.off+len(item.text), "")
			}
			return 0, 0, 0, e
		}
	}
	switch {
	case base == "*":
		return spec.min, spec.max, step, nil
	case base == "":
		return 0, 0, 0, errorf(item.off, spec.name, spec.name+`: missing value before "/"`,
			`write e.g. "0/15" to start at 0 and repeat every 15`)
	}
	a, b, isRange := strings.Cut(base, "-")
	if a == "" && isRange {
		return 0, 0, 0, errorf(item.off, spec.name,
			fmt.Sprintf("%s: %q is missing the start of its range", spec.name, orig(whole, token{base, item.off})),
			fmt.Sprintf("values are never negative; %s accepts %s", spec.name, rangeText(f)))
	}
	if a == "*" {
		return 0, 0, 0, errorf(item.off, spec.name, spec.name+`: "*" cannot start a range`,
			`write the range with two values, e.g. "`+endText(spec.min, f)+"-"+endText(spec.max, f)+`", or use "*" alone`)
	}
	if lo, e = parseNumber(token{a, item.off}, whole, f); e != nil {
		return 0, 0, 0, e
	}
	switch {
	case isRange:
		bOff := item.off + len(a) + 1
		if b == "" {
			return 0, 0, 0, errorf(bOff, spec.name, spec.name+": missing end of range",
				fmt.Sprintf(`write both ends, e.g. "%s-%s"`, a, endText(spec.max, f)))
		}
		if strings.Contains(b, "-") {
			return 0, 0, 0, errorf(bOff+strings.IndexByte(b, '-'), spec.name,
				fmt.Sprintf("%s: %q has more than one \"-\"", spec.name, orig(whole, token{base, item.off})), `a range has two ends, e.g. "1-5"`)
		}
		if hi, e = parseNumber(token{b, bOff}, whole, f); e != nil {
			return 0, 0, 0, e
		}
		if lo > hi {
			// Quartz accepts wrapping ranges but AWS does not document them;
			// the split form means the same and is certainly accepted.
			split := wrapSplit(a, b, lo, hi, f)
			hint := fmt.Sprintf(`ranges must go from low to high; to wrap around write %q`, split)
			if f == fYear {
				// Years cannot wrap around; the ends are simply swapped.
				split = b + "-" + a
				hint = fmt.Sprintf(`write the earlier year first: %q`, split)
			}
			e := errorf(item.off, spec.name,
				fmt.Sprintf("%s: range %q runs backwards", spec.name, orig(whole, token{base, item.off})), hint)
			if !hasStep {
				e.fix = replaceSpan(whole, item.off, item.off+len(item.text), split)
			}
			return 0, 0, 0, e
		}
	case hasStep:
		// "a/n" starts at a and repeats to the end of the field.
		hi = spec.max
	default:
		hi = lo
	}
	return lo, hi, step, nil
}

// parseNumber parses one value: digits, or a name in fields that have names.
// whole is the field's token, for building fixes.
func parseNumber(t token, whole token, f int) (int, *parseError) {
	spec := &specs[f]
	if t.text == "" {
		return 0, errorf(t.off, spec.name, spec.name+": missing value",
			fmt.Sprintf("%s accepts values %s", spec.name, rangeText(f)))
	}
	if isDigits(t.text) {
		v, _ := strconv.Atoi(trimZeros(t.text))
		if len(t.text) > 4 || v < spec.min || v > spec.max {
			return 0, outOfRange(t, whole, f, v)
		}
		return v, nil
	}
	if spec.names != nil && isLetters(t.text) {
		for i, n := range spec.names {
			if t.text == n {
				return spec.min + i, nil
			}
		}
		e := errorf(t.off, spec.name,
			fmt.Sprintf("%s: %q is not a %s name", spec.name, orig(whole, t), nameKind(f)),
			fmt.Sprintf("use %s", rangeText(f)))
		if t.text == "L" || t.text == "W" || t.text == "LW" {
			e.hint = `"L" and "W" are only allowed in day-of-month and day-of-week`
		}
		if len(t.text) > 3 {
			for _, n := range spec.names {
				if strings.HasPrefix(t.text, n) {
					e.hint = fmt.Sprintf("use the three-letter name %q", n)
					e.fix = replaceSpan(whole, t.off, t.off+len(t.text), n)
				}
			}
		}
		return 0, e
	}
	hint := fmt.Sprintf("%s accepts values %s", spec.name, rangeText(f))
	switch {
	case strings.ContainsAny(t.text, "LW") && f != fDayOfMonth && f != fDayOfWeek:
		hint = `"L" and "W" are only allowed in day-of-month and day-of-week`
	case strings.Contains(t.text, "W") && f == fDayOfWeek:
		hint = `"W" (nearest weekday) is only allowed in day-of-month, e.g. "15W" with "?" in day-of-week`
	}
	return 0, errorf(t.off, spec.name,
		fmt.Sprintf("%s: %q is not a valid value", spec.name, orig(whole, t)), hint)
}

// outOfRange builds the error for a number outside its field, with hints for
// the usual causes: Unix cron habits (day-of-week 0, hour 24).
func outOfRange(t, whole token, f, v int) *parseError {
	spec := &specs[f]
	e := errorf(t.off, spec.name,
		fmt.Sprintf("%s: %s is out of range %d-%d", spec.name, t.text, spec.min, spec.max), "")
	switch f {
	case fMinutes:
		e.hint = "minutes run 0-59"
		if v == 60 {
			e.hint += "; the top of the hour is 0"
			e.fix = replaceSpan(whole, t.off, t.off+len(t.text), "0")
		}
	case fHours:
		e.hint = "hours run 0-23 in UTC"
		if v == 24 {
			e.hint += "; midnight is 0"
			e.fix = replaceSpan(whole, t.off, t.off+len(t.text), "0")
		}
	case fDayOfMonth:
		e.hint = `days of the month run 1-31; use "L" for the last day of the month`
	case fMonth:
		e.hint = "months run 1-12 or JAN-DEC"
	case fDayOfWeek:
		e.hint = "days of the week run 1-7 with 1 = SUN, or SUN-SAT"
		if v == 0 {
			e.hint = "AWS numbers days of the week 1-7 starting with 1 = SUN; Unix cron's 0 (Sunday) is 1 or SUN here"
			if fix, ok := unixWeekdays(whole.text); ok {
				e.fix = fix
			}
		}
	case fYear:
		e.hint = "years run 1970-2199"
	}
	return e
}

// wrapSplit rewrites the wrapping range a-b (lo > hi) as two ascending
// ones: "22-2" becomes "22-23,0-2" and "DEC-JAN" becomes "DEC,JAN".
func wrapSplit(a, b string, lo, hi, f int) string {
	spec := &specs[f]
	left, right := a+"-"+endText(spec.max, f), endText(spec.min, f)+"-"+b
	if lo == spec.max {
		left = a
	}
	if hi == spec.min {
		right = b
	}
	return left + "," + right
}

// maxStep is the largest step a field accepts. Quartz's CronExpression,
// whose syntax AWS cron follows, rejects only increments above 59 minutes,
// 23 hours, 31 days of the month, 12 months and 7 days of the week; so
// "*/12" in the month field (AWS's own Landing Zone Accelerator reference
// policy uses "cron(0 8 1 */12 ? *)") and "1/31" in the day-of-month field
// are valid: each matches its start value only. Years have no documented
// bound; a step of the whole span is refused as a mistake.
func maxStep(f int) int {
	switch f {
	case fDayOfMonth, fMonth, fDayOfWeek:
		return specs[f].max - specs[f].min + 1
	}
	return specs[f].max - specs[f].min
}

func stepHint(f, step int) string {
	switch {
	case step == 0:
		return "a step must be at least 1"
	case f == fMinutes:
		return `a step of 60 or more only ever matches the start minute; to run once an hour use a single minute such as "0"`
	case f == fHours:
		return `a step of 24 or more only ever matches the start hour; to run once a day use a single hour such as "5"`
	}
	return "a step that large only ever matches the start value; use that single value instead"
}

// startOf returns the start value of a stepped item's base, for the fix that
// replaces an oversized step by its only matching value.
func startOf(base string, f int) string {
	if base == "*" {
		return endText(specs[f].min, f)
	}
	return base
}

func orStar(base string) string {
	if base == "" {
		return "*"
	}
	return base
}

func nameKind(f int) string {
	if f == fMonth {
		return "month"
	}
	return "weekday"
}
