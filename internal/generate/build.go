package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// FormatVersion versions the manifest. Increment it for any change a
// consumer of the manifest would have to adapt to.
const FormatVersion = "1"

// SizeLimit is the Organizations quota for one backup policy document, in
// characters of the content as sent through the API (ORGQ: "If you save the
// policy using an SDK operation or the AWS CLI, then the policy is saved
// exactly as you provided"). orgbackup always sends the minified form.
const SizeLimit = 10000

// File is one generated file.
type File struct {
	Path string // slash-separated, relative to the output directory
	Data []byte
}

// Output is everything build writes.
type Output struct {
	Files    []File // in a fixed order; the manifest is last
	Manifest *Manifest
}

// Manifest describes a build: which document is which policy, where it is
// attached, and how the baselines deploy. The apply step reads it.
type Manifest struct {
	FormatVersion string             `json:"format_version"`
	Policies      []ManifestPolicy   `json:"policies"`
	Baselines     []ManifestBaseline `json:"baselines"`
}

// ManifestPolicy is one backup policy in the manifest.
type ManifestPolicy struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Document    string   `json:"document"`
	Pretty      string   `json:"pretty"`
	SHA256      string   `json:"sha256"`
	Characters  int      `json:"characters"`
	Limit       int      `json:"limit"`
	Targets     []string `json:"targets"`
	Source      string   `json:"source"`
}

// ManifestBaseline is one member baseline in the manifest.
type ManifestBaseline struct {
	Name      string             `json:"name"`
	RoleName  string             `json:"role_name,omitempty"`
	VaultName string             `json:"vault_name,omitempty"`
	Regions   []string           `json:"regions"`
	Targets   []string           `json:"targets"`
	StackSets []ManifestStackSet `json:"stack_sets"`
	Source    string             `json:"source"`
	// Existing baselines name resources that exist already; orgbackup
	// deploys nothing for them.
	Existing bool `json:"existing,omitempty"`
	// ManagedKMSKey: apply creates the vault's key in each Region and
	// puts its ARN into the vault template's mapping.
	ManagedKMSKey bool `json:"managed_kms_key,omitempty"`
}

// ManifestStackSet is one service-managed StackSet of a baseline.
type ManifestStackSet struct {
	Name         string   `json:"name"`
	Template     string   `json:"template"`
	SHA256       string   `json:"sha256"`
	Regions      []string `json:"regions"`
	Capabilities []string `json:"capabilities"`
	Parameters   []string `json:"parameters"`
}

// PolicyFile, PrettyFile, RoleTemplateFile and VaultTemplateFile name the
// generated files.
func PolicyFile(name string) string        { return "policies/" + fileName(name) + ".json" }
func PrettyFile(name string) string        { return "policies/" + fileName(name) + prettySuffix + ".json" }
func RoleTemplateFile(name string) string  { return "baselines/" + name + "/role.template.json" }
func VaultTemplateFile(name string) string { return "baselines/" + name + "/vault.template.json" }

// RoleStackSetName and VaultStackSetName name a baseline's StackSets, and
// the management account's stacks that deploy the same templates there.
func RoleStackSetName(baseline string) string  { return StackSetPrefix + baseline + "-role" }
func VaultStackSetName(baseline string) string { return StackSetPrefix + baseline + "-vault" }

// ManifestFile is the manifest's path in the output directory.
const ManifestFile = "manifest.json"

// fileName makes a policy name safe as a file name. Policy names may hold
// any character; names that need escaping get a short digest so two names
// can never map to one file. (Names that differ only in case map to names
// that differ only in case; validate rejects them, for file systems that
// ignore case.)
//
// An escaped name always contains '_' (for a replaced character, before a
// leading dot, or for the dot of ".pretty") and ends in "-" and 8 hex
// digits. A name that already has that shape is escaped too, or "a b"
// (→ "a_b-<digest>") could collide with a policy literally named
// "a_b-<digest>". A name ending in ".pretty" is escaped so that its
// document cannot be another policy's pretty form ("a.pretty.json").
func fileName(name string) string {
	var b strings.Builder
	safe := true
	for _, r := range name {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			safe = false
		}
	}
	s := b.String()
	if s == "" || s[0] == '.' {
		safe = false
		s = "_" + s
	}
	if len(s) >= len(prettySuffix) && strings.EqualFold(s[len(s)-len(prettySuffix):], prettySuffix) {
		safe = false
		s = s[:len(s)-len(prettySuffix)] + "_" + s[len(s)-len(prettySuffix)+1:]
	}
	if safe && strings.Contains(s, "_") && digestSuffix.MatchString(s) {
		safe = false
	}
	if !safe {
		sum := sha256.Sum256([]byte(name))
		s += "-" + hex.EncodeToString(sum[:4])
	}
	return s
}

// prettySuffix ends PrettyFile's names before ".json".
const prettySuffix = ".pretty"

// digestSuffix is how fileName ends the names it escapes, in any case.
var digestSuffix = regexp.MustCompile(`(?i)-[0-9a-f]{8}$`)

// Build generates every output file for repo. Paths in the manifest are
// relative to the output directory, sources relative to the policies
// directory, so the bytes do not depend on where build runs.
func Build(repo *policy.Repo, rel func(file string) string) *Output {
	out := &Output{Manifest: &Manifest{FormatVersion: FormatVersion, Policies: []ManifestPolicy{}, Baselines: []ManifestBaseline{}}}
	for _, p := range repo.Policies {
		d := Document(p)
		compact := d.Compact()
		pretty := d.Indent()
		out.Files = append(out.Files,
			File{Path: PolicyFile(p.Name), Data: compact},
			File{Path: PrettyFile(p.Name), Data: pretty},
		)
		mp := ManifestPolicy{
			Name:        p.Name,
			Type:        policy.Type,
			Description: p.Description,
			Document:    PolicyFile(p.Name),
			Pretty:      PrettyFile(p.Name),
			SHA256:      digest(compact),
			Characters:  utf8.RuneCount(compact),
			Limit:       SizeLimit,
			Targets:     targetStrings(p.Targets),
			Source:      rel(p.Pos.File),
		}
		out.Manifest.Policies = append(out.Manifest.Policies, mp)
	}
	for _, b := range repo.Baselines {
		// Lists are [] rather than null in the manifest, and the role's
		// single Region is the first one; the schema requires at least one,
		// and a Baseline built in code must not crash the build.
		regions := slices.Clone(b.Regions)
		if regions == nil {
			regions = []string{}
		}
		mb := ManifestBaseline{
			Name:      b.Name,
			RoleName:  b.RoleName,
			VaultName: b.VaultName,
			Regions:   regions,
			Targets:   targetStrings(b.Targets),
			StackSets: []ManifestStackSet{},
			Source:    rel(b.Pos.File),
			Existing:  b.Existing,
		}
		if b.Existing {
			out.Manifest.Baselines = append(out.Manifest.Baselines, mb)
			continue
		}
		mb.ManagedKMSKey = b.ManagedKMSKey
		if b.RoleName != "" {
			data := RoleTemplate(b).Indent()
			out.Files = append(out.Files, File{Path: RoleTemplateFile(b.Name), Data: data})
			// IAM is global: one stack instance per account is enough, and
			// more would collide on the role name.
			mb.StackSets = append(mb.StackSets, ManifestStackSet{
				Name:         RoleStackSetName(b.Name),
				Template:     RoleTemplateFile(b.Name),
				SHA256:       digest(data),
				Regions:      regions[:min(len(regions), 1)],
				Capabilities: []string{"CAPABILITY_NAMED_IAM"},
				Parameters:   []string{},
			})
		}
		if b.VaultName != "" {
			data := VaultTemplate(b).Indent()
			out.Files = append(out.Files, File{Path: VaultTemplateFile(b.Name), Data: data})
			params := []string{}
			if b.AllowCopyFromOrganization {
				params = append(params, "OrganizationId")
			}
			mb.StackSets = append(mb.StackSets, ManifestStackSet{
				Name:         VaultStackSetName(b.Name),
				Template:     VaultTemplateFile(b.Name),
				SHA256:       digest(data),
				Regions:      regions,
				Capabilities: []string{},
				Parameters:   params,
			})
		}
		out.Manifest.Baselines = append(out.Manifest.Baselines, mb)
	}
	out.Files = append(out.Files, File{Path: ManifestFile, Data: out.Manifest.Encode()})
	return out
}

// Encode renders the manifest canonically.
func (m *Manifest) Encode() []byte {
	// This is doc.MustFromStruct(m).Indent(), but parses indented JSON:
	// doc.Parse counts each node's column from the start of its line, which
	// on the single line of compact JSON is quadratic in the manifest's
	// size (most of generate's time for 500 policies).
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		panic("generate: encoding the manifest: " + err.Error())
	}
	n, err := doc.Parse("", b)
	if err != nil {
		panic("generate: encoding the manifest: " + err.Error())
	}
	return n.Indent()
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func targetStrings(ts []policy.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Raw
	}
	return out
}

// Owned reports whether p is a file build manages inside the output
// directory; --check and clean-up consider only these.
func Owned(p string) bool {
	p = path.Clean(p)
	return p == ManifestFile || strings.HasPrefix(p, "policies/") || strings.HasPrefix(p, "baselines/")
}
