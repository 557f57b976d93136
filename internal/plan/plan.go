// Package plan computes what applying a policy repository would change in an
// organization: the desired organization (the repository's documents at
// their targets, the prerequisites it declares), the ordered list of changes
// that turns the actual organization into it, and every account's
// effective-policy change. It is pure: the actual organization comes in as a
// value, read from a snapshot file (preview) or from AWS (plan), so offline
// previews and live plans are one pipeline.
//
// A Plan is also the artifact `orgbackup plan --out` writes and `apply`
// reads. Its JSON form is versioned by FormatVersion and must stay
// deterministic: the same inputs and the same live state give the same
// bytes, so a reviewed plan can be compared with a fresh one.
package plan

import (
	"encoding/json"
	"fmt"

	"github.com/orgbackup/orgbackup/internal/effective"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/org"
)

// FormatVersion versions the plan's JSON form. Increment it for any change
// that a consumer of the JSON (apply, the GitHub comment, a team's own
// scripts) would have to adapt to; adding an optional field does not.
const FormatVersion = "1"

// Action is what a Change does. The values are part of the JSON format.
type Action string

// The actions, grouped by phase. Apply runs the phases in this order, so
// that nothing is attached before what it depends on exists and nothing is
// deleted while still attached.
const (
	// Prerequisites of backup policies in the organization.
	EnablePolicyType       Action = "enable-policy-type"               // EnablePolicyType(BACKUP_POLICY) on the root
	EnableServiceAccess    Action = "enable-service-access"            // trusted access for backup.amazonaws.com
	UpdateBackupSetting    Action = "update-backup-setting"            // AWS Backup global settings, e.g. isCrossAccountBackupEnabled
	RegisterDelegatedAdmin Action = "register-delegated-administrator" // delegated administrator for AWS Backup

	// Policies: create, change and take over.
	CreatePolicy Action = "create"
	UpdatePolicy Action = "update" // content or description
	AdoptPolicy  Action = "adopt"  // tag an existing policy as orgbackup's, as its definition asks
	TagPolicy    Action = "tag"    // bring orgbackup's tags on its own policy up to date (a moved definition file)

	// Attachments, then removals.
	Attach       Action = "attach"
	Detach       Action = "detach"
	DeletePolicy Action = "delete"
)

// Phase orders the changes of a plan; apply runs phase by phase.
type Phase int

// The phases, in the order apply runs them. Baselines is the slot the member
// baselines (StackSets, the management account's stacks) run in: after the
// organization's prerequisites and before any policy that needs a role and a
// vault is created or attached.
const (
	PhasePrerequisites Phase = iota + 1
	PhaseBaselines
	PhasePolicies
	PhaseAttach
	PhaseDetach
	PhaseDelete
)

// Target is an organization entity a change acts on.
type Target struct {
	ID   string `json:"id"`   // r-…, ou-…-… or a 12-digit account id
	Kind string `json:"kind"` // root, organizational unit, account
	Path string `json:"path"` // Root/Workloads/Prod, as messages show it
}

// Change is one step of a plan. Fields that do not apply to an Action are
// empty and omitted from the JSON.
type Change struct {
	Action Action `json:"action"`
	Phase  Phase  `json:"phase"`

	// Policy is the name of the policy the change acts on, PolicyID its id
	// (empty for a policy that does not exist yet).
	Policy   string `json:"policy,omitempty"`
	PolicyID string `json:"policy_id,omitempty"`
	// Target is the root, OU or account of an attachment, or the root of
	// EnablePolicyType.
	Target *Target `json:"target,omitempty"`
	// Setting names what a prerequisite change sets: the policy type, the
	// service principal, the AWS Backup setting, the delegated account.
	Setting string `json:"setting,omitempty"`

	// Before and After are the values changing: the minified policy
	// document (exactly as sent to AWS), a description, a setting's value.
	// Before is empty for something new, After for something removed.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Description is the policy description sent with CreatePolicy or
	// UpdatePolicy; BeforeDescription is the one an update replaces.
	Description       string `json:"description,omitempty"`
	BeforeDescription string `json:"before_description,omitempty"`
	// Tags are the tags the change puts on the policy (create, adopt,
	// tag). Tags not listed are left as they are.
	Tags map[string]string `json:"tags,omitempty"`

	// Destructive marks changes that remove something: a detach, a delete,
	// a detach from the root. Apply carries them out only when the plan
	// was made with AllowDestroy.
	Destructive bool `json:"destructive,omitempty"`
	// Source is where the change comes from in the repository
	// (policies/x.cue:3:1), empty for a removal.
	Source string `json:"source,omitempty"`
	// Reason says why the change is needed, for people.
	Reason string `json:"reason,omitempty"`

	// Deployment describes a member-baseline change (see baseline.go).
	Deployment *Deployment `json:"deployment,omitempty"`
}

// Plan is what applying a repository would change in an organization. It
// is self-contained: every view (text, Markdown, the pull-request comment)
// renders from it, so a plan read back from its JSON renders the same.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// InputsDigest is the SHA-256 of the canonical desired side: policy
	// documents, descriptions, tags and targets (as ids), prerequisites,
	// baselines and AllowDestroy. Apply re-plans and proceeds only if its
	// fresh plan has the same InputsDigest.
	InputsDigest string `json:"inputs_digest"`
	// LiveDigest is the SHA-256 of the canonical snapshot of the
	// organization the plan was made against (without its capture time).
	LiveDigest string `json:"live_digest"`
	// AllowDestroy records `plan --allow-destroy`: only then does apply
	// carry out destructive changes.
	AllowDestroy bool `json:"allow_destroy"`
	// Organization is the organization id (o-…), when known.
	Organization string `json:"organization,omitempty"`
	// Against says what the actual organization was read from, for people:
	// a snapshot file or the live organization. It is not digested.
	Against string `json:"against,omitempty"`

	Summary Summary `json:"summary"`
	// Changes in the order apply carries them out: by phase, and within a
	// phase in a fixed order (attachments in the order that gives each
	// entity the attachment order the effective policies assume).
	Changes []Change `json:"changes"`
	// Effective groups the accounts whose effective backup policy changes
	// or is invalid, by identical before, after and problems. In a plan
	// Make returns, Effective[i] is Preview.Groups()[i] (the JSON preview
	// takes each group's accounts from here).
	Effective []EffectiveGroup `json:"effective"`
	// Problems that make the plan unusable (errors), need attention
	// (warnings) or inform (notices). Apply refuses a plan with errors.
	Problems []Problem `json:"problems"`

	// Coverage says how every account a repository policy reaches gets its
	// role and vaults; BaselineNotes what planning the baselines found but
	// does not change. Neither is digested.
	Coverage      *Coverage `json:"coverage,omitempty"`
	BaselineNotes []string  `json:"baseline_notes,omitempty"`

	// Desired and Preview are the computed states behind the plan, for the
	// command that made it (preview renders from them, effective reads the
	// desired organization). A plan decoded from JSON has neither.
	Desired *org.Org           `json:"-"`
	Preview *effective.Preview `json:"-"`
}

// Summary counts a plan's changes and findings.
type Summary struct {
	Create        int `json:"create"`
	Update        int `json:"update"` // policies whose content, description or tags change
	Delete        int `json:"delete"`
	Adopt         int `json:"adopt"`
	Attach        int `json:"attach"`
	Detach        int `json:"detach"`
	Prerequisites int `json:"prerequisites"`
	// Baselines counts the member-baseline changes: StackSets, their
	// instances, management stacks, keys.
	Baselines   int `json:"baselines,omitempty"`
	Destructive int `json:"destructive"`

	Accounts        int `json:"accounts"`
	AccountsChanged int `json:"accounts_changed"`
	AccountsInvalid int `json:"accounts_invalid"`

	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// Line is the summary line every view starts with, as Terraform's
// "Plan: 1 to add, …": the five counts always, adoptions and prerequisites
// when there are any, or "No changes." for an empty plan.
func (s Summary) Line() string {
	if s.Changes() == 0 {
		return "No changes."
	}
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %s to add, %d to remove",
		s.Create, s.Update, s.Delete, countOf(s.Attach, "attachment", "attachments"), s.Detach)
	if s.Adopt > 0 {
		line += fmt.Sprintf(", %d to adopt", s.Adopt)
	}
	if s.Prerequisites > 0 {
		line += fmt.Sprintf(", %s", countOf(s.Prerequisites, "organization setting to change", "organization settings to change"))
	}
	if s.Baselines > 0 {
		line += fmt.Sprintf(", %s", countOf(s.Baselines, "baseline change", "baseline changes"))
	}
	return line
}

// Changes counts every change of the plan.
func (s Summary) Changes() int {
	return s.Create + s.Update + s.Delete + s.Adopt + s.Attach + s.Detach + s.Prerequisites + s.Baselines
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// HasErrors reports whether the plan has problems that forbid applying it.
func (p *Plan) HasErrors() bool {
	for _, pr := range p.Problems {
		if pr.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Destructive returns the destructive changes, in plan order.
func (p *Plan) Destructive() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Destructive {
			out = append(out, c)
		}
	}
	return out
}

// Severities of a Problem. The values are part of the JSON format.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityNotice  = "notice"
)

// Problem codes that callers branch on. Every code is stable; these are
// the ones with a meaning beyond their message.
const (
	// CodeInvalidEffective: accounts would get (or keep) an invalid
	// effective policy; the details are in Effective.
	CodeInvalidEffective = "invalid-effective-policy"
	// CodeNotOwned: a repository policy's name is taken by a policy
	// orgbackup does not own.
	CodeNotOwned = "policy-not-owned"
	// CodeDestroyNotAllowed: the plan has destructive changes and was not
	// made with AllowDestroy.
	CodeDestroyNotAllowed = "destroy-not-allowed"
	// CodeNotRecorded: the actual organization (a hand-written snapshot)
	// does not record some settings, so their prerequisites are not
	// compared.
	CodeNotRecorded = "not-recorded"
)

// Problem is something the plan found that is not a change: a reason the
// plan cannot be applied (a name clash with a policy orgbackup does not
// own, an account that would get an invalid effective policy, a quota), or
// something to be aware of.
type Problem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	// Source is where to look in the repository (policies/x.cue:3:1),
	// when there is such a place.
	Source string `json:"source,omitempty"`
	// Policy names the policy the problem is about, if one.
	Policy string `json:"policy,omitempty"`
}

// EffectiveGroup is a set of accounts whose effective backup policy
// changes, or would be invalid, in the same way.
type EffectiveGroup struct {
	Accounts []Account `json:"accounts"`
	// Changed is false for accounts whose effective policy the plan does
	// not change but which have (or keep) problems.
	Changed bool `json:"changed"`
	// RawBefore and RawAfter are the effective policies, {} for none, in
	// a plan decoded from JSON. A plan Make returns holds them as
	// documents instead, and writes them only when they are read (Before,
	// After) or encoded: the JSON preview of 100,000 accounts writes its
	// groups' policies from their parts and never needs them whole.
	RawBefore json.RawMessage `json:"before"`
	RawAfter  json.RawMessage `json:"after"`
	before    *inherit.Doc
	after     *inherit.Doc
	// Diff is a unified diff of the indented Before and After, empty when
	// unchanged. Make leaves it to Encode, and views read it with
	// DiffText: at 100,000 accounts the diffs of thousands of groups took
	// a second that a JSON preview, which shows none, never needs.
	Diff     string             `json:"diff,omitempty"`
	Problems []EffectiveProblem `json:"problems,omitempty"`
	// Notes are what the inheritance rules ignored in the desired state:
	// operators a parent forbids, same-level overrides.
	Notes []string `json:"notes,omitempty"`
}

// DiffText returns Diff, computing it from Before and After when the
// group changes and the plan was made rather than decoded.
func (g *EffectiveGroup) DiffText() string {
	if g.Diff != "" || !g.Changed {
		return g.Diff
	}
	return string(effective.Diff(g.Before(), g.After()))
}

// Before returns the effective policy before the plan, {} for none.
func (g *EffectiveGroup) Before() json.RawMessage { return rawDoc(g.RawBefore, g.before) }

// After returns the effective policy after the plan, {} for none.
func (g *EffectiveGroup) After() json.RawMessage { return rawDoc(g.RawAfter, g.after) }

// rawDoc is raw, or else the bytes of d, {} for none.
func rawDoc(raw json.RawMessage, d *inherit.Doc) json.RawMessage {
	if raw == nil && d != nil {
		raw = d.Bytes()
	}
	return rawJSON(raw)
}

// Account is one account of an EffectiveGroup.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Path string `json:"path"`
}

// EffectiveProblem is one reason an effective policy would not work, as
// effective.Validate reports it.
type EffectiveProblem struct {
	Code     string   `json:"code"`
	Path     string   `json:"path"` // as ListEffectivePolicyValidationErrors prints PathToError
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Policies []string `json:"contributing_policies,omitempty"`
	Source   string   `json:"source,omitempty"`
}
