package plan

// The member-baseline actions (issue 7). They run in PhaseBaselines, except
// the removals of a baseline no longer in the repository, which run in
// PhaseDelete after the policies that used it are detached and deleted, so
// no attached policy is ever left without its role or vault.
const (
	// The management account's KMS keys that encrypt baseline vaults.
	CreateKMSKey       Action = "create-kms-key"        // CreateKey + CreateAlias in one Region
	UpdateKMSKeyPolicy Action = "update-kms-key-policy" // PutKeyPolicy on an orgbackup key

	// Service-managed StackSets that deploy a baseline to member accounts.
	CreateStackSet       Action = "create-stack-set"       // CreateStackSet (no instances yet)
	UpdateStackSet       Action = "update-stack-set"       // UpdateStackSet: a new template or parameters, rolled out to every instance
	AddStackInstances    Action = "add-stack-instances"    // CreateStackInstances for OU (or account) targets × Regions
	RemoveStackInstances Action = "remove-stack-instances" // DeleteStackInstances; vaults are retained by their DeletionPolicy
	DeleteStackSet       Action = "delete-stack-set"       // DeleteStackSet once it has no instances

	// Regular stacks in the management account, which StackSets never
	// deploy to.
	CreateStack Action = "create-stack"
	UpdateStack Action = "update-stack"
	DeleteStack Action = "delete-stack"
)

// IsBaseline reports whether a is one of the member-baseline actions.
func (a Action) IsBaseline() bool {
	switch a {
	case CreateKMSKey, UpdateKMSKeyPolicy, CreateStackSet, UpdateStackSet, AddStackInstances,
		RemoveStackInstances, DeleteStackSet, CreateStack, UpdateStack, DeleteStack:
		return true
	}
	return false
}

// Deployment is what a baseline change deploys, and where. Change.After
// holds the CloudFormation template (or the key policy) as it will be sent,
// Change.Before what is there now; Change.Tags the tags put on the StackSet,
// stack or key.
type Deployment struct {
	// Baseline is the repository baseline the change belongs to.
	Baseline string `json:"baseline"`
	// Part is "role", "vault" or "key".
	Part string `json:"part"`
	// StackSet or Stack names what is created or changed.
	StackSet string `json:"stack_set,omitempty"`
	Stack    string `json:"stack,omitempty"`
	// Account is the account of a stack or a key: the management account.
	Account string `json:"account,omitempty"`
	// Region is the Region of a stack or a key; Regions those of stack
	// instances.
	Region  string   `json:"region,omitempty"`
	Regions []string `json:"regions,omitempty"`
	// OrganizationalUnits are the deployment targets of stack instances:
	// root and OU ids (a root or OU includes every OU below it).
	OrganizationalUnits []string `json:"organizational_units,omitempty"`
	// Accounts restricts the deployment to these accounts of the
	// OrganizationalUnits (StackSets' account filter INTERSECTION): how a
	// baseline targeted at single accounts is deployed.
	Accounts []string `json:"accounts,omitempty"`
	// Capabilities and Parameters are sent with the template.
	Capabilities []string          `json:"capabilities,omitempty"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	// Preferences are the StackSet operation preferences of the baseline.
	Preferences *OperationPreferences `json:"operation_preferences,omitempty"`
	// RetainStacks keeps the stacks (and so the role and vault) when
	// instances are removed: for a baseline that now declares its
	// resources as existing, orgbackup lets go without deleting them.
	RetainStacks bool `json:"retain_stacks,omitempty"`
	// KeyAlias is the alias of a managed KMS key.
	KeyAlias string `json:"key_alias,omitempty"`
	// ManagedKeys lists the Regions whose managed key ARN apply puts into
	// the template in place of its placeholder (see baseline.KeyPlaceholder).
	ManagedKeys []string `json:"managed_keys,omitempty"`
}

// OperationPreferences are StackSetOperationPreferences.
type OperationPreferences struct {
	MaxConcurrentPercentage    int    `json:"max_concurrent_percentage"`
	FailureTolerancePercentage int    `json:"failure_tolerance_percentage"`
	RegionConcurrency          string `json:"region_concurrency"`
}

// BaselinePart is what planning the member baselines adds to a plan.
// Package baseline computes it; Make gets it through Input.Baselines, a
// function, because baseline builds on this package.
type BaselinePart struct {
	// Changes in apply order: PhaseBaselines ones, then PhaseDelete ones.
	Changes  []Change
	Problems []Problem
	// Notes say what the baselines' planning found but does not change:
	// operations running, instances redeployed, resources let go.
	Notes    []string
	Coverage *Coverage
}

// Coverage says how every account a repository policy reaches gets the
// role and vaults its policies name: which baseline, and by which means.
// validate --org, preview and plan show it, so that the management account
// (which StackSets never deploy to) and accounts no baseline covers are
// visible.
type Coverage struct {
	Baselines []CoverageBaseline `json:"baselines"`
	// Groups are the reached accounts grouped by how they are covered.
	Groups []CoverageGroup `json:"groups"`
	// Uncovered are reached accounts no baseline covers, though a policy
	// reaching them names a role or vault of the member account: their
	// backups fail.
	Uncovered []Account `json:"uncovered"`
	// Management is the management account's id, when known.
	Management string `json:"management,omitempty"`
}

// CoverageBaseline is how one baseline is deployed.
type CoverageBaseline struct {
	Name     string   `json:"name"`
	Existing bool     `json:"existing"`
	Role     string   `json:"role,omitempty"`
	Vault    string   `json:"vault,omitempty"`
	Regions  []string `json:"regions"`
	// StackSets deploy it to member accounts, at Targets (paths with ids).
	StackSets []string `json:"stack_sets"`
	Targets   []string `json:"targets"`
	// ManagementStacks: it is deployed to the management account as
	// stacks.
	ManagementStacks bool `json:"management_stacks"`
	ManagedKey       bool `json:"managed_kms_key"`
}

// CoverageGroup is a set of accounts covered the same way.
type CoverageGroup struct {
	Via      []Via     `json:"via"`
	Accounts []Account `json:"accounts"`
}

// Via is one baseline covering an account, and how: ViaStackSet,
// ViaManagement or ViaExisting.
type Via struct {
	Baseline string `json:"baseline"`
	How      string `json:"how"`
}

// How a baseline reaches accounts.
const (
	ViaStackSet   = "stack-set"        // a service-managed StackSet instance
	ViaManagement = "management-stack" // a stack in the management account
	ViaExisting   = "existing"         // declared existing, not deployed by orgbackup
)
