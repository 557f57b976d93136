package baseline

import (
	"bytes"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Live is what is deployed: orgbackup's StackSets with their instances, the
// management account's stacks, and the managed keys, as the CloudFormation
// and KMS readers return them. The zero Live is an organization where
// nothing has been deployed yet.
type Live struct {
	// StackSets are the StackSets whose names start with
	// generate.StackSetPrefix and that are not DELETED.
	StackSets []*LiveStackSet
	// Stacks are the management account's stacks whose names start with
	// generate.StackSetPrefix, in the Regions read, not DELETE_COMPLETE.
	Stacks []*LiveStack
	// Keys are the keys behind KeyAlias in the Regions read.
	Keys []*LiveKey
}

// LiveStackSet is one StackSet as DescribeStackSet, ListStackInstances and
// ListStackSetOperations show it.
type LiveStackSet struct {
	Name            string
	Status          string // ACTIVE
	PermissionModel string // SERVICE_MANAGED
	AutoDeployment  bool
	Template        string
	Capabilities    []string
	Parameters      map[string]string
	Tags            map[string]string
	// OUs are the root and OU ids it targets (OrganizationalUnitIds), and
	// Regions the Regions it has instances in.
	OUs       []string
	Regions   []string
	Instances []Instance
	// Operation is an operation still in progress (RUNNING, QUEUED or
	// STOPPING), nil when there is none: apply waits for it before it
	// submits anything to the StackSet.
	Operation *Operation
}

// Instance is one stack instance: the StackSet's stack in one account and
// Region.
type Instance struct {
	Account string
	Region  string
	OU      string
	// Status is CURRENT, OUTDATED or INOPERABLE; Detailed the
	// StackInstanceStatus.DetailedStatus (SUCCEEDED, FAILED, RUNNING, …).
	Status   string
	Detailed string
	Reason   string
}

// Healthy reports whether the instance is deployed with the StackSet's
// current template.
func (i Instance) Healthy() bool {
	return i.Status == "CURRENT" && (i.Detailed == "" || i.Detailed == "SUCCEEDED")
}

// Operation is a StackSet operation.
type Operation struct {
	ID     string
	Action string // CREATE, UPDATE, DELETE, DETECT_DRIFT
	Status string // RUNNING, QUEUED, STOPPING, SUCCEEDED, FAILED, STOPPED
}

// LiveStack is one stack in the management account.
type LiveStack struct {
	Name       string
	Region     string
	Status     string // CREATE_COMPLETE, ROLLBACK_COMPLETE, …
	Reason     string
	Template   string
	Parameters map[string]string
	Tags       map[string]string
}

// LiveKey is the key behind KeyAlias in one Region.
type LiveKey struct {
	Region string
	ARN    string
	State  string // Enabled, Disabled, PendingDeletion, …
	Policy string
	Tags   map[string]string
}

func (l *Live) stackSet(name string) *LiveStackSet {
	if l == nil {
		return nil
	}
	for _, s := range l.StackSets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (l *Live) stack(name, region string) *LiveStack {
	if l == nil {
		return nil
	}
	for _, s := range l.Stacks {
		if s.Name == name && s.Region == region {
			return s
		}
	}
	return nil
}

func (l *Live) key(region string) *LiveKey {
	if l == nil {
		return nil
	}
	for _, k := range l.Keys {
		if k.Region == region {
			return k
		}
	}
	return nil
}

// KeyARNs maps each Region to the ARN of the managed key there, for the
// keys that exist.
func (l *Live) KeyARNs() map[string]string {
	m := map[string]string{}
	if l == nil {
		return m
	}
	for _, k := range l.Keys {
		if k.ARN != "" {
			m[k.Region] = k.ARN
		}
	}
	return m
}

// Owned reports whether tags mark a resource as orgbackup's: managed-by
// orgbackup and, when the repository is configured, tagged with it.
func Owned(tags map[string]string, repository string) bool {
	if tags[policy.TagManagedBy] != policy.ManagedBy {
		return false
	}
	return repository == "" || tags[policy.TagRepository] == repository
}

// ResolveKeys puts the managed keys' ARNs into a template in place of their
// placeholders. missing lists the Regions whose key is not known.
func ResolveKeys(template []byte, regions []string, arns map[string]string) (out []byte, missing []string) {
	out = template
	for _, r := range regions {
		arn, ok := arns[r]
		if !ok {
			missing = append(missing, r)
			continue
		}
		// The placeholder is a JSON string with nothing to escape, so a
		// byte replacement of the quoted string is exact.
		out = bytes.ReplaceAll(out, []byte(`"`+generate.ManagedKeyPlaceholder(r)+`"`), quote(arn))
	}
	return out, missing
}

func quote(s string) []byte { return doc.NewString(s, doc.Pos{}).Compact() }

// SameJSON reports whether two JSON texts hold the same value, whatever
// their layout and key order. Text that does not parse equals nothing.
func SameJSON(a, b string) bool {
	x, err := doc.Parse("", []byte(a))
	if err != nil {
		return false
	}
	y, err := doc.Parse("", []byte(b))
	if err != nil {
		return false
	}
	return doc.Equal(x, y)
}

// instanceOUs returns the OU targets of a live StackSet: those it records
// and those its instances name.
func (s *LiveStackSet) instanceOUs() []string {
	out := slices.Clone(s.OUs)
	for _, i := range s.Instances {
		if i.OU != "" {
			out = append(out, i.OU)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// regions returns the Regions the StackSet is deployed in: those it records
// and those its instances are in.
func (s *LiveStackSet) regions() []string {
	out := slices.Clone(s.Regions)
	for _, i := range s.Instances {
		out = append(out, i.Region)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (s *LiveStackSet) has(account, region string) bool {
	return slices.ContainsFunc(s.Instances, func(i Instance) bool { return i.Account == account && i.Region == region })
}

// isOrgbackup reports whether a StackSet or stack name is in orgbackup's
// namespace.
func isOrgbackup(name string) bool { return strings.HasPrefix(name, generate.StackSetPrefix) }
