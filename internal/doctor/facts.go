// Package doctor explains why backups would fail in one member account: it
// compares what the account's effective backup policy and its baselines
// need (the role, the vault in each Region, the vault's key and access
// policy, the organization's backup plans) with what the account has, and
// says how to fix each gap. It is pure: what the account has comes in as
// Facts, read by the IAM, AWS Backup and KMS adapters.
package doctor

// Facts are what one account has, as read through a role assumed into it.
// A nil entry means "looked for, not there"; Err fields say why something
// could not be read at all.
type Facts struct {
	Account string
	// Roles by name; RoleErrs say why a role could not be read.
	Roles    map[string]*Role
	RoleErrs map[string]string
	// Vaults by Region and name.
	Vaults    map[VaultKey]*Vault
	VaultErrs map[VaultKey]string
	// Keys by ARN: the keys the vaults use.
	Keys map[string]*Key
	// Plans by Region: the names of the backup plans in the account.
	Plans    map[string][]string
	PlanErrs map[string]string
}

// VaultKey names a vault in a Region.
type VaultKey struct{ Region, Name string }

// Role is an IAM role.
type Role struct {
	Name string
	ARN  string
	// Trust is the role's trust policy (AssumeRolePolicyDocument), JSON.
	Trust string
	// Policies are the ARNs of the managed policies attached to it.
	Policies []string
}

// Vault is a backup vault in one Region.
type Vault struct {
	Name   string
	ARN    string
	KeyARN string
	// AccessPolicy is the vault's access policy, JSON; empty when it has
	// none.
	AccessPolicy string
}

// Key is a KMS key a vault uses.
type Key struct {
	ARN     string
	State   string // Enabled, Disabled, PendingDeletion, …
	Manager string // AWS or CUSTOMER
	// Policy is the key policy, JSON; empty when it could not be read
	// (PolicyErr says why): a key in another account can be read only
	// with that account's credentials.
	Policy    string
	PolicyErr string
}
