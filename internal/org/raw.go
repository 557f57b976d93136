package org

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// FormatVersion is the snapshot format version this build writes, and the
// only one it reads. A change that old readers would misread (a key whose
// meaning changes, a new required key) needs a new version; adding an
// optional key that old readers may safely reject does not.
const FormatVersion = "1"

// Snapshot is an organization in the snapshot file's shape (FORMAT.md),
// before any check. It is the one way into this package: the file loader
// decodes a file into a Snapshot, the live reader fills one from the
// Organizations API, and both hand it to the same checks (New). The reverse
// is (*Org).Snapshot, which Encode writes.
//
// Field order is the order keys are written in. Times are RFC 3339 strings
// and policy content is raw JSON (an object, or a string holding one, as
// DescribePolicy returns it), exactly as in a file. The unexported fields
// hold positions, set only by the position-tracking decoder (see Parse), and
// content that is already parsed.
type Snapshot struct {
	FormatVersion string                `json:"format_version"`
	Source        string                `json:"source,omitempty"`
	CapturedAt    string                `json:"captured_at,omitempty"`
	Organization  *SnapshotOrganization `json:"organization,omitempty"`
	Settings      *SnapshotSettings     `json:"settings,omitempty"`
	Roots         []SnapshotRoot        `json:"roots"`
	OUs           []SnapshotOU          `json:"organizational_units,omitempty"`
	Accounts      []SnapshotAccount     `json:"accounts,omitempty"`
	Policies      []SnapshotPolicy      `json:"policies,omitempty"`

	loc *loc
}

// SnapshotOrganization is DescribeOrganization's Organization.
type SnapshotOrganization struct {
	ID                  string `json:"id,omitempty"`
	ARN                 string `json:"arn,omitempty"`
	ManagementAccountID string `json:"management_account_id,omitempty"`
	FeatureSet          string `json:"feature_set,omitempty"`

	loc *loc
}

// SnapshotSettings is the organization-wide state backup policies depend on
// (Settings). A nil field, or a service principal missing from
// DelegatedAdministrators, means "not read"; an empty one means "read, and
// there is none". Encoding keeps that difference (see MarshalJSON).
type SnapshotSettings struct {
	TrustedServices         []string            `json:"trusted_services,omitempty"`
	DelegatedAdministrators map[string][]string `json:"delegated_administrators,omitempty"`
	BackupGlobalSettings    map[string]string   `json:"backup_global_settings,omitempty"`

	loc *loc
	// Positions of the members of the two maps: service principal and
	// account list; setting key and value.
	adminLoc, globalLoc *loc
}

// MarshalJSON writes the fields that were read, empty ones included, and
// leaves out the ones that were not: "trusted_services": [] says no service
// has trusted access, which is not the same as not knowing.
func (s SnapshotSettings) MarshalJSON() ([]byte, error) {
	var w struct {
		TrustedServices         *[]string            `json:"trusted_services,omitempty"`
		DelegatedAdministrators *map[string][]string `json:"delegated_administrators,omitempty"`
		BackupGlobalSettings    *map[string]string   `json:"backup_global_settings,omitempty"`
	}
	if s.TrustedServices != nil {
		w.TrustedServices = &s.TrustedServices
	}
	if s.DelegatedAdministrators != nil {
		w.DelegatedAdministrators = &s.DelegatedAdministrators
	}
	if s.BackupGlobalSettings != nil {
		w.BackupGlobalSettings = &s.BackupGlobalSettings
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(&w)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// SnapshotRoot is ListRoots' Root, plus its attachments.
type SnapshotRoot struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn,omitempty"`
	// PolicyTypes are the types enabled in the organization. An empty
	// list says none is (BACKUP_POLICY attachments then fail); nil, that
	// the snapshot does not say. Encoding keeps the difference (see
	// MarshalJSON).
	PolicyTypes []SnapshotPolicyType `json:"policy_types,omitempty"`
	// Policies maps a policy type to the ids (or names) of the policies
	// attached directly, first-attached first.
	Policies map[string][]string `json:"policies,omitempty"`

	loc *loc
}

// MarshalJSON writes policy_types when it was read, empty included.
func (r SnapshotRoot) MarshalJSON() ([]byte, error) {
	w := struct {
		ID          string                `json:"id"`
		Name        string                `json:"name,omitempty"`
		ARN         string                `json:"arn,omitempty"`
		PolicyTypes *[]SnapshotPolicyType `json:"policy_types,omitempty"`
		Policies    map[string][]string   `json:"policies,omitempty"`
	}{ID: r.ID, Name: r.Name, ARN: r.ARN, Policies: r.Policies}
	if r.PolicyTypes != nil {
		w.PolicyTypes = &r.PolicyTypes
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(&w)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// SnapshotPolicyType is one of a root's PolicyTypes.
type SnapshotPolicyType struct {
	Type   string `json:"type"`
	Status string `json:"status"`

	loc *loc
}

// SnapshotOU is an organizational unit; ParentID empty means the root.
type SnapshotOU struct {
	ID       string              `json:"id"`
	Name     string              `json:"name"`
	ParentID string              `json:"parent_id,omitempty"`
	ARN      string              `json:"arn,omitempty"`
	Policies map[string][]string `json:"policies,omitempty"`

	loc *loc
}

// SnapshotAccount is ListAccounts' Account; ParentID empty means the root.
type SnapshotAccount struct {
	ID              string              `json:"id"`
	Name            string              `json:"name,omitempty"`
	ParentID        string              `json:"parent_id,omitempty"`
	Email           string              `json:"email,omitempty"`
	ARN             string              `json:"arn,omitempty"`
	Status          string              `json:"status,omitempty"`
	State           string              `json:"state,omitempty"`
	JoinedMethod    string              `json:"joined_method,omitempty"`
	JoinedTimestamp string              `json:"joined_timestamp,omitempty"`
	Policies        map[string][]string `json:"policies,omitempty"`

	loc *loc
}

// SnapshotPolicy is DescribePolicy's Policy plus ListTagsForResource's tags.
// Content is the document as raw JSON: an object, or a JSON string holding
// one (ContentString makes that from DescribePolicy's Content).
type SnapshotPolicy struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	ARN         string            `json:"arn,omitempty"`
	Description string            `json:"description,omitempty"`
	AWSManaged  bool              `json:"aws_managed,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Content     json.RawMessage   `json:"content"`

	loc *loc
	// content is the parsed document, or nil with contentProblem set.
	content        *doc.Node
	contentProblem *Problem
}

// ContentString returns a policy document as DescribePolicy returns it (a
// string) in the form SnapshotPolicy.Content takes.
func ContentString(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// The keys each object accepts, in the order they are listed in hints. A
// test checks them against the struct tags above.
var (
	fileKeys       = []string{"format_version", "source", "captured_at", "organization", "settings", "roots", "organizational_units", "accounts", "policies"}
	orgKeys        = []string{"id", "arn", "management_account_id", "feature_set"}
	settingsKeys   = []string{"trusted_services", "delegated_administrators", "backup_global_settings"}
	rootKeys       = []string{"id", "name", "arn", "policy_types", "policies"}
	policyTypeKeys = []string{"type", "status"}
	ouKeys         = []string{"id", "name", "parent_id", "arn", "policies"}
	accountKeys    = []string{"id", "name", "parent_id", "email", "arn", "status", "state", "joined_method", "joined_timestamp", "policies"}
	policyKeys     = []string{"id", "name", "type", "arn", "description", "aws_managed", "tags", "content"}
)

// loc records where an object and its members are: positions in a file, or,
// for a Snapshot built in memory (New), a description of the object such as
// `account 123456789012` from which each member's is derived.
type loc struct {
	obj  doc.Pos
	path string             // set instead of positions by New
	keys map[string]doc.Pos // value position by key
	// bad holds keys whose value had the wrong JSON type; it was already
	// reported, so checks treat the key as unusable rather than missing.
	bad map[string]bool
	// For "policies" maps and the like: the position of each policy type
	// key (or service principal, or setting name) and of each element of
	// its list.
	typeKeys map[string]doc.Pos
	lists    map[string]doc.Pos
	refs     map[string][]doc.Pos
}

// named returns the position-less location "what, member": Problem.String
// then reads "account 123456789012, email: bad email …".
func named(what, member string) doc.Pos {
	if member == "" {
		return doc.Pos{File: what}
	}
	return doc.Pos{File: what + ", " + member}
}

// at returns the position of key's value, or of the object when the key is
// absent or positions are not tracked.
func (l *loc) at(key string) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	return l.find(l.keys, key, key, l.obj)
}

// find returns m[k] if it was recorded; otherwise, for an object described
// rather than positioned, the description of member; otherwise fallback.
func (l *loc) find(m map[string]doc.Pos, k, member string, fallback doc.Pos) doc.Pos {
	if p, ok := m[k]; ok {
		return p
	}
	if l.path != "" {
		return named(l.path, member)
	}
	return fallback
}

// findItem is find for element i of a list.
func (l *loc) findItem(k string, i int, member string, fallback doc.Pos) doc.Pos {
	if rs := l.refs[k]; i < len(rs) {
		return rs[i]
	}
	if l.path != "" {
		return named(l.path, member+"["+strconv.Itoa(i)+"]")
	}
	return fallback
}

func (l *loc) pos() doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	return l.obj
}

func (l *loc) isBad(key string) bool { return l != nil && l.bad[key] }

func (l *loc) has(key string) bool {
	if l == nil {
		return false
	}
	_, ok := l.keys[key]
	return ok
}

func (l *loc) typeKey(t string) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	return l.find(l.typeKeys, t, "policies "+t, l.at("policies"))
}

func (l *loc) list(t string) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	if p, ok := l.lists[t]; ok {
		return p
	}
	return l.typeKey(t)
}

func (l *loc) ref(t string, i int) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	return l.findItem(t, i, "policies "+t, l.list(t))
}

// mapKey returns the position of the key k of a map member (other than
// attachments): setting names, service principals.
func (l *loc) mapKey(k string) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	return l.find(l.typeKeys, k, k, l.obj)
}

// item returns the position of element i of the list under key (or map
// member) k.
func (l *loc) item(k string, i int) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	fallback := l.at(k)
	if p, ok := l.lists[k]; ok {
		fallback = p
	}
	return l.findItem(k, i, k, fallback)
}
