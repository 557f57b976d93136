package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// inputs is the canonical desired side of a plan, what InputsDigest
// covers: everything the repository asks for, with targets resolved to
// ids, and whether destruction was allowed. encoding/json writes struct
// fields in a fixed order and map keys sorted, so the bytes are canonical.
type inputs struct {
	FormatVersion string          `json:"format_version"`
	Policies      []inputPolicy   `json:"policies"`
	Organization  inputOrg        `json:"organization"`
	Baselines     []inputBaseline `json:"baselines"`
	AllowDestroy  bool            `json:"allow_destroy"`
}

type inputPolicy struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Content     string            `json:"content"`
	Targets     []string          `json:"targets"`
	Tags        map[string]string `json:"tags"`
	Adopt       bool              `json:"adopt"`
}

type inputOrg struct {
	BackupPolicies         string `json:"backup_policies"`
	TrustedAccess          *bool  `json:"trusted_access"`
	CrossAccountBackup     *bool  `json:"cross_account_backup"`
	DelegatedAdministrator string `json:"delegated_administrator"`
	Repository             string `json:"repository"`
}

type inputBaseline struct {
	Name      string            `json:"name"`
	Targets   []string          `json:"targets"`
	Regions   []string          `json:"regions"`
	Templates map[string]string `json:"templates"` // template file → SHA-256
	// How it is deployed; omitted when default, so digests of
	// repositories that do not use them stay as they were.
	Existing      bool                         `json:"existing,omitempty"`
	ManagedKMSKey bool                         `json:"managed_kms_key,omitempty"`
	Operation     *policy.OperationPreferences `json:"operation,omitempty"`
}

func (m *maker) inputsDigest() string {
	in := inputs{FormatVersion: FormatVersion, AllowDestroy: m.in.AllowDestroy}
	for _, d := range m.defs {
		ip := inputPolicy{Name: d.p.Name, Description: d.p.Description, Content: d.content, Tags: d.tags, Adopt: d.p.Adopt}
		for _, t := range d.p.Targets {
			ip.Targets = append(ip.Targets, m.resolvedID(t))
		}
		in.Policies = append(in.Policies, ip)
	}
	if ob := m.in.Repo.Organization; ob != nil {
		in.Organization = inputOrg{BackupPolicies: ob.BackupPolicies, TrustedAccess: ob.TrustedAccess,
			CrossAccountBackup: ob.CrossAccountBackup, DelegatedAdministrator: ob.DelegatedAdministrator, Repository: ob.Repository}
	}
	for _, b := range m.in.Repo.Baselines {
		ib := inputBaseline{Name: b.Name, Regions: b.Regions, Templates: map[string]string{}, Existing: b.Existing, ManagedKMSKey: b.ManagedKMSKey}
		if b.Operation != (policy.OperationPreferences{}) && b.Operation != policy.DefaultOperationPreferences {
			op := b.Operation
			ib.Operation = &op
		}
		for _, t := range b.Targets {
			ib.Targets = append(ib.Targets, m.resolvedID(t))
		}
		if b.RoleName != "" {
			ib.Templates[generate.RoleTemplateFile(b.Name)] = digest(generate.RoleTemplate(b).Indent())
		}
		if b.VaultName != "" {
			ib.Templates[generate.VaultTemplateFile(b.Name)] = digest(generate.VaultTemplate(b).Indent())
		}
		in.Baselines = append(in.Baselines, ib)
	}
	b, err := json.Marshal(in)
	if err != nil {
		panic("internal error: encode plan inputs: " + err.Error())
	}
	return digest(b)
}

// resolvedID is a target as an id, or as written when it names nothing
// (the plan has an error then).
func (m *maker) resolvedID(t policy.Target) string {
	if e, err := m.in.Actual.Resolve(t.Raw); err == nil {
		return e.ID
	}
	return t.Raw
}

// LiveDigest returns the SHA-256 of o's canonical snapshot, without the
// time it was captured and where it came from: two reads of an unchanged
// organization, or a snapshot file and a live read of it, digest alike.
func LiveDigest(o *org.Org) string {
	c := *o
	c.CapturedAt = time.Time{}
	c.Source = ""
	h := sha256.New()
	c.EncodeTo(h) // a hash never fails
	return hex.EncodeToString(h.Sum(nil))
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Encode returns the plan's JSON form: canonical (object keys sorted, two-
// space indentation), so the same plan always encodes to the same bytes.
func (p *Plan) Encode() []byte {
	withDiffs := *p
	withDiffs.Effective = slices.Clone(p.Effective)
	for i := range withDiffs.Effective {
		g := &withDiffs.Effective[i]
		g.Diff = g.DiffText()
		g.RawBefore, g.RawAfter = g.Before(), g.After()
	}
	b, err := json.MarshalIndent(&withDiffs, "", " ")
	if err != nil {
		panic("internal error: encode plan: " + err.Error())
	}
	// Parsing indented JSON keeps positions cheap to compute; the plan can
	// hold large effective policies.
	n, err := doc.Parse("", b)
	if err != nil {
		panic("internal error: encode plan: " + err.Error())
	}
	return n.Indent()
}

// Decode reads a plan written by Encode. It refuses a plan of another
// format version rather than read it half right.
func Decode(data []byte) (*Plan, error) {
	var v struct {
		FormatVersion string `json:"format_version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if v.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("read plan: format_version %q, this orgbackup reads %q; make the plan again with this version", v.FormatVersion, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	p := &Plan{}
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return p, nil
}
