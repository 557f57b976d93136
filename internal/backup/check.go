package backup

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/orgbackup/orgbackup/internal/cron"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/region"
	"github.com/orgbackup/orgbackup/internal/suggest"
)

// Violation codes. The first three are the codes Organizations itself
// reports for invalid effective policies (ListEffectivePolicyValidationErrors).
const (
	KeyRequired         = "KEY_REQUIRED"
	ElementsTooMany     = "ELEMENTS_TOO_MANY"
	ElementsTooFew      = "ELEMENTS_TOO_FEW"
	InvalidValue        = "INVALID_VALUE"
	ScheduleTooFrequent = "SCHEDULE_TOO_FREQUENT"
	ScheduleNotCron     = "SCHEDULE_NOT_CRON"
	ScheduleDefault     = "SCHEDULE_DEFAULT"
	LifecycleTooShort   = "LIFECYCLE_TOO_SHORT"
	ContinuousLifecycle = "CONTINUOUS_BACKUP_LIFECYCLE"
	UnknownKey          = "UNKNOWN_KEY"
	DuplicateKey        = "DUPLICATE_KEY"
	CopyKeyCase         = "COPY_ACTION_KEY_CASE"
	ScanNeverStarts     = "SCAN_NEVER_STARTS"
	IndexTypes          = "INDEX_RESOURCE_TYPES"
)

// DefaultSchedule is what AWS Backup runs a rule on when it has no
// schedule_expression: BackupRuleInput.ScheduleExpression is optional in
// the Backup API ("Required: No"), and the default is daily at 05:00 UTC.
// Live organizations accept backup policies without one and back up on it.
const DefaultSchedule = "cron(0 5 ? * * *)"

// MinScheduleInterval is the shortest gap AWS Backup allows between two
// backup jobs of a rule ("The interval between backup jobs shouldn't be
// less than 60 minutes").
const MinScheduleInterval = 60 * time.Minute

// Violation is one way a backup policy document breaks AWS's rules.
type Violation struct {
	Code string
	// Path is the keys from the document root to the problem, e.g.
	// [plans daily rules hourly schedule_expression].
	Path []string
	// Node is the offending node, or the object missing a key.
	Node    *doc.Node
	Message string
	Hint    string
	// Warning marks a violation AWS accepts: the policy works, though
	// perhaps not as its author expects (a default schedule, an index
	// resource type AWS ignores).
	Warning bool
}

// PathString renders the path with '/' separators, the way Organizations
// prints PathToError.
func (v Violation) PathString() string { return strings.Join(v.Path, "/") }

// Mode says how complete a document must be.
type Mode int

const (
	// Complete is for effective policies and for policies meant to stand on
	// their own: every required key must be there.
	Complete Mode = iota
	// Partial checks the values that are present and nothing else; for a
	// policy that is only valid merged with its parents.
	Partial
)

// Check validates a backup policy document in effective form (values
// without operators; see Unwrap for a single operator-form document)
// against AWS's rules: required keys, quotas, value formats, schedules,
// windows and lifecycles.
func Check(d *doc.Node, mode Mode) []Violation { return (*Memo)(nil).Check(d, mode) }

// Memo checks and lists the references of many documents that share plans,
// as the effective policies of an organization's accounts do (see
// inherit.Shared): each distinct plan, by node, is checked once, however
// many documents hold it. The results are the same as Check's and
// References', shared between documents: callers must not modify them.
// The documents must not change while the Memo is in use. A Memo is safe
// for concurrent use; the nil *Memo checks everything afresh.
type Memo struct {
	mu    sync.Mutex
	plans map[planKey]*planResult
	refs  map[planKey][]Ref // mode unset
}

// planKey is a plan as a document holds it: the violations' paths name
// its key, and its node carries their positions.
type planKey struct {
	key  string
	node *doc.Node
	mode Mode
}

// planResult is what Check finds in one plan, in the order it finds it:
// the violations of its structure (node's), then those of the rules
// spanning several keys (plan's).
type planResult struct {
	structure, rules []Violation
}

// checked returns the violations of the plan at key, computed once.
func (m *Memo) checked(key string, n *doc.Node, mode Mode) *planResult {
	return memoized(&m.mu, &m.plans, planKey{key: key, node: n, mode: mode}, func() *planResult {
		path := []string{"plans", key}
		c := &checker{mode: mode}
		c.node(path, n, Plans.Elem)
		r := &planResult{structure: c.out}
		c.out = nil
		c.plan(path, n)
		r.rules = c.out
		return r
	})
}

// memoized returns table's value for k, computed by f on first use and
// then shared. f runs without the lock, so two callers may compute a value
// at once; both get the one stored first.
func memoized[V any](mu *sync.Mutex, table *map[planKey]V, k planKey, f func() V) V {
	mu.Lock()
	v, ok := (*table)[k]
	mu.Unlock()
	if ok {
		return v
	}
	v = f()
	mu.Lock()
	defer mu.Unlock()
	if old, ok := (*table)[k]; ok {
		return old
	}
	if *table == nil {
		*table = map[planKey]V{}
	}
	(*table)[k] = v
	return v
}

// Check is Check, with each plan's violations computed once.
func (m *Memo) Check(d *doc.Node, mode Mode) []Violation {
	c := &checker{mode: mode, memo: m}
	c.node(nil, d, Policy)
	plans := d.GetFold("plans")
	if plans != nil && plans.Kind == doc.Object {
		for _, f := range plans.Fields {
			if strings.HasPrefix(f.Key, "@@") || f.Value.Kind != doc.Object {
				continue
			}
			if m != nil {
				c.out = append(c.out, m.checked(f.Key, f.Value, mode).rules...)
				continue
			}
			c.plan([]string{"plans", f.Key}, f.Value)
		}
	}
	return c.out
}

// numbers prints numbers as people read them, 52,560,000: the values of
// messages are whatever an author wrote.
var numbers = message.NewPrinter(language.English)

type checker struct {
	mode Mode
	out  []Violation
	// memo, when set, holds the plans' violations (see Memo).
	memo *Memo
}

func (c *checker) add(code string, path []string, n *doc.Node, hint, format string, args ...any) {
	c.out = append(c.out, Violation{Code: code, Path: slices.Clone(path), Node: n, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (c *checker) warn(code string, path []string, n *doc.Node, hint, format string, args ...any) {
	c.add(code, path, n, hint, format, args...)
	c.out[len(c.out)-1].Warning = true
}

// node checks the structure below n: required keys, counts and value types.
func (c *checker) node(path []string, n *doc.Node, s *Spec) {
	if n == nil || s == nil {
		return
	}
	switch s.Kind {
	case Object, Map:
		if n.Kind != doc.Object {
			c.add(InvalidValue, path, n, "write "+label(path)+" as an object of keys", "%s must be an object, not %s", label(path), n.Kind)
			return
		}
	}
	switch s.Kind {
	case Object:
		if c.mode == Complete {
			for _, k := range s.Required {
				if n.GetFold(k) == nil {
					c.add(KeyRequired, path, n, requiredHint(k), "%s is missing required key %q", label(path), k)
				}
			}
		}
		for _, f := range n.Fields {
			if strings.HasPrefix(f.Key, "@@") {
				continue
			}
			fs := s.Field(f.Key)
			if fs == nil {
				c.add(UnknownKey, append(path, f.Key), f.Value, unknownKeyHint(f.Key, s.Keys()), "unknown key %q in %s", f.Key, label(path))
				continue
			}
			c.node(append(path, f.Key), f.Value, fs)
		}
	case Map:
		count := 0
		seen := map[string]string{}
		for _, f := range n.Fields {
			if strings.HasPrefix(f.Key, "@@") {
				continue
			}
			count++
			// Organizations matches these keys without regard to case
			// (SYNTAX 2022: identifiers are "not case sensitive"; effective
			// policies print them lower-cased), so two that differ only in
			// case name one entry twice: "Duplicate key names will be
			// rejected" (SYNTAX, Considerations).
			if first, dup := seen[strings.ToLower(f.Key)]; dup {
				c.add(DuplicateKey, append(path, f.Key), f.Value,
					fmt.Sprintf("rename one of them, or merge them into one %s", entryWord(s)),
					"%s %q and %q of %s differ only in case; Organizations treats keys without regard to case, so they are the same %s",
					entryWord(s), first, f.Key, mapOwner(path), entryWord(s))
			} else {
				seen[strings.ToLower(f.Key)] = f.Key
			}
			if c.memo != nil && s == Plans && len(path) == 1 && f.Value.Kind == doc.Object {
				// The same result as below, from the memo. A plan that
				// is not an object is reported here afresh, as Check
				// does not look at its rules.
				c.out = append(c.out, c.memo.checked(f.Key, f.Value, c.mode).structure...)
				continue
			}
			c.node(append(path, f.Key), f.Value, s.Elem)
		}
		c.count(path, n, s, count)
	case List:
		if n.Kind != doc.Array {
			c.add(InvalidValue, path, n, `write a list, e.g. ["…"], even for a single value`, "%s must be a list, not %s", label(path), n.Kind)
			return
		}
		c.count(path, n, s, len(n.Items))
		for i, it := range n.Items {
			c.value(append(path, strconv.Itoa(i)), it, s.Type)
		}
	case Leaf:
		c.value(path, n, s.Type)
	}
}

func (c *checker) count(path []string, n *doc.Node, s *Spec, count int) {
	what := s.Entry
	if what == "" {
		what = "value"
	}
	owner := label(path)
	if s.Kind == Map {
		owner = mapOwner(path)
	}
	if s.Max > 0 && count > s.Max {
		c.add(ElementsTooMany, path, n, "AWS quota: "+s.Quota+"; "+quotaFix(what), "%s has %s %ss; at most %d %s allowed", owner, numbers.Sprint(count), what, s.Max, plural(s.Max, "is", "are"))
	}
	if c.mode == Complete && count < s.Min {
		c.add(ElementsTooFew, path, n, tooFewHint(path), "%s has %d %ss; at least %d %s required", owner, count, what, s.Min, plural(s.Min, "is", "are"))
	}
}

// mapOwner names what the map at path belongs to, for messages: a map's
// entries belong to its parent ("plan "daily" has 11 rules"), and
// selections.tags and selections.resources belong to the plan.
func mapOwner(path []string) string {
	switch {
	case len(path) >= 4 && path[len(path)-2] == "selections":
		return label(path[:len(path)-2])
	case len(path) > 0:
		return label(path[:len(path)-1])
	}
	return label(path)
}

// entryWord names one entry of a map for messages: "rule", "plan".
func entryWord(s *Spec) string {
	if s.Entry == "" {
		return "key"
	}
	return s.Entry
}

// tooFewHint says what to add to a map or list that needs more entries.
func tooFewHint(path []string) string {
	key := "plans"
	if len(path) > 0 {
		key = path[len(path)-1]
	}
	switch key {
	case "plans":
		return `add a plan, e.g. "plans": {"daily": {...}}, or remove the empty policy`
	case "regions":
		return `list the Regions the plan runs in, e.g. ["us-east-1"]`
	case "tag_value":
		return `list the tag values that select a resource, e.g. ["On"]`
	case "resource_types":
		return `list what to back up, e.g. ["*"] or ["arn:aws:ec2:*:*:volume/*"]`
	}
	return requiredHint(key)
}

func (c *checker) value(path []string, n *doc.Node, t Type) {
	switch t {
	case Int:
		if _, ok := intValue(n); !ok {
			c.add(InvalidValue, path, n, "write a whole number such as \"60\"", "%s must be a whole number, not %s", label(path), n.Scalar())
		}
	case Bool:
		if _, ok := boolValue(n); !ok {
			c.add(InvalidValue, path, n, "write \"true\" or \"false\"", "%s must be true or false, not %s", label(path), n.Scalar())
		}
	case String:
		if n.Kind != doc.String {
			c.add(InvalidValue, path, n, "write the value in double quotes", "%s must be a string, not %s", label(path), n.Kind)
		}
	}
}

// Quotas that span several keys, which Spec's per-node Max cannot express.
const (
	maxSelections = 100 // tags and resources of one plan together
	maxConditions = 30  // all four condition maps of one selection together
)

// Ranges of whole-number settings. CUE range-checks plain values; values in
// the operator form ("480") and in effective policies are checked here.
const (
	// The start window "must be at least 60 minutes to avoid errors"
	// (SYNTAX); the completion window has no documented minimum (SYNTAX,
	// "optional"; BKAPI CompletionWindowMinutes), so any positive number
	// of minutes is accepted. Both are at most 100 years (BKAPI).
	minStartWindow    = 60
	minCompleteWindow = 1
	maxWindow         = 52560000
	minLifetime       = 1 // lifecycle days
	maxLifetime       = 36500
	// KeepForever is the lifecycle value that keeps recovery points
	// indefinitely: "To remove the existing lifecycle and retention
	// periods and keep your recovery points indefinitely, specify -1 for
	// MoveToColdStorageAfterDays and DeleteAfterDays" (BKAPI Lifecycle).
	KeepForever = -1
)

var vaultRe = regexp.MustCompile(`^[a-zA-Z0-9\-_]{2,50}$`)

// plan applies the rules that span several keys of one plan.
func (c *checker) plan(path []string, p *doc.Node) {
	if regions, ok := p.GetFold("regions").Strings(); ok {
		for i, r := range regions {
			if !region.Shaped(r) {
				c.add(InvalidValue, append(path, "regions", strconv.Itoa(i)), p.GetFold("regions").Items[i],
					`write a Region code such as "us-east-1" or "eu-west-2"`, "%q is not an AWS Region code", r)
			}
		}
	}
	if sel := p.GetFold("selections"); sel != nil && sel.Kind == doc.Object {
		tags, res := entries(sel.GetFold("tags")), entries(sel.GetFold("resources"))
		n := tags + res
		if c.mode == Complete && n == 0 {
			c.add(ElementsTooFew, append(path, "selections"), sel,
				"add a selection under selections.tags (by tag) or selections.resources (by resource type)",
				"%s selects no resources", label(path))
		}
		// Each map has its own quota (see Spec), and both together have
		// one more: tags and resources are all resource assignments. A map
		// over its own quota is reported as such, not twice.
		if n > maxSelections && tags <= selectionsSpec.Fields["tags"].Max && res <= selectionsSpec.Fields["resources"].Max {
			c.add(ElementsTooMany, append(path, "selections"), sel, "AWS quota: 100 resource assignments per plan; "+quotaFix("tag selection"),
				"%s has %s selections under tags and resources together; at most %d are allowed", label(path), numbers.Sprint(n), maxSelections)
		}
		for _, kind := range []string{"tags", "resources"} {
			m := sel.GetFold(kind)
			if m == nil || m.Kind != doc.Object {
				continue
			}
			for _, f := range m.Fields {
				if strings.HasPrefix(f.Key, "@@") || f.Value.Kind != doc.Object {
					continue
				}
				cond := f.Value.GetFold("conditions")
				if cond == nil || cond.Kind != doc.Object {
					continue
				}
				count := 0
				for _, cf := range cond.Fields {
					if !strings.HasPrefix(cf.Key, "@@") {
						count += entries(cf.Value)
					}
				}
				if count > maxConditions {
					c.add(ElementsTooMany, append(slices.Clone(path), "selections", kind, f.Key, "conditions"), cond, "AWS quota: 30 conditions per resource assignment; "+quotaFix("condition"),
						"selection %q has %s conditions; at most %d are allowed", f.Key, numbers.Sprint(count), maxConditions)
				}
			}
		}
	}
	scanSettings := p.GetFold("scan_settings").GetFold("GUARDDUTY")
	if rules := p.GetFold("rules"); rules != nil && rules.Kind == doc.Object {
		for _, f := range rules.Fields {
			if strings.HasPrefix(f.Key, "@@") || f.Value.Kind != doc.Object {
				continue
			}
			rpath := append(slices.Clone(path), "rules", f.Key)
			c.rule(rpath, f.Value)
			// "You must use scan_settings ... in conjunction with
			// scan_actions in order for scanning jobs to start" (SYNTAX,
			// scan_actions). In a partial policy a parent may supply them.
			if scan := f.Value.GetFold("scan_actions").GetFold("GUARDDUTY"); scan != nil && scanSettings == nil && c.mode == Complete {
				c.add(ScanNeverStarts, append(rpath, "scan_actions"), scan,
					`add the plan's scan_settings, e.g. scan_settings: GUARDDUTY: {resource_types: ["ALL"], scanner_role_arn: "arn:aws:iam::$account:role/MyGuardDutyScanRole"}`,
					"rule %q asks for GuardDuty malware scans, but %s has no scan_settings.GUARDDUTY, so the scans never start", f.Key, label(path))
			}
		}
	}
	// "You must specify the ResourceTypes and ScannerRoleArn" (SYNTAX,
	// scan_settings).
	if scanSettings != nil && scanSettings.Kind == doc.Object && c.mode == Complete {
		for _, k := range []string{"resource_types", "scanner_role_arn"} {
			if scanSettings.GetFold(k) == nil {
				c.add(ScanNeverStarts, append(slices.Clone(path), "scan_settings", "GUARDDUTY"), scanSettings, requiredHint(k),
					"scan_settings.GUARDDUTY of %s has no %s; GuardDuty scans need both resource_types and scanner_role_arn, or they never start", label(path), k)
			}
		}
	}
}

func (c *checker) rule(path []string, r *doc.Node) {
	if se := r.GetFold("schedule_expression"); se != nil && se.Kind == doc.String {
		c.schedule(append(path, "schedule_expression"), se)
	} else if se == nil && c.mode == Complete {
		// The Organizations syntax table marks the key required, but the
		// Backup API makes it optional with a default, and live
		// organizations accept such policies and back up on that default
		// (see DefaultSchedule): a warning, not an error.
		c.warn(ScheduleDefault, path, r, fmt.Sprintf("write schedule_expression: %q to keep that schedule and say so, or the schedule you want", DefaultSchedule),
			"%s has no schedule_expression; AWS Backup runs it on its default schedule, %s (daily at 05:00 UTC)", label(path), DefaultSchedule)
	}
	if idx := r.GetFold("index_actions").GetFold("resource_types"); idx != nil && idx.Kind == doc.Array && len(idx.Items) > 1 {
		// Every Organizations example indexes ["EBS", "S3"] (SYNTAX,
		// Example 1), and AWS accepts such policies; the Backup API says
		// "Only 1 resource type will be accepted for each BackupRule"
		// (BKAPI BackupRuleInput.IndexActions).
		c.warn(IndexTypes, append(slices.Clone(path), "index_actions", "resource_types"), idx,
			"keep one resource type per rule; to index both, add a second rule with its own index_actions",
			"index_actions.resource_types of %s lists %d resource types; the AWS Backup API accepts one per rule", label(path), len(idx.Items))
	}
	if v := r.GetFold("target_backup_vault_name"); v != nil && v.Kind == doc.String && !vaultRe.MatchString(v.Text) {
		c.add(InvalidValue, append(path, "target_backup_vault_name"), v,
			"use the vault's exact name: 2 to 50 letters, digits, '-' or '_'", "%q is not a valid backup vault name", v.Text)
	}
	if n := r.GetFold("start_backup_window_minutes"); n != nil {
		if m, ok := intValue(n); ok && (m < minStartWindow || m > maxWindow) {
			c.add(InvalidValue, append(path, "start_backup_window_minutes"), n, "set start_backup_window_minutes to at least 60 (AWS: \"must be at least 60 minutes to avoid errors\") and at most 52,560,000 (100 years)",
				"start_backup_window_minutes is %s minutes; AWS Backup accepts 60 to 52,560,000", numbers.Sprint(m))
		}
	}
	if n := r.GetFold("complete_backup_window_minutes"); n != nil {
		if m, ok := intValue(n); ok && (m < minCompleteWindow || m > maxWindow) {
			c.add(InvalidValue, append(path, "complete_backup_window_minutes"), n, "set complete_backup_window_minutes to a positive number of minutes, at most 52,560,000 (100 years)",
				"complete_backup_window_minutes is %s minutes; AWS Backup accepts 1 to 52,560,000", numbers.Sprint(m))
		}
	}
	continuous, _ := boolValue(r.GetFold("enable_continuous_backup"))
	c.lifecycle(append(path, "lifecycle"), r.GetFold("lifecycle"), continuous)
	if ca := r.GetFold("copy_actions"); ca != nil && ca.Kind == doc.Object {
		for _, f := range ca.Fields {
			if strings.HasPrefix(f.Key, "@@") || f.Value.Kind != doc.Object {
				continue
			}
			c.lifecycle(append(slices.Clone(path), "copy_actions", f.Key, "lifecycle"), f.Value.GetFold("lifecycle"), false)
			// "If target_backup_vault_arn is not specified, an all
			// lower-case version of the ARN in the parent key name is
			// used" (SYNTAX 2022, copy_actions); vault names are case
			// sensitive, so a key with upper-case letters copies to a
			// vault of another name.
			if low := strings.ToLower(f.Key); low != f.Key && f.Value.GetFold("target_backup_vault_arn") == nil {
				c.add(CopyKeyCase, append(slices.Clone(path), "copy_actions", f.Key), f.Value,
					fmt.Sprintf("add target_backup_vault_arn: %q to the copy action (AWS recommends always supplying it)", f.Key),
					"copy action %q has upper-case letters and no target_backup_vault_arn; AWS then copies to the lower-cased ARN, %q, a vault of another name", f.Key, low)
			}
		}
	}
}

// parsed caches schedule analysis by expression. Proving a schedule's
// shortest interval can mean walking the calendar, and an organization
// uses a handful of distinct schedules across thousands of effective
// policies.
var (
	parsed      sync.Map // string → parsedSchedule
	parsedCount atomic.Int32
)

// maxParsed bounds the cache for long runs over many distinct inputs
// (fuzzing); real configurations have a few dozen schedules.
const maxParsed = 4096

type parsedSchedule struct {
	interval time.Duration
	// hint is how to space runs at least MinScheduleInterval apart, when
	// they are not: cron names the field at fault and suggests a schedule.
	hint string
	// cronFor is set for a rate expression, which AWS Backup does not
	// take; cronHint suggests the cron expression to write instead.
	cronFor, cronHint string
	err               error
}

func parseSchedule(expr string) parsedSchedule {
	if v, ok := parsed.Load(expr); ok {
		return v.(parsedSchedule)
	}
	var p parsedSchedule
	s, err := cron.Parse(expr)
	switch {
	case err != nil:
		p.err = err
	case s.IsRate():
		p.cronFor = expr
		c, exact, _ := s.AsCron()
		if exact {
			p.cronHint = fmt.Sprintf("write %q, which also runs %s", c, s.Describe())
		} else {
			p.cronHint = fmt.Sprintf("write a cron expression in UTC, e.g. %q; no cron expression runs exactly %s", c, s.Describe())
		}
		if s.MinInterval() < MinScheduleInterval {
			p.cronHint = `write a cron expression in UTC at most hourly, e.g. "cron(0 * ? * * *)"; AWS Backup also needs at least 60 minutes between backup jobs`
		}
	default:
		p.interval = s.MinInterval()
		p.hint = frequentHint(s)
	}
	if parsedCount.Add(1) <= maxParsed {
		parsed.Store(expr, p)
	}
	return p
}

// scheduleHint is the hint for a schedule whose error comes without one.
const scheduleHint = `write "cron(Minutes Hours Day-of-month Month Day-of-week Year)" in UTC, e.g. "cron(0 5 ? * * *)"`

// frequentHint says how to space the runs of s at least an hour apart, or
// "" when they are. cron names the field at fault and suggests a schedule;
// its own explanation of the limit is replaced by ours.
func frequentHint(s *cron.Schedule) string {
	const base = "AWS Backup rejects schedules less than 60 minutes apart; run at most hourly"
	var ce *cron.Error
	if !errors.As(s.CheckMinInterval(MinScheduleInterval), &ce) {
		return ""
	}
	if _, how, ok := strings.Cut(ce.Hint, "between backup jobs; "); ok && how != "" {
		return base + ": " + how
	}
	return base + `, e.g. "cron(0 * ? * * *)"`
}

func (c *checker) schedule(path []string, n *doc.Node) {
	ps := parseSchedule(n.Text)
	if ps.cronFor != "" {
		// Rate expressions are not supported by the AWS Backup API
		// (terraform-provider-aws #8269, a maintainer: "the rate
		// expression is not supported by the AWS Backup API"); SYNTAX
		// describes schedule_expression as a cron expression in UTC.
		c.add(ScheduleNotCron, path, n, ps.cronHint,
			"schedule_expression %q is a rate expression; AWS Backup takes cron expressions only", n.Text)
		return
	}
	if err := ps.err; err != nil {
		msg, hint := err.Error(), ""
		var ce *cron.Error
		if errors.As(err, &ce) {
			msg, hint = ce.Msg, ce.Hint
		}
		if hint == "" {
			hint = scheduleHint
		}
		c.add(InvalidValue, path, n, hint, "invalid schedule_expression %q: %s", n.Text, msg)
		return
	}
	if iv := ps.interval; iv < MinScheduleInterval {
		c.add(ScheduleTooFrequent, path, n, ps.hint,
			"schedule_expression %q runs backups %s apart", n.Text, formatDuration(iv))
	}
}

func (c *checker) lifecycle(path []string, l *doc.Node, continuous bool) {
	if l == nil || l.Kind != doc.Object {
		return
	}
	coldN, delN := l.GetFold("move_to_cold_storage_after_days"), l.GetFold("delete_after_days")
	cold, hasCold := intValue(coldN)
	del, hasDel := intValue(delN)
	for _, d := range []struct {
		key string
		n   *doc.Node
		v   int64
		ok  bool
	}{{"move_to_cold_storage_after_days", coldN, cold, hasCold}, {"delete_after_days", delN, del, hasDel}} {
		if d.ok && d.v != KeepForever && (d.v < minLifetime || d.v > maxLifetime) {
			c.add(InvalidValue, append(slices.Clone(path), d.key), d.n,
				numbers.Sprintf("set %s to a number of days from 1 to %d, or to -1 to keep recovery points indefinitely", d.key, maxLifetime),
				"%s is %s; it must be 1 to %s days, or -1 (indefinitely)", d.key, numbers.Sprint(d.v), numbers.Sprint(maxLifetime))
		}
	}
	// -1 on either side means no transition or no deletion: there is no
	// time in cold storage to count.
	if hasCold && hasDel && cold != KeepForever && del != KeepForever && del < cold+90 {
		c.add(LifecycleTooShort, append(slices.Clone(path), "delete_after_days"), delN,
			numbers.Sprintf("set delete_after_days to at least %d, or move to cold storage earlier", cold+90),
			"delete_after_days (%s) must be at least move_to_cold_storage_after_days (%s) + 90: recovery points stay in cold storage at least 90 days", numbers.Sprint(del), numbers.Sprint(cold))
	}
	if continuous {
		if hasDel && del == KeepForever {
			c.add(ContinuousLifecycle, append(slices.Clone(path), "delete_after_days"), delN,
				"keep continuous backups at most 35 days, or turn enable_continuous_backup off",
				"with enable_continuous_backup, delete_after_days is at most 35, not -1 (indefinitely)")
		} else if hasDel && del > 35 {
			c.add(ContinuousLifecycle, append(slices.Clone(path), "delete_after_days"), delN,
				"keep continuous backups at most 35 days, or turn enable_continuous_backup off",
				"with enable_continuous_backup, delete_after_days is at most 35, not %s", numbers.Sprint(del))
		}
		if coldN != nil {
			c.add(ContinuousLifecycle, append(slices.Clone(path), "move_to_cold_storage_after_days"), coldN,
				"remove move_to_cold_storage_after_days, or turn enable_continuous_backup off",
				"continuous backups cannot move to cold storage")
		}
	}
}

// quotaFix says how to get back under a quota on entries of kind what.
func quotaFix(what string) string {
	switch what {
	case "rule":
		return "move some rules to a second plan"
	case "copy action":
		return "copy to fewer vaults, or move some copy actions to a second rule"
	case "tag":
		return "drop some tags"
	case "tag selection", "resource selection":
		return "combine selections (one selection can list several tag values), or move some to a second plan"
	case "condition":
		return "drop some conditions, or split the selection in two"
	case "value":
		return "split the values over two selections"
	}
	return "remove some"
}

// intValue reads a whole number written as AWS renders it ("60") or as a
// JSON number.
func intValue(n *doc.Node) (int64, bool) {
	if n == nil || (n.Kind != doc.String && n.Kind != doc.Number) {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Text, 10, 64)
	return v, err == nil
}

func boolValue(n *doc.Node) (bool, bool) {
	if n == nil || (n.Kind != doc.String && n.Kind != doc.Bool) {
		return false, false
	}
	switch n.Text {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func entries(n *doc.Node) int {
	if n == nil || n.Kind != doc.Object {
		return 0
	}
	c := 0
	for _, f := range n.Fields {
		if !strings.HasPrefix(f.Key, "@@") {
			c++
		}
	}
	return c
}

// label names the node at path for messages: `plan "daily"`,
// `rule "hourly"`, or the key path.
func label(path []string) string {
	if len(path) == 0 {
		return "the policy"
	}
	if len(path) >= 2 {
		switch path[len(path)-2] {
		case "plans":
			return fmt.Sprintf("plan %q", path[len(path)-1])
		case "rules":
			return fmt.Sprintf("rule %q", path[len(path)-1])
		case "copy_actions":
			return fmt.Sprintf("copy action %q", path[len(path)-1])
		case "recovery_point_tags", "backup_plan_tags":
			return fmt.Sprintf("tag %q", path[len(path)-1])
		case "string_equals", "string_not_equals", "string_like", "string_not_like":
			return fmt.Sprintf("condition %q", path[len(path)-1])
		case "tags", "resources":
			if len(path) >= 3 && path[len(path)-3] == "selections" {
				return fmt.Sprintf("selection %q", path[len(path)-1])
			}
		}
	}
	last := path[len(path)-1]
	if _, err := strconv.Atoi(last); err == nil && len(path) > 1 {
		return fmt.Sprintf("%s[%s]", path[len(path)-2], last)
	}
	return last
}

// unknownKeyHint suggests the allowed key the author most likely meant,
// then lists them all.
func unknownKeyHint(key string, allowed []string) string {
	h := "allowed keys: " + strings.Join(allowed, ", ")
	if best := suggest.Closest(key, allowed); best != "" {
		h = fmt.Sprintf("did you mean %q? ", best) + h
	}
	return h
}

func requiredHint(key string) string {
	switch key {
	case "regions":
		return `add regions, e.g. regions: ["us-east-1"]`
	case "rules":
		return "add a rule with schedule_expression and target_backup_vault_name"
	case "selections":
		return "add selections.tags or selections.resources to say what to back up"
	case "schedule_expression":
		return `add schedule_expression, e.g. "cron(0 5 ? * * *)"`
	case "target_backup_vault_name":
		return "add target_backup_vault_name: the vault that exists in every member account"
	case "iam_role_arn":
		return `add iam_role_arn, e.g. "arn:aws:iam::$account:role/MyBackupRole"`
	case "resource_types":
		return `add resource_types, e.g. ["*"] or ["arn:aws:ec2:*:*:volume/*"]`
	case "condition_key":
		return `add condition_key, e.g. "aws:ResourceTag/Department"`
	case "plans":
		return `add plans, e.g. {"plans": {"daily": {...}}}`
	}
	return "add " + key
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatDuration writes a gap between runs, which is below an hour when it
// is reported: "1 minute", "30 minutes".
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d %s", d/time.Hour, plural(int(d/time.Hour), "hour", "hours"))
	case d%time.Minute == 0:
		return fmt.Sprintf("%d %s", d/time.Minute, plural(int(d/time.Minute), "minute", "minutes"))
	}
	return d.String()
}
