package render

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// PlanReport is what `orgbackup plan` shows. Everything comes from the
// plan itself, so a plan read back from its JSON renders the same.
type PlanReport struct {
	Dir  string
	Plan *plan.Plan
}

// WritePlan renders r in format f: text (the terminal), JSON (the plan
// artifact, exactly what `plan --out` writes) or Markdown (job summaries
// and the pull-request comment).
func WritePlan(w io.Writer, f Format, r *PlanReport, st Style) error {
	switch f {
	case JSON:
		_, err := w.Write(r.Plan.Encode())
		return err
	case Markdown:
		_, err := io.WriteString(w, planMarkdown(r))
		return err
	}
	_, err := io.WriteString(w, planText(r, st))
	return err
}

// changeText says what a change does in one line of plain text: policy
// names quoted, everything else as it is. Callers keep the line inert.
func changeText(c plan.Change) string {
	return describe(c, textNames)
}

// namer formats the values in a change description that users and AWS
// chose: a policy name, any other value (ids, paths, settings, tags), and
// orgbackup's own reason text.
type namer struct{ policy, value, prose func(string) string }

var (
	textNames     = namer{policy: strconv.Quote, value: func(s string) string { return s }, prose: func(s string) string { return s }}
	markdownNames = namer{policy: Code, value: Code, prose: EscapeMarkdown}
)

func describe(c plan.Change, n namer) string {
	pol := n.policy(c.Policy)
	if c.PolicyID != "" {
		pol += " (" + n.value(c.PolicyID) + ")"
	}
	at := ""
	if t := c.Target; t != nil {
		at = n.value(t.ID)
		if t.Path != "" && t.Path != t.ID {
			at = n.value(t.Path) + " (" + at + ")"
		}
	}
	switch c.Action {
	case plan.EnablePolicyType:
		return fmt.Sprintf("enable the %s policy type on the root %s", n.value(c.Setting), n.value(idOf(c.Target)))
	case plan.EnableServiceAccess:
		return fmt.Sprintf("enable trusted access for %s", n.value(c.Setting))
	case plan.UpdateBackupSetting:
		before := c.Before
		if before == "" {
			before = "unset"
		}
		return fmt.Sprintf("set AWS Backup's %s from %s to %s", n.value(c.Setting), n.value(before), n.value(c.After))
	case plan.RegisterDelegatedAdmin:
		return fmt.Sprintf("register account %s as delegated administrator for %s", at, n.value(c.After))
	case plan.CreatePolicy:
		return "create policy " + pol
	case plan.UpdatePolicy:
		return fmt.Sprintf("update policy %s: %s", pol, n.prose(c.Reason))
	case plan.AdoptPolicy:
		return fmt.Sprintf("adopt policy %s: tag it %s", pol, n.value(tagsText(c.Tags)))
	case plan.TagPolicy:
		return fmt.Sprintf("tag policy %s %s", pol, n.value(tagsText(c.Tags)))
	case plan.Attach:
		return fmt.Sprintf("attach policy %s to %s", pol, at)
	case plan.Detach:
		return fmt.Sprintf("detach policy %s from %s", pol, at)
	case plan.DeletePolicy:
		return "delete policy " + pol
	}
	if d := c.Deployment; d != nil && c.Action.IsBaseline() {
		return describeBaseline(c, d, n, at)
	}
	return fmt.Sprintf("%s %s %s", n.value(string(c.Action)), pol, at)
}

// describeBaseline says what a member-baseline change does.
func describeBaseline(c plan.Change, d *plan.Deployment, n namer, at string) string {
	targets := func() string {
		var ts []string
		for _, id := range d.OrganizationalUnits {
			ts = append(ts, n.value(id))
		}
		s := strings.Join(ts, ", ")
		if len(d.Accounts) > 0 {
			var as []string
			for _, a := range d.Accounts {
				as = append(as, n.value(a))
			}
			s = "accounts " + strings.Join(as, ", ") + " of " + s
		}
		return s + " in " + n.value(strings.Join(d.Regions, ", "))
	}
	set, stack := n.value(d.StackSet), n.value(d.Stack)
	switch c.Action {
	case plan.CreateKMSKey:
		return fmt.Sprintf("create orgbackup's KMS key %s in %s of the management account", n.value(d.KeyAlias), n.value(d.Region))
	case plan.UpdateKMSKeyPolicy:
		return fmt.Sprintf("set the key policy of %s in %s", n.value(d.KeyAlias), n.value(d.Region))
	case plan.CreateStackSet:
		return fmt.Sprintf("create StackSet %s (baseline %s: %s), service-managed, auto-deployment on", set, n.policy(d.Baseline), d.Part)
	case plan.UpdateStackSet:
		return fmt.Sprintf("update StackSet %s (baseline %s): %s", set, n.policy(d.Baseline), n.prose(c.Reason))
	case plan.AddStackInstances:
		return fmt.Sprintf("deploy StackSet %s to %s", set, targets())
	case plan.RemoveStackInstances:
		retain := ""
		if d.RetainStacks {
			retain = ", keeping the stacks and their resources"
		}
		return fmt.Sprintf("remove the stack instances of %s from %s%s", set, targets(), retain)
	case plan.DeleteStackSet:
		return "delete StackSet " + set
	case plan.CreateStack:
		return fmt.Sprintf("create stack %s in %s of the management account %s", stack, n.value(d.Region), at)
	case plan.UpdateStack:
		return fmt.Sprintf("update stack %s in %s of the management account %s", stack, n.value(d.Region), at)
	case plan.DeleteStack:
		return fmt.Sprintf("delete stack %s in %s of the management account", stack, n.value(d.Region))
	}
	return n.value(string(c.Action)) + " " + set + stack
}

func idOf(t *plan.Target) string {
	if t == nil {
		return ""
	}
	return t.ID
}

func tagsText(tags map[string]string) string {
	var parts []string
	for _, k := range sortedTagKeys(tags) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

func sortedTagKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// changeMark is the symbol a change gets: + adds, ~ changes, - removes.
func changeMark(c plan.Change, st Style) string {
	switch c.Action {
	case plan.Detach, plan.DeletePolicy, plan.RemoveStackInstances, plan.DeleteStackSet, plan.DeleteStack:
		return st.Red("-")
	case plan.UpdatePolicy, plan.AdoptPolicy, plan.TagPolicy, plan.UpdateBackupSetting, plan.UpdateStackSet, plan.UpdateStack, plan.UpdateKMSKeyPolicy:
		return st.Yellow("~")
	}
	return st.Green("+")
}

// templateUpdate reports whether c changes a template or a key policy,
// whose difference the views show.
func templateUpdate(c plan.Change) bool {
	return (c.Action == plan.UpdateStackSet || c.Action == plan.UpdateStack || c.Action == plan.UpdateKMSKeyPolicy) && c.Before != c.After
}

// documentDiff returns a unified diff of two minified policy documents,
// indented for review; either may be empty.
func documentDiff(before, after string) string {
	return string(trimDiffHeader(diff.Diff("before", pretty(before), "after", pretty(after))))
}

func pretty(s string) []byte {
	if s == "" {
		return nil
	}
	n, err := doc.Parse("", []byte(s))
	if err != nil {
		return []byte(s + "\n")
	}
	return n.Indent()
}

func trimDiffHeader(d []byte) []byte {
	if i := bytes.IndexByte(d, '\n'); i >= 0 && bytes.HasPrefix(d, []byte("diff ")) {
		return d[i+1:]
	}
	return d
}

// sections splits a plan's changes the way every view lists them:
// destructive changes first, then the organization's settings, the
// policies and the attachments.
type sections struct {
	destructive, settings, baselines, policies, attachments []plan.Change
}

// section is one titled list of changes.
type section struct {
	title   string
	changes []plan.Change
}

// ordinary returns the non-destructive sections, in the order they are
// listed, empty ones left out.
func (s sections) ordinary() []section {
	var out []section
	for _, sec := range []section{
		{"Organization settings", s.settings},
		{"Member baselines", s.baselines},
		{"Policies", s.policies},
		{"Attachments", s.attachments},
	} {
		if len(sec.changes) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

func split(p *plan.Plan) sections {
	var s sections
	for _, c := range p.Changes {
		switch {
		case c.Destructive:
			s.destructive = append(s.destructive, c)
		case c.Phase == plan.PhasePrerequisites:
			s.settings = append(s.settings, c)
		case c.Action.IsBaseline():
			s.baselines = append(s.baselines, c)
		case c.Phase == plan.PhasePolicies || c.Phase == plan.PhaseDelete:
			s.policies = append(s.policies, c)
		default:
			s.attachments = append(s.attachments, c)
		}
	}
	return s
}

func planText(r *PlanReport, st Style) string {
	p := r.Plan
	var b strings.Builder
	line := p.Summary.Line()
	if p.Summary.Changes() > 0 {
		line = st.Bold(line)
	}
	fmt.Fprintf(&b, "%s\n", line)
	against := p.Against
	if p.Organization != "" {
		against += " (organization " + p.Organization + ")"
	}
	fmt.Fprintf(&b, "%s\n", st.Dim(Inert(fmt.Sprintf("Definitions in %s against %s", r.Dir, against))))

	s := split(p)
	if len(s.destructive) > 0 {
		b.WriteByte('\n')
		if p.AllowDestroy {
			fmt.Fprintf(&b, "%s\n", st.Red(st.Bold("! Destructive changes (allowed: the plan was made with --allow-destroy):")))
		} else {
			fmt.Fprintf(&b, "%s\n", st.Red(st.Bold("! Destructive changes: apply carries them out only if the plan is made with --allow-destroy:")))
		}
		writeTextChanges(&b, s.destructive, st)
	}
	for _, sec := range s.ordinary() {
		fmt.Fprintf(&b, "\n%s\n", st.Bold(sec.title+":"))
		writeTextChanges(&b, sec.changes, st)
	}

	if p.Coverage != nil || len(p.BaselineNotes) > 0 {
		b.WriteByte('\n')
		for _, n := range p.BaselineNotes {
			fmt.Fprintf(&b, "%s %s\n", st.Cyan("note:"), Inert(n))
		}
		WriteCoverage(&b, p.Coverage, st)
	}

	changed, invalid := 0, 0
	for _, g := range p.Effective {
		if g.Changed {
			changed += len(g.Accounts)
		}
		if len(g.Problems) > 0 {
			invalid += len(g.Accounts)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", st.Bold(fmt.Sprintf("Effective policies: %d of %s change, %d would be invalid",
		changed, plural(p.Summary.Accounts, "account", "accounts"), invalid)))
	for _, g := range p.Effective {
		writeTextGroup(&b, g, st, "plan")
	}

	if len(p.Problems) > 0 {
		fmt.Fprintf(&b, "\n%s\n", st.Bold("Problems:"))
		for _, d := range ProblemDiags(p.Problems) {
			WriteDiagnostic(&b, d, st)
		}
	}
	b.WriteByte('\n')
	switch {
	case p.Summary.Errors > 0:
		fmt.Fprintf(&b, "%s the plan cannot be applied: %s\n", st.Red("✗"), plural(p.Summary.Errors, "error", "errors"))
	case p.HasChanges():
		fmt.Fprintf(&b, "%s %s\n", st.Green("✓"), "no errors: orgbackup apply can make these changes")
	default:
		fmt.Fprintf(&b, "%s %s\n", st.Green("✓"), "the organization matches the definitions")
	}
	return b.String()
}

func writeTextChanges(b *strings.Builder, cs []plan.Change, st Style) {
	for _, c := range cs {
		fmt.Fprintf(b, "  %s %s\n", changeMark(c, st), Inert(changeText(c)))
		var details []string
		if c.Source != "" {
			details = append(details, "source: "+c.Source)
		}
		switch c.Action {
		case plan.CreatePolicy:
			if c.Description != "" {
				details = append(details, "description: "+strconv.Quote(c.Description))
			}
			details = append(details, "tags: "+tagsText(c.Tags))
		case plan.UpdatePolicy:
			if c.Description != c.BeforeDescription {
				details = append(details, fmt.Sprintf("description: %s → %s", strconv.Quote(c.BeforeDescription), strconv.Quote(c.Description)))
			}
		case plan.Attach, plan.Detach, plan.DeletePolicy, plan.AdoptPolicy, plan.TagPolicy:
			details = append(details, c.Reason)
		default:
			if c.Action.IsBaseline() && c.Action != plan.UpdateStackSet {
				details = append(details, c.Reason)
			}
		}
		for _, d := range details {
			fmt.Fprintf(b, "      %s\n", st.Dim(Inert(d)))
		}
		if c.Action == plan.UpdatePolicy && c.Before != c.After {
			writeTextDiff(b, []byte(documentDiff(c.Before, c.After)), "      ", st)
		}
		if c.Action == plan.CreatePolicy {
			writeTextDiff(b, []byte(documentDiff("", c.After)), "      ", st)
		}
		if templateUpdate(c) {
			writeTextDiff(b, []byte(documentDiff(c.Before, c.After)), "      ", st)
		}
	}
}

func writeTextDiff(b *strings.Builder, d []byte, indent string, st Style) {
	for _, line := range strings.SplitAfter(string(d), "\n") {
		if line == "" {
			continue
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++"):
			line = st.Green(Inert(line))
		case strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---"):
			line = st.Red(Inert(line))
		default:
			line = Inert(line)
		}
		b.WriteString(indent + line + "\n")
	}
}

// accounts counts accounts, with thousands separated.
func accounts(n int) string {
	if n == 1 {
		return "1 account"
	}
	return thousands(n) + " accounts"
}

func groupText(g plan.EffectiveGroup) string {
	n := accounts(len(g.Accounts))
	switch {
	case len(g.Problems) > 0 && g.Changed:
		return n + ": effective policy changes and would be invalid"
	case len(g.Problems) > 0:
		return n + ": effective policy is invalid"
	case isEmptyJSON(g.Before()):
		return n + ": gain a backup policy"
	case isEmptyJSON(g.After()):
		return n + ": lose their backup policy"
	}
	return n + ": effective policy changes"
}

func isEmptyJSON(b []byte) bool {
	s := strings.Join(strings.Fields(string(b)), "")
	return s == "" || s == "{}"
}

func planAccountLabel(a plan.Account) string {
	if a.Name == "" {
		return fmt.Sprintf("%s (%s)", a.ID, parentPath(a.Path))
	}
	return fmt.Sprintf("%s %s (%s)", a.ID, a.Name, parentPath(a.Path))
}

// writeTextGroup renders one group of accounts whose effective policy
// changes or is invalid; cmd names the command whose JSON lists every
// account.
func writeTextGroup(b *strings.Builder, g plan.EffectiveGroup, st Style, cmd string) {
	mark := st.Yellow("~")
	if len(g.Problems) > 0 {
		mark = st.Red("✗")
	} else if !g.Changed {
		mark = " "
	}
	fmt.Fprintf(b, "%s %s\n", mark, st.Bold(groupText(g)))
	for i, a := range g.Accounts {
		if i == maxListed {
			fmt.Fprintf(b, "    … and %d more (orgbackup %s --output json lists all)\n", len(g.Accounts)-maxListed, cmd)
			break
		}
		fmt.Fprintf(b, "    %s\n", Inert(planAccountLabel(a)))
	}
	for _, p := range g.Problems {
		writeEffectiveProblem(b, p, st, "    ")
	}
	for _, n := range g.Notes {
		fmt.Fprintf(b, "    %s %s\n", st.Cyan("note:"), Inert(n))
	}
	if d := g.DiffText(); d != "" {
		writeTextDiff(b, []byte(d), "    ", st)
	}
}

func writeEffectiveProblem(b *strings.Builder, p plan.EffectiveProblem, st Style, indent string) {
	fmt.Fprintf(b, "%s%s %s at %s: %s\n", indent, st.Red("✗"), Inert(p.Code), Inert(p.Path), Inert(p.Message))
	if len(p.Policies) > 0 {
		fmt.Fprintf(b, "%s    contributing policies: %s\n", indent, Inert(strings.Join(p.Policies, ", ")))
	}
	if p.Source != "" {
		fmt.Fprintf(b, "%s    source: %s\n", indent, Inert(p.Source))
	}
	if p.Hint != "" {
		fmt.Fprintf(b, "%s    hint: %s\n", indent, Inert(p.Hint))
	}
}

// ProblemDiags converts plan problems to diagnostics for the views that
// render diagnostics. The source "file:line:col" becomes a position.
func ProblemDiags(ps []plan.Problem) diag.List {
	var out diag.List
	for _, p := range ps {
		d := diag.Diagnostic{Code: p.Code, Message: p.Message, Hint: p.Hint, Pos: parseSource(p.Source)}
		switch p.Severity {
		case plan.SeverityError:
			d.Severity = diag.Error
		case plan.SeverityWarning:
			d.Severity = diag.Warning
		default:
			d.Severity = diag.Notice
		}
		out = append(out, d)
	}
	return out
}

// parseSource splits "file:line:col" (file may contain colons) into a
// position; anything else is a file name.
func parseSource(s string) doc.Pos {
	if s == "" {
		return doc.Pos{File: "plan"}
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return doc.Pos{File: s}
	}
	j := strings.LastIndexByte(s[:i], ':')
	if j < 0 {
		return doc.Pos{File: s}
	}
	line, err1 := strconv.Atoi(s[j+1 : i])
	col, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil || line <= 0 {
		return doc.Pos{File: s}
	}
	return doc.Pos{File: s[:j], Line: line, Col: col}
}

func planMarkdown(r *PlanReport) string {
	// Without a budget nothing is cut, so this cannot fail.
	md, _, _, _ := PlanDocument(r).Render(Budget{})
	return md
}

// PlanDocument is the plan's Markdown view as a Document: the summary line
// and the counts first, then the problems, the destructive changes, the
// changes and the accounts whose effective policy changes, each change and
// each group of accounts a section of its own. The Markdown format of
// WritePlan is this document uncut; the pull-request comment and the job
// summary cut it to their budgets at a section boundary.
func PlanDocument(r *PlanReport) *Document {
	p := r.Plan
	var b strings.Builder
	icon := "✓"
	if p.Summary.Errors > 0 {
		icon = "✗"
	}
	// The summary line and group titles are orgbackup's own words and
	// numbers; only names need escaping.
	fmt.Fprintf(&b, "### %s %s\n\n", icon, p.Summary.Line())
	against := Code(p.Against)
	if p.Organization != "" {
		against += " (organization " + Code(p.Organization) + ")"
	}
	fmt.Fprintf(&b, "orgbackup plan of %s against %s: %s of %s change, %s would be invalid.",
		Code(r.Dir), against, thousands(p.Summary.AccountsChanged), accounts(p.Summary.Accounts), thousands(p.Summary.AccountsInvalid))
	if p.Summary.Errors > 0 {
		fmt.Fprintf(&b, " **The plan cannot be applied: %s.**", plural(p.Summary.Errors, "error", "errors"))
	}
	d := &Document{Head: b.String(), Noun: "changes"}

	if len(p.Problems) > 0 {
		sec := Section{Noun: "problems"}
		for _, pr := range p.Problems {
			sec.Children = append(sec.Children, Section{Body: markdownProblem(pr), Tight: true, Items: 1})
		}
		d.Sections = append(d.Sections, sec)
	}
	s := split(p)
	if len(s.destructive) > 0 {
		head := "**⚠️ Destructive changes**: apply carries them out only if the plan is made with `--allow-destroy`:"
		if p.AllowDestroy {
			head = "**⚠️ Destructive changes** (allowed: the plan was made with `--allow-destroy`):"
		}
		d.Sections = append(d.Sections, Section{Body: head, Children: markdownChanges(s.destructive), Noun: "changes"})
	}
	if n := len(s.settings) + len(s.baselines) + len(s.policies) + len(s.attachments); n > 0 {
		sec := Section{Summary: plural(n, "change", "changes"), Noun: "changes"}
		for _, o := range s.ordinary() {
			sec.Children = append(sec.Children, Section{Body: "**" + o.title + "**", Children: markdownChanges(o.changes)})
		}
		d.Sections = append(d.Sections, sec)
	}
	for _, note := range p.BaselineNotes {
		d.Sections = append(d.Sections, Section{Body: "ℹ️ " + EscapeMarkdown(note)})
	}
	if p.Coverage != nil {
		var cb strings.Builder
		CoverageMarkdown(&cb, p.Coverage)
		if body := strings.TrimSpace(cb.String()); body != "" {
			d.Sections = append(d.Sections, Section{Body: body})
		}
	}
	if len(p.Effective) > 0 {
		sec := Section{
			Summary: fmt.Sprintf("Effective policies: %s of %s change, %s would be invalid",
				thousands(p.Summary.AccountsChanged), accounts(p.Summary.Accounts), thousands(p.Summary.AccountsInvalid)),
			Noun: "accounts",
		}
		for _, g := range p.Effective {
			sec.Children = append(sec.Children, markdownGroup(g))
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}

func markdownProblem(pr plan.Problem) string {
	icon := "❌"
	switch pr.Severity {
	case plan.SeverityWarning:
		icon = "⚠️"
	case plan.SeverityNotice:
		icon = "ℹ️"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "- %s ", icon)
	if pr.Source != "" {
		fmt.Fprintf(&b, "%s: ", Code(pr.Source))
	}
	b.WriteString(EscapeMarkdown(pr.Message))
	if pr.Hint != "" {
		fmt.Fprintf(&b, " — %s", EscapeMarkdown(pr.Hint))
	}
	return b.String()
}

var markdownMark = map[plan.Action]string{
	plan.Detach: "➖", plan.DeletePolicy: "🗑️", plan.UpdatePolicy: "✏️", plan.AdoptPolicy: "🏷️", plan.TagPolicy: "🏷️",
	plan.UpdateBackupSetting: "✏️", plan.UpdateStackSet: "✏️", plan.UpdateStack: "✏️", plan.UpdateKMSKeyPolicy: "✏️",
	plan.RemoveStackInstances: "➖", plan.DeleteStackSet: "🗑️", plan.DeleteStack: "🗑️",
}

// markdownChanges renders each change as a list item of its own section;
// a created or updated policy's document follows its item, collapsed.
func markdownChanges(cs []plan.Change) []Section {
	var out []Section
	for _, c := range cs {
		var b strings.Builder
		mark := markdownMark[c.Action]
		if mark == "" {
			mark = "➕"
		}
		fmt.Fprintf(&b, "- %s %s", mark, markdownChange(c))
		if c.Source != "" {
			fmt.Fprintf(&b, " (%s)", Code(c.Source))
		}
		if c.Action == plan.UpdatePolicy && c.Description != c.BeforeDescription {
			fmt.Fprintf(&b, "; description %s → %s", Code(c.BeforeDescription), Code(c.Description))
		}
		sec := Section{Body: b.String(), Tight: true, Items: 1}
		var d string
		switch {
		case c.Action == plan.UpdatePolicy && c.Before != c.After:
			d = documentDiff(c.Before, c.After)
		case c.Action == plan.CreatePolicy:
			d = documentDiff("", c.After)
		case templateUpdate(c):
			d = documentDiff(c.Before, c.After)
		}
		if d != "" {
			// The document, collapsed, inside the list item.
			sec.Tight = false
			sec.Children = []Section{{Summary: "Document", Body: CodeBlock("diff", d), Indent: "  ", Detail: true, Items: 1, Noun: "diffs"}}
		}
		out = append(out, sec)
	}
	return out
}

// markdownChange is changeText with every user-controlled value in a code
// span.
func markdownChange(c plan.Change) string { return describe(c, markdownNames) }

// markdownGroup renders a group of accounts whose effective policy changes
// (or is invalid) in the same way: the accounts (the first maxListed named),
// the problems, and the diff, collapsed.
func markdownGroup(g plan.EffectiveGroup) Section {
	var b strings.Builder
	fmt.Fprintf(&b, "#### %s\n\n", groupText(g))
	var names []string
	for i, a := range g.Accounts {
		if i == maxListed {
			names = append(names, fmt.Sprintf("and %s more", thousands(len(g.Accounts)-maxListed)))
			break
		}
		names = append(names, Code(planAccountLabel(a)))
	}
	b.WriteString(strings.Join(names, ", "))
	if len(g.Problems)+len(g.Notes) > 0 {
		b.WriteString("\n")
	}
	for _, p := range g.Problems {
		fmt.Fprintf(&b, "\n- ❌ %s at %s: %s", Code(p.Code), Code(p.Path), EscapeMarkdown(p.Message))
		if len(p.Policies) > 0 {
			var ps []string
			for _, x := range p.Policies {
				ps = append(ps, Code(x))
			}
			fmt.Fprintf(&b, " (contributing: %s)", strings.Join(ps, ", "))
		}
		if p.Hint != "" {
			fmt.Fprintf(&b, " — %s", EscapeMarkdown(p.Hint))
		}
	}
	// What Organizations would ignore: a change a parent's child controls
	// forbid does nothing, silently.
	for _, n := range g.Notes {
		fmt.Fprintf(&b, "\n- ℹ️ ignored: %s", EscapeMarkdown(n))
	}
	sec := Section{Body: b.String(), Items: len(g.Accounts)}
	if d := g.DiffText(); d != "" {
		sec.Children = []Section{{Summary: "Effective policy diff", Body: CodeBlock("diff", d), Detail: true, Items: 1, Noun: "diffs"}}
	}
	return sec
}
