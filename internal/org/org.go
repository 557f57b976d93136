// Package org models an AWS organization as orgbackup needs it for previews:
// the root, the organizational units and accounts below it, the policies of
// the organization, and which policies are attached to which entity, in
// attachment order. It also reads and writes the snapshot file that records
// such an organization (see FORMAT.md).
//
// An Org is the "actual" side of every preview: the effective backup policy
// of an account is computed from the policies attached along its Chain, so
// the model keeps exactly what that computation and the plan engine need and
// nothing that is only of interest to the AWS console.
package org

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Kind says what sort of organization entity an Entity is.
type Kind uint8

// The entity kinds. The zero Kind is not valid, so a forgotten field shows.
const (
	Root Kind = iota + 1
	OU
	Account
)

// String returns the kind as it reads in messages.
func (k Kind) String() string {
	switch k {
	case Root:
		return "root"
	case OU:
		return "organizational unit"
	case Account:
		return "account"
	}
	return "unknown kind"
}

// MaxOUDepth is how many levels of OUs AWS allows below the root.
const MaxOUDepth = 5

// MaxAttachedPerType is how many policies of one type may be attached
// directly to one root, OU or account: the AWS hard limit for backup, tag
// and AI opt-out policies. Service control policies have a lower quota,
// which this package does not check: orgbackup does not manage them, and a
// snapshot of a real organization never exceeds it anyway.
const MaxAttachedPerType = 10

// PolicyTypes lists every Organizations policy type name this build accepts,
// sorted. A snapshot of an organization that uses a newer type fails to load
// with a hint to upgrade, rather than silently dropping its attachments.
var PolicyTypes = []string{
	"AISERVICES_OPT_OUT_POLICY",
	"BACKUP_POLICY",
	"BEDROCK_POLICY",
	"CHATBOT_POLICY",
	"DECLARATIVE_POLICY_EC2",
	"INSPECTOR_POLICY",
	"NETWORK_SECURITY_DIRECTOR_POLICY",
	"RESOURCE_CONTROL_POLICY",
	"S3_POLICY",
	"SECURITYHUB_POLICY",
	"SERVICE_CONTROL_POLICY",
	"TAG_POLICY",
	"UPGRADE_ROLLOUT_POLICY",
}

// IsPolicyType reports whether t is one of PolicyTypes.
func IsPolicyType(t string) bool {
	_, ok := slices.BinarySearch(PolicyTypes, t)
	return ok
}

// Info is what DescribeOrganization says about the organization itself.
// Every field may be empty in a hand-written snapshot.
type Info struct {
	ID                  string // o-…
	ARN                 string
	ManagementAccountID string // MasterAccountId in the API
	FeatureSet          string // ALL or CONSOLIDATED_BILLING
}

// PolicyTypeStatus is one element of a root's PolicyTypes in ListRoots: a
// policy type and whether it is enabled in the organization.
type PolicyTypeStatus struct {
	Type   string
	Status string // ENABLED, PENDING_ENABLE or PENDING_DISABLE
}

// Settings is the organization-wide state that backup policies depend on
// besides the policies themselves. orgbackup plans changes to it from the
// repository's `organization` block. A nil field means "not read" (the
// snapshot does not say, or the API could not be asked), an empty one
// "read, and there is none"; likewise a service principal missing from
// DelegatedAdministrators was not asked about.
type Settings struct {
	// TrustedServices are the service principals with trusted access to
	// the organization (ListAWSServiceAccessForOrganization), sorted.
	// backup.amazonaws.com gives AWS Backup its cross-account monitoring.
	TrustedServices []string
	// DelegatedAdministrators maps a service principal to the accounts
	// registered as its delegated administrators, each sorted (never nil).
	DelegatedAdministrators map[string][]string
	// BackupGlobalSettings are AWS Backup's global settings in the
	// management account (DescribeGlobalSettings), such as
	// isCrossAccountBackupEnabled = "true".
	BackupGlobalSettings map[string]string
}

// Clone returns a deep copy of s; nil stays nil.
func (s *Settings) Clone() *Settings {
	if s == nil {
		return nil
	}
	c := &Settings{
		TrustedServices:      slices.Clone(s.TrustedServices),
		BackupGlobalSettings: cloneTags(s.BackupGlobalSettings),
	}
	if s.DelegatedAdministrators != nil {
		c.DelegatedAdministrators = make(map[string][]string, len(s.DelegatedAdministrators))
		for k, v := range s.DelegatedAdministrators {
			c.DelegatedAdministrators[k] = slices.Clone(v)
		}
	}
	return c
}

// Entity is a root, an organizational unit or an account. Entities are
// shared between an Org and its clones and must be treated as read-only;
// what can change in a preview (attachments, policies) lives in the Org.
type Entity struct {
	ID   string
	Name string // OUs always have one; accounts may not in a hand-written snapshot
	ARN  string
	Kind Kind
	// idSegment and index fill the bytes after Kind, where they cost
	// nothing: a preview holds 100,000 entities, touched fresh at load.
	//
	// idSegment says that this entity's last Path element is its id; it
	// is its name otherwise. OUs go by name; accounts by name unless that
	// would be ambiguous among their siblings.
	idSegment bool
	// index is Index's answer.
	index int32

	// Parent is nil for the root. Children holds the OUs below this entity
	// sorted by name, then the accounts sorted by id.
	Parent   *Entity
	Children []*Entity

	// Depth is 0 for the root, 1 to MaxOUDepth for OUs, and the parent's
	// depth plus one for accounts.
	Depth int

	// Account fields, as ListAccountsForParent returns them.
	Email           string
	Status          string    // ACTIVE, SUSPENDED, PENDING_CLOSURE (deprecated by AWS in favour of State)
	State           string    // PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED
	JoinedMethod    string    // INVITED or CREATED
	JoinedTimestamp time.Time // zero if unknown

	// PolicyTypes is set on the root only: the policy types enabled in the
	// organization, as ListRoots reports them. Nil means the snapshot does
	// not say.
	PolicyTypes []PolicyTypeStatus

	// path is the whole Path, built once: a preview shows every account's.
	path string
}

// segment is e's last Path element.
func (e *Entity) segment() string {
	if e.idSegment {
		return e.ID
	}
	return e.Name
}

// Index numbers the entities of an organization densely: 0 for the root,
// then the OUs and then the accounts, each in id order, up to
// Org.NumEntities. Clones share the entity tree and so the numbering;
// callers that keep something per entity (the states of 100,000
// accounts) can keep it in a slice rather than a map.
func (e *Entity) Index() int { return int(e.index) }

// Policy is an Organizations policy: DescribePolicy's summary and content
// plus ListTagsForResource's tags.
type Policy struct {
	ID          string // p-…; empty only for a policy added in memory that does not exist yet
	Name        string
	ARN         string
	Type        string // one of PolicyTypes
	Description string
	AWSManaged  bool
	Tags        map[string]string

	// Content is the parsed policy document. Where the snapshot wrote it as
	// a JSON object, node positions point into the snapshot; where it was a
	// JSON string (as the API returns it), every node carries the position
	// of that string, since positions inside an escaped string would not
	// match any editor's line and column.
	Content *doc.Node
}

// Clone returns a copy of p whose tags and content can be edited without
// touching p.
func (p *Policy) Clone() *Policy {
	c := p.cloneSharingContent()
	c.Content = p.Content.Clone()
	return c
}

// cloneSharingContent is Clone with p's Content tree, not a copy.
func (p *Policy) cloneSharingContent() *Policy {
	c := *p
	c.Tags = cloneTags(p.Tags)
	return &c
}

// ref is how Encode writes an attachment to p: the id, or the name for a
// policy that has no id yet.
func (p *Policy) ref() string {
	if p.ID != "" {
		return p.ID
	}
	return p.Name
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return nil
	}
	c := make(map[string]string, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

// Org is a resolved organization: an entity tree with exactly one root, the
// organization's policies and their attachments. An Org is not safe for
// concurrent mutation; concurrent readers are fine.
type Org struct {
	// Source is "hand-written", "aws" (captured by the live reader) or
	// "synthetic" (generated for tests and benchmarks).
	Source string
	// CapturedAt is when the live reader took the snapshot; zero if unknown.
	CapturedAt time.Time
	// Info describes the organization; fields may be empty.
	Info Info
	// Settings is the organization-wide state backup policies depend on.
	// Nil when the snapshot does not record it (a hand-written snapshot).
	Settings *Settings

	root *Entity
	// byID holds the root and the OUs. Accounts are found in accounts
	// by binary search: a map of 100,000 of them was 3.5 MB and 30 ms of
	// a core at every load.
	byID map[string]*Entity
	ous  []*Entity // sorted by id
	// accounts is sorted by id. Every id is twelve digits (build refuses
	// any other), so that is their order as numbers too, and Entity finds
	// one by binary search.
	accounts []*Entity

	policies []*Policy // sorted by policyLess
	policyID map[string]*Policy

	// attached maps entity → policy type → policies in attachment order.
	// Keyed by *Entity rather than stored on the Entity so that clones can
	// share the entity tree and still edit attachments independently.
	attached map[*Entity]map[string][]*Policy
	// targets is attached's reverse: the entities each policy is attached
	// to directly. A plan asks for the targets of every policy it touches;
	// scanning attached for each of them took seconds at 100,000 accounts.
	targets map[*Policy]map[*Entity]bool
}

// NumEntities is the number of entities: the root, the OUs and the
// accounts. Entity.Index is below it.
func (o *Org) NumEntities() int { return 1 + len(o.ous) + len(o.accounts) }

// Root returns the organization's root.
func (o *Org) Root() *Entity { return o.root }

// Entity returns the root, OU or account with the given id, or nil.
func (o *Org) Entity(id string) *Entity {
	if e := o.byID[id]; e != nil {
		return e
	}
	if i, ok := slices.BinarySearchFunc(o.accounts, id, func(e *Entity, id string) int { return strings.Compare(e.ID, id) }); ok {
		return o.accounts[i]
	}
	return nil
}

// Accounts returns every account sorted by id. The slice is the caller's.
func (o *Org) Accounts() []*Entity { return slices.Clone(o.accounts) }

// OUs returns every organizational unit sorted by id. The slice is the
// caller's.
func (o *Org) OUs() []*Entity { return slices.Clone(o.ous) }

// ManagementAccount returns the management account, or nil when the snapshot
// does not name it.
func (o *Org) ManagementAccount() *Entity {
	if o.Info.ManagementAccountID == "" {
		return nil
	}
	return o.Entity(o.Info.ManagementAccountID)
}

// Chain returns the entities from the root down to e, inclusive: the levels
// whose attached policies make up e's effective policy, in the order
// Organizations applies them.
func (o *Org) Chain(e *Entity) []*Entity {
	c := make([]*Entity, e.Depth+1)
	for i := e.Depth; e != nil && i >= 0; i, e = i-1, e.Parent {
		c[i] = e
	}
	return c
}

// Path returns e's path as targets are written: "Root", "Root/Workloads/Prod"
// for an OU, and for an account its OU path plus the account name, or its id
// when the account has no name or shares it with a sibling. Resolve(Path(e))
// returns e, unless an OU name containing "/" makes the path spell another
// OU's path too (see FORMAT.md).
func (o *Org) Path(e *Entity) string { return e.path }

// AccountsUnder returns e itself if it is an account, otherwise every
// account anywhere below e, sorted by id.
func (o *Org) AccountsUnder(e *Entity) []*Entity {
	if e.Kind == Account {
		return []*Entity{e}
	}
	if e == o.root {
		return o.Accounts()
	}
	var out []*Entity
	var walk func(*Entity)
	walk = func(x *Entity) {
		for _, c := range x.Children {
			if c.Kind == Account {
				out = append(out, c)
			} else {
				walk(c)
			}
		}
	}
	walk(e)
	slices.SortFunc(out, byEntityID)
	return out
}

// Attached returns the policies of policyType attached directly to e, in
// attachment order (the first attached wins a same-level conflict). The
// slice must not be modified; use SetAttachments.
func (o *Org) Attached(e *Entity, policyType string) []*Policy {
	ps := o.attached[e][policyType]
	return ps[:len(ps):len(ps)]
}

// AttachedTypes returns the policy types that have at least one policy
// attached directly to e, sorted.
func (o *Org) AttachedTypes(e *Entity) []string {
	m := o.attached[e]
	ts := make([]string, 0, len(m))
	for t := range m {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// Targets returns the entities p is attached to directly (what
// ListTargetsForPolicy returns): the root first, then OUs, then accounts,
// each sorted by id.
func (o *Org) Targets(p *Policy) []*Entity {
	out := make([]*Entity, 0, len(o.targets[p]))
	for e := range o.targets[p] {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Entity) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Policies returns every policy of the organization, sorted by id (policies
// without an id last, by type and name). The slice is the caller's.
func (o *Org) Policies() []*Policy { return slices.Clone(o.policies) }

// Policy returns the policy with the given id or, failing that, the only
// policy with that name. It returns nil if there is none, or if policies of
// different types share the name; use PolicyOfType then.
func (o *Org) Policy(idOrName string) *Policy {
	if p := o.policyID[idOrName]; p != nil {
		return p
	}
	var found *Policy
	for _, p := range o.policies {
		if p.Name == idOrName {
			if found != nil {
				return nil
			}
			found = p
		}
	}
	return found
}

// PolicyOfType returns the policy of type policyType with the given id or
// name, or nil. Policy names are unique within a type, as Organizations
// enforces.
func (o *Org) PolicyOfType(policyType, idOrName string) *Policy {
	if p := o.policyID[idOrName]; p != nil {
		if p.Type == policyType {
			return p
		}
		return nil
	}
	for _, p := range o.policies {
		if p.Type == policyType && p.Name == idOrName {
			return p
		}
	}
	return nil
}

// Clone returns a copy of o in which attachments and policies can be edited
// without affecting o: policies (tags and content included) are copied, and
// the clone's attachments refer to the copies. The entity tree is immutable
// and shared, so an *Entity from o works with the clone too; policies must
// be looked up again in the clone.
func (o *Org) Clone() *Org { return o.clone(true) }

// CloneSharingContent is Clone without copying the policies' documents:
// the clone's policies are copies, but their Content trees are o's, which
// neither may modify (a policy's Content may be replaced). A plan works
// out its desired organization this way; copying the documents of 555
// policies was 18 ms before anything else could start.
func (o *Org) CloneSharingContent() *Org { return o.clone(false) }

func (o *Org) clone(content bool) *Org {
	c := *o
	c.Settings = o.Settings.Clone()
	c.policies = make([]*Policy, len(o.policies))
	c.policyID = make(map[string]*Policy, len(o.policyID))
	remap := make(map[*Policy]*Policy, len(o.policies))
	for i, p := range o.policies {
		q := p.cloneSharingContent()
		if content {
			q.Content = p.Content.Clone()
		}
		c.policies[i] = q
		remap[p] = q
		if q.ID != "" {
			c.policyID[q.ID] = q
		}
	}
	c.attached = make(map[*Entity]map[string][]*Policy, len(o.attached))
	for e, m := range o.attached {
		cm := make(map[string][]*Policy, len(m))
		for t, ps := range m {
			cps := make([]*Policy, len(ps))
			for i, p := range ps {
				cps[i] = remap[p]
			}
			cm[t] = cps
		}
		c.attached[e] = cm
	}
	c.targets = make(map[*Policy]map[*Entity]bool, len(o.targets))
	for p, es := range o.targets {
		c.targets[remap[p]] = maps.Clone(es)
	}
	return &c
}

// link records that p is attached to e, or with on false that it is not.
func (o *Org) link(p *Policy, e *Entity, on bool) {
	es := o.targets[p]
	switch {
	case on && es == nil:
		o.targets[p] = map[*Entity]bool{e: true}
	case on:
		es[e] = true
	default:
		delete(es, e)
		if len(es) == 0 {
			delete(o.targets, p)
		}
	}
}

// SetAttachments replaces the policies of policyType attached directly to
// e with policies, in that order. Policies not yet in o are added with
// AddPolicy. Nothing is validated, so a preview can show a state AWS would
// refuse (more than MaxAttachedPerType, say) and report it.
func (o *Org) SetAttachments(e *Entity, policyType string, policies []*Policy) {
	for _, p := range policies {
		if !o.has(p) {
			o.AddPolicy(p)
		}
	}
	m := o.attached[e]
	for _, p := range m[policyType] {
		o.link(p, e, false)
	}
	for _, p := range policies {
		o.link(p, e, true)
	}
	if len(policies) == 0 {
		delete(m, policyType)
		if len(m) == 0 {
			delete(o.attached, e)
		}
		return
	}
	if m == nil {
		m = make(map[string][]*Policy)
		o.attached[e] = m
	}
	m[policyType] = slices.Clone(policies)
}

func (o *Org) has(p *Policy) bool {
	if p.ID != "" {
		return o.policyID[p.ID] == p
	}
	return slices.Contains(o.policies, p)
}

// AddPolicy adds p to o. It replaces a policy with the same ID or, when p has
// no ID (a policy a plan would create), one with the same type and name;
// attachments of the replaced policy then refer to p, which is how a preview
// shows an updated policy in place.
func (o *Org) AddPolicy(p *Policy) {
	var old *Policy
	if p.ID != "" {
		old = o.policyID[p.ID]
	} else {
		for _, q := range o.policies {
			if q.ID == "" && q.Type == p.Type && q.Name == p.Name {
				old = q
				break
			}
		}
	}
	if old == p {
		return
	}
	if old != nil {
		o.policies = slices.DeleteFunc(o.policies, func(q *Policy) bool { return q == old })
		for e := range o.targets[old] {
			m := o.attached[e]
			for t, ps := range m {
				for i, q := range ps {
					if q == old {
						m[t][i] = p
					}
				}
			}
			o.link(p, e, true)
		}
		delete(o.targets, old)
	}
	if p.ID != "" {
		o.policyID[p.ID] = p
	}
	i, _ := slices.BinarySearchFunc(o.policies, p, policyCmp)
	o.policies = slices.Insert(o.policies, i, p)
}

// policyCmp orders policies by id, with id-less policies (not created yet)
// after them by type and name.
func policyCmp(a, b *Policy) int {
	if (a.ID == "") != (b.ID == "") {
		if a.ID == "" {
			return 1
		}
		return -1
	}
	return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
}

func byEntityID(a, b *Entity) int { return strings.Compare(a.ID, b.ID) }

// PolicyTypeEnabled reports whether policies of type t can be attached in
// the organization: the root lists the type as ENABLED, or PENDING_ENABLE
// (AWS is enabling it; apply waits for it). known is false when the
// snapshot does not say which types are enabled.
func (o *Org) PolicyTypeEnabled(t string) (enabled, known bool) {
	if o.root == nil || o.root.PolicyTypes == nil {
		return false, false
	}
	for _, pt := range o.root.PolicyTypes {
		if pt.Type == t && (pt.Status == "ENABLED" || pt.Status == "PENDING_ENABLE") {
			return true, true
		}
	}
	return false, true
}
