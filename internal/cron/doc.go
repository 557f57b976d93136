// Package cron parses and analyses the schedule expressions AWS Backup accepts
// in a backup rule's schedule_expression: EventBridge-style
// "cron(Minutes Hours Day-of-month Month Day-of-week Year)" in UTC, and
// "rate(value unit)".
//
// The rules follow the EventBridge "Cron expressions reference" and "Rate
// expressions reference". Where AWS documents a construct only by example or
// not at all, the package follows Quartz, the scheduler whose syntax
// EventBridge copies, and says so next to the code. Errors aim to be
// actionable: each *Error names the field, points at the offending text, and
// where possible carries a corrected expression that is itself known to parse.
//
// Analysis (Next, MinInterval) works on the whole year range AWS allows,
// 1970-2199, so it is exact rather than estimated: that range is small enough
// (about 84,000 days) to walk.
package cron
