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
	// UpdatePolicy.
	Description string `json:"description,omitempty"`
	// Tags are the tags the change puts on the policy (create, adopt).
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
