// Package policy holds the validated, decoded form of a policies/ directory:
// the backup policies, where they are attached, and the member baselines.
// It imports nothing from CUE, AWS or GitHub; the loader produces it and the
// generator, the checks and the previews consume it.
package policy

import (
	"regexp"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Type is the Organizations policy type orgbackup manages.
const Type = "BACKUP_POLICY"

// ChildChangesKey is the author-form key of a plan that says which of its
// settings policies attached below may change (schema: #ChildChanges);
// build expands it into AWS's child control operators.
const ChildChangesKey = "children_may_change"

// MaxNameLength is the longest policy name Organizations accepts, in
// characters (CreatePolicy Name: 1 to 128; the schema's #PolicyName).
const MaxNameLength = 128

// Tags orgbackup puts on what it creates, so that a later plan can tell its
// own resources from everyone else's and never touch the latter. They live
// here rather than in package plan, which decides ownership, because the
// generator tags the baseline templates with them too and plan builds on
// the generator.
const (
	// TagManagedBy = ManagedBy marks a policy, StackSet, role or vault as
	// orgbackup's.
	TagManagedBy = "managed-by"
	ManagedBy    = "orgbackup"
	// TagSource names the definition file of a policy, repository-relative
	// and slash-separated, so a person who finds the policy in the console
	// knows where to change it.
	TagSource = "orgbackup:source"
	// TagRepository is set when the organization block names the
	// repository: policies then belong to that repository alone, so two
	// repositories can manage one organization without deleting each
	// other's policies.
	TagRepository = "orgbackup:repository"
	// TagBaseline names the baseline a template's resources belong to.
	TagBaseline = "orgbackup:baseline"
)

// Repo is everything defined in a policies/ directory.
type Repo struct {
	// Dir is the directory as the user named it.
	Dir       string
	Policies  []*Policy   // sorted by name
	Baselines []*Baseline // sorted by name
	// Snapshots are the org snapshot files (*.snapshot.json) found in Dir,
	// relative to the working directory, sorted.
	Snapshots []string
	// Files are the definition files read, relative to the working directory.
	Files []string
	// NewRegions are Regions the definitions declare (new_regions) because
	// AWS opened them after this release of orgbackup.
	NewRegions []Target
	// Organization holds the organization-wide prerequisites the
	// repository declares; nil when it has no organization block.
	Organization *Organization
}

// Organization is the repository's `organization` block: what must hold in
// the organization for its policies to work, and how orgbackup labels what
// it owns. Unset fields are not managed: orgbackup neither turns them on
// nor off.
type Organization struct {
	Pos doc.Pos
	// BackupPolicies is "enabled" when the block asks for the
	// BACKUP_POLICY type to be enabled on the root. The type is enabled
	// whenever the repository defines a policy, declared or not: nothing
	// can be attached otherwise.
	BackupPolicies string
	// TrustedAccess asks for trusted access for AWS Backup
	// (backup.amazonaws.com), which cross-account monitoring and a
	// delegated administrator need.
	TrustedAccess *bool
	// CrossAccountBackup is AWS Backup's global setting
	// isCrossAccountBackupEnabled in the management account; a copy action
	// into another account needs it.
	CrossAccountBackup    *bool
	CrossAccountBackupPos doc.Pos
	// DelegatedAdministrator is the account to register as AWS Backup's
	// delegated administrator, "" for none.
	DelegatedAdministrator    string
	DelegatedAdministratorPos doc.Pos
	// Repository scopes ownership to one repository ("acme/backup-policies"):
	// orgbackup then owns only policies tagged with it.
	Repository    string
	RepositoryPos doc.Pos
}

// Repository returns the repository ownership is scoped to, "" if none.
func (r *Repo) Repository() string {
	if r.Organization == nil {
		return ""
	}
	return r.Organization.Repository
}

// Policy returns the policy named name, or nil.
func (r *Repo) Policy(name string) *Policy {
	for _, p := range r.Policies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Policy is one Organizations backup policy as its author wrote it.
type Policy struct {
	Name        string
	Pos         doc.Pos // where the policy is defined
	Description string
	Targets     []Target
	// Partial marks a policy meant to be merged with policies attached
	// above it; complete policies must define whole plans.
	Partial bool
	// Plans is the policy's `plans` object in author form: plain values,
	// or AWS operator objects where the author used them.
	Plans *doc.Node
	// Adopt asks orgbackup to take over an existing policy of this name
	// that it does not own yet: the next apply tags it as orgbackup's and
	// then manages it like any other. Without it, such a policy is never
	// touched and the plan fails with a name clash.
	Adopt bool
}

// Baseline is what must exist in member accounts for policies to work: a
// backup role and a vault with exactly the names the policies use.
type Baseline struct {
	Name                      string
	Pos                       doc.Pos
	Targets                   []Target
	Regions                   []string
	RegionsPos                doc.Pos
	RegionPos                 []doc.Pos // each of Regions, where known
	RoleName                  string
	RoleNamePos               doc.Pos
	RolePath                  string
	RolePathPos               doc.Pos // invalid when role_path is the default
	RoleManagedPolicyARNs     []string
	VaultName                 string
	VaultNamePos              doc.Pos
	VaultKMSKeyARN            string
	VaultKMSKeyARNPos         doc.Pos
	VaultAccessPolicy         *doc.Node
	AllowCopyFromOrganization bool

	// Existing declares that the role and vault already exist wherever the
	// baseline is deployed and are not orgbackup's to create or delete.
	Existing    bool
	ExistingPos doc.Pos
	// ManagedKMSKey asks orgbackup to create the vault's key: one per
	// Region in the management account.
	ManagedKMSKey    bool
	ManagedKMSKeyPos doc.Pos
	// Operation says how fast StackSets roll the baseline out.
	Operation OperationPreferences
}

// OperationPreferences are a baseline's StackSetOperationPreferences.
type OperationPreferences struct {
	MaxConcurrentPercentage    int
	FailureTolerancePercentage int
	RegionConcurrency          string // SEQUENTIAL or PARALLEL
}

// DefaultOperationPreferences are the schema's defaults: a quarter of the
// accounts at a time, a tenth may fail, one Region after another
// (gitops-safety.md §3.6).
var DefaultOperationPreferences = OperationPreferences{
	MaxConcurrentPercentage:    25,
	FailureTolerancePercentage: 10,
	RegionConcurrency:          "SEQUENTIAL",
}

// Deployed reports whether orgbackup deploys the baseline (rather than
// relying on resources that exist already).
func (b *Baseline) Deployed() bool { return !b.Existing }

// TargetKind says how a target names an organization entity.
type TargetKind int

// The ways to name a target.
const (
	RootTarget    TargetKind = iota // "Root"
	OUPathTarget                    // "Root/Workloads/Prod"
	RootIDTarget                    // "r-ab12"
	OUIDTarget                      // "ou-ab12-abcdefgh"
	AccountTarget                   // "123456789012"
)

// Target is one place a policy or baseline is attached, as written.
type Target struct {
	Raw string
	Pos doc.Pos
}

var (
	rootIDRe  = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDRe    = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
)

// Kind classifies the target.
func (t Target) Kind() TargetKind {
	switch {
	case t.Raw == "Root":
		return RootTarget
	case strings.HasPrefix(t.Raw, "Root/"):
		return OUPathTarget
	// The prefix and length tests only spare the regular expressions
	// targets they cannot match: checks ask for the kind of every pair of
	// targets, hundreds of thousands of times in a large repository.
	case strings.HasPrefix(t.Raw, "r-") && rootIDRe.MatchString(t.Raw):
		return RootIDTarget
	case strings.HasPrefix(t.Raw, "ou-") && ouIDRe.MatchString(t.Raw):
		return OUIDTarget
	case len(t.Raw) == 12 && accountRe.MatchString(t.Raw):
		return AccountTarget
	}
	return OUPathTarget
}

// IsRoot reports whether the target is the organization root, by name or id.
func (t Target) IsRoot() bool {
	k := t.Kind()
	return k == RootTarget || k == RootIDTarget
}

// Segments returns the OU names of an OU path target ("Root/A/B" gives
// [A B]), and nil for other targets.
func (t Target) Segments() []string {
	if t.Kind() != OUPathTarget {
		return nil
	}
	return strings.Split(strings.TrimPrefix(t.Raw, "Root/"), "/")
}

// Covers reports whether an attachment at t reaches everything an
// attachment at u reaches, judging by the names alone: the root covers
// everything, an OU path covers itself and the paths below it, and an id
// covers only itself. known is false when ids make it impossible to tell
// without the organization's structure (an org snapshot).
func (t Target) Covers(u Target) (covers, known bool) {
	if t.IsRoot() {
		return true, true
	}
	if t.Raw == u.Raw {
		return true, true
	}
	tk, uk := t.Kind(), u.Kind()
	if tk == OUPathTarget && uk == OUPathTarget {
		return strings.HasPrefix(u.Raw+"/", t.Raw+"/"), true
	}
	if uk == RootTarget || uk == RootIDTarget {
		return false, true
	}
	if tk == AccountTarget {
		// An account contains nothing else.
		return false, true
	}
	return false, false
}
