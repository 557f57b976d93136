package cron

import (
	"fmt"
	"strings"
)

// checkShape checks the "keyword(…)" frame around the fields.
func checkShape(expr string) *parseError {
	example := `e.g. "cron(0 5 ? * * *)" (daily at 05:00 UTC, AWS Backup's default)`
	if strings.TrimSpace(expr) == "" {
		return errorf(0, "", "schedule expression is empty", "write a cron or rate expression, "+example)
	}
	if n := len(expr) - len(strings.TrimLeft(expr, " \t\r\n")); n > 0 {
		e := errorf(0, "", "unexpected white space before the expression", "remove it")
		e.suggest = strings.TrimSpace(expr)
		return e
	}
	if t := strings.TrimRight(expr, " \t\r\n"); len(t) < len(expr) {
		e := errorf(len(t), "", "unexpected white space after the expression", "remove it")
		e.suggest = strings.TrimSpace(expr)
		return e
	}
	open := strings.IndexByte(expr, '(')
	if open < 0 {
		e := errorf(0, "", `expected "cron(…)" or "rate(…)"`, "AWS schedule expressions wrap the fields in cron(…)")
		fs := strings.Fields(expr)
		if len(fs) > 1 && strings.EqualFold(fs[0], "rate") {
			e.hint = "AWS schedule expressions wrap the value and unit in rate(…)"
			e.suggest = "rate(" + strings.Join(fs[1:], " ") + ")"
			return e
		}
		if len(fs) > 1 && strings.EqualFold(fs[0], "cron") {
			fs = fs[1:]
		}
		if len(fs) == 5 {
			e.suggest, _ = unixToAWS(fs)
			e.hint += " and need six fields with \"?\" in day-of-month or day-of-week"
		} else if len(fs) == 6 {
			e.suggest = "cron(" + strings.Join(fs, " ") + ")"
		} else {
			e.hint += ", " + example
		}
		return e
	}
	kw := expr[:open]
	switch {
	case kw == "cron" || kw == "rate":
	case strings.EqualFold(kw, "cron") || strings.EqualFold(kw, "rate"):
		e := errorf(0, "", fmt.Sprintf("%q must be lower-case", kw), "")
		e.suggest = strings.ToLower(kw) + expr[open:]
		return e
	case strings.EqualFold(strings.TrimSpace(kw), "cron") || strings.EqualFold(strings.TrimSpace(kw), "rate"):
		e := errorf(len(strings.TrimRight(kw, " \t")), "", fmt.Sprintf("unexpected space between %q and \"(\"", strings.TrimSpace(kw)), "")
		e.suggest = strings.ToLower(strings.TrimSpace(kw)) + expr[open:]
		return e
	case kw == "at":
		return errorf(0, "", `one-time "at(…)" schedules are not supported for backup rules`,
			`use a recurring cron or rate expression, `+example)
	default:
		return errorf(0, "", fmt.Sprintf(`unknown schedule type %q; expected "cron(…)" or "rate(…)"`, kw), example)
	}
	closeAt := strings.IndexByte(expr[open+1:], ')')
	if closeAt < 0 {
		e := errorf(len(expr), "", `missing ")" at the end`, `close the expression with ")"`)
		e.suggest = expr + ")"
		return e
	}
	closeAt += open + 1
	if closeAt != len(expr)-1 {
		e := errorf(closeAt+1, "", `unexpected text after ")"`, `the expression must end with ")"`)
		e.suggest = expr[:closeAt+1]
		return e
	}
	if i := strings.IndexByte(expr[open+1:], '('); i >= 0 {
		return errorf(open+1+i, "", `unexpected "(" inside the expression`, `only the outer "cron(…)" or "rate(…)" has parentheses`)
	}
	return nil
}

// fields splits s at runs of white space, keeping byte offsets. The reference
// only says fields are "separated by white space", so any amount is accepted.
func fields(s token) []token {
	var out []token
	start := -1
	for i := 0; i <= len(s.text); i++ {
		space := i == len(s.text) || s.text[i] == ' ' || s.text[i] == '\t' || s.text[i] == '\n' || s.text[i] == '\r'
		switch {
		case space && start >= 0:
			out = append(out, token{s.text[start:i], s.off + start})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	return out
}
