package org

import (
	"encoding/json"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// FormatVersion is the snapshot format version this build writes, and the
// only one it reads. A change that old readers would misread (a key whose
// meaning changes, a new required key) needs a new version; adding an
// optional key that old readers may safely reject does not.
const FormatVersion = "1"

// The raw types are the snapshot file's JSON shape. Field order is the order
// Encode writes keys in. The unexported loc fields hold positions and are
// set only by the slow, position-tracking decoder (see Parse).

type rawFile struct {
	FormatVersion string       `json:"format_version"`
	Source        string       `json:"source,omitempty"`
	CapturedAt    string       `json:"captured_at,omitempty"`
	Organization  *rawOrg      `json:"organization,omitempty"`
	Roots         []rawRoot    `json:"roots"`
	OUs           []rawOU      `json:"organizational_units,omitempty"`
	Accounts      []rawAccount `json:"accounts,omitempty"`
	Policies      []rawPolicy  `json:"policies,omitempty"`

	loc *loc
}

type rawOrg struct {
	ID                  string `json:"id,omitempty"`
	ARN                 string `json:"arn,omitempty"`
	ManagementAccountID string `json:"management_account_id,omitempty"`
	FeatureSet          string `json:"feature_set,omitempty"`

	loc *loc
}

type rawRoot struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn,omitempty"`
	// PolicyTypes is a pointer so that an empty list (no policy type is
	// enabled) differs from no list (the snapshot does not say).
	PolicyTypes *[]rawPolicyType    `json:"policy_types,omitempty"`
	Policies    map[string][]string `json:"policies,omitempty"`

	loc *loc
}

type rawPolicyType struct {
	Type   string `json:"type"`
	Status string `json:"status"`

	loc *loc
}

type rawOU struct {
	ID       string              `json:"id"`
	Name     string              `json:"name"`
	ParentID string              `json:"parent_id,omitempty"`
	ARN      string              `json:"arn,omitempty"`
	Policies map[string][]string `json:"policies,omitempty"`

	loc *loc
}

type rawAccount struct {
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

type rawPolicy struct {
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

// The keys each object accepts, in the order they are listed in hints. A
// test checks them against the struct tags above.
var (
	fileKeys       = []string{"format_version", "source", "captured_at", "organization", "roots", "organizational_units", "accounts", "policies"}
	orgKeys        = []string{"id", "arn", "management_account_id", "feature_set"}
	rootKeys       = []string{"id", "name", "arn", "policy_types", "policies"}
	policyTypeKeys = []string{"type", "status"}
	ouKeys         = []string{"id", "name", "parent_id", "arn", "policies"}
	accountKeys    = []string{"id", "name", "parent_id", "email", "arn", "status", "state", "joined_method", "joined_timestamp", "policies"}
	policyKeys     = []string{"id", "name", "type", "arn", "description", "aws_managed", "tags", "content"}
)

// loc records where an object and its members are in the snapshot.
type loc struct {
	obj  doc.Pos
	keys map[string]doc.Pos // value position by key
	// bad holds keys whose value had the wrong JSON type; it was already
	// reported, so checks treat the key as unusable rather than missing.
	bad map[string]bool
	// For "policies" maps: the position of each policy type key and of each
	// reference in its list.
	typeKeys map[string]doc.Pos
	lists    map[string]doc.Pos
	refs     map[string][]doc.Pos
}

// at returns the position of key's value, or of the object when the key is
// absent or positions are not tracked.
func (l *loc) at(key string) doc.Pos {
	if l == nil {
		return doc.Pos{}
	}
	if p, ok := l.keys[key]; ok {
		return p
	}
	return l.obj
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
	if p, ok := l.typeKeys[t]; ok {
		return p
	}
	return l.at("policies")
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
	if rs := l.refs[t]; i < len(rs) {
		return rs[i]
	}
	return l.list(t)
}
