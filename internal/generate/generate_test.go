package generate

import (
	"github.com/orgbackup/orgbackup/internal/golden"

	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// richPlans uses every key of the schema: plain strings, whole numbers,
// booleans and lists as authors write them, settings in AWS's operator
// form, which must come out exactly as written, and child control
// operators on maps, objects and settings.
const richPlans = `{
  "@@operators_allowed_for_child_policies": ["@@append"],
  "daily": {
    "@@operators_allowed_for_child_policies": ["@@none"],
    "regions": ["us-east-1", "eu-west-1"],
    "rules": {
      "hourly": {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "main-vault",
        "target_logically_air_gapped_backup_vault_arn": "arn:aws:backup:$region:$account:backup-vault:air-gapped",
        "start_backup_window_minutes": 60,
        "complete_backup_window_minutes": {"@@assign": "10080"},
        "enable_continuous_backup": false,
        "lifecycle": {
          "move_to_cold_storage_after_days": 30,
          "delete_after_days": 365,
          "opt_in_to_archive_for_supported_resources": true
        },
        "copy_actions": {
          "arn:aws:backup:us-west-2:$account:backup-vault:dr": {
            "target_backup_vault_arn": "arn:aws:backup:us-west-2:$account:backup-vault:dr",
            "lifecycle": {
              "move_to_cold_storage_after_days": {"@@assign": "90", "@@operators_allowed_for_child_policies": ["@@none"]},
              "delete_after_days": 730,
              "opt_in_to_archive_for_supported_resources": {"@@assign": "false"}
            }
          }
        },
        "recovery_point_tags": {
          "owner": {"tag_key": "Owner", "tag_value": "platform <ops> & \"backup\""}
        },
        "index_actions": {"resource_types": ["EBS"]},
        "scan_actions": {"GUARDDUTY": {"scan_mode": "INCREMENTAL_SCAN"}}
      }
    },
    "selections": {
      "tags": {
        "tagged": {
          "iam_role_arn": "arn:aws:iam::$account:role/service-role/backup",
          "tag_key": "Backup",
          "tag_value": {"@@append": ["On", "Yes"]},
          "conditions": {
            "string_equals": {"env": {"condition_key": "aws:ResourceTag/Env", "condition_value": "prod"}},
            "string_not_equals": {"tier": {"condition_key": "aws:ResourceTag/Tier", "condition_value": "scratch"}},
            "string_like": {"team": {"condition_key": "aws:ResourceTag/Team", "condition_value": "data-*"}},
            "string_not_like": {"temp": {"condition_key": "aws:ResourceTag/Name", "condition_value": "tmp-*"}}
          }
        }
      },
      "resources": {
        "everything": {
          "iam_role_arn": "arn:aws:iam::$account:role/service-role/backup",
          "resource_types": ["*"],
          "not_resource_types": ["arn:aws:ec2:*:*:volume/*", "arn:aws:s3:::scratch-*"],
          "conditions": {
            "@@operators_allowed_for_child_policies": ["@@assign"],
            "string_equals": {"backup": {"condition_key": "aws:ResourceTag/Backup", "condition_value": "true"}},
            "string_not_equals": {"backup": {"condition_key": "aws:ResourceTag/Backup", "condition_value": {"@@assign": "false"}}},
            "string_like": {"app": {"condition_key": "aws:ResourceTag/App", "condition_value": "web-*"}},
            "string_not_like": {"app": {"condition_key": "aws:ResourceTag/App", "condition_value": "test-*"}}
          }
        }
      }
    },
    "advanced_backup_settings": {
      "ec2": {"windows_vss": "enabled"},
      "s3": {"backup_acls": "enabled", "backup_object_tags": "disabled"}
    },
    "backup_plan_tags": {
      "team": {"tag_key": "Team", "tag_value": "platform"}
    },
    "scan_settings": {
      "GUARDDUTY": {
        "resource_types": ["EBS", "S3"],
        "scanner_role_arn": "arn:aws:iam::$account:role/scanner"
      }
    }
  },
  "weekly": {
    "regions": {"@@append": ["ap-northeast-1"], "@@remove": ["eu-west-1"]},
    "rules": {
      "weekly": {
        "schedule_expression": {"@@assign": "cron(0 5 ? * 1 *)"},
        "target_backup_vault_name": "main-vault",
        "enable_continuous_backup": true,
        "lifecycle": {"delete_after_days": "35"}
      }
    },
    "selections": {
      "resources": {
        "databases": {
          "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/service-role/backup"},
          "resource_types": {"@@assign": ["arn:aws:rds:*:*:db:*"]}
        }
      }
    }
  }
}`

func parsePlans(t testing.TB, file, text string) *doc.Node {
	t.Helper()
	n, err := doc.Parse(file, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func richPolicy(t testing.TB) *policy.Policy {
	t.Helper()
	return &policy.Policy{
		Name:        "rich",
		Pos:         doc.Pos{File: "policies/rich.cue", Line: 3, Col: 1},
		Description: "Every key of the schema",
		Targets:     []policy.Target{{Raw: "Root"}, {Raw: "Root/Workloads/Prod"}, {Raw: "111122223333"}},
		Plans:       parsePlans(t, "policies/rich.cue", richPlans),
	}
}

// richBaselines cover every option of the templates.
func richBaselines(t testing.TB) []*policy.Baseline {
	return []*policy.Baseline{
		{
			Name: "central", Pos: doc.Pos{File: "policies/baselines.cue", Line: 30, Col: 1},
			Targets: []policy.Target{{Raw: "Root/Security"}}, Regions: []string{"us-west-2"},
			VaultName: "dr", AllowCopyFromOrganization: true,
		},
		{
			Name: "main", Pos: doc.Pos{File: "policies/baselines.cue", Line: 3, Col: 1},
			Targets: []policy.Target{{Raw: "Root"}}, Regions: []string{"us-east-1", "eu-west-1"},
			RoleName: "backup", RolePath: "/service-role/",
			RoleManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup", "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"},
			VaultName:             "main-vault", VaultKMSKeyARN: "arn:aws:kms:$region:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			VaultAccessPolicy:         parsePlans(t, "policies/baselines.cue", `{"Statement": [{"Sid": "DenyDelete", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}`),
			AllowCopyFromOrganization: true,
		},
		{
			Name: "role-only", Pos: doc.Pos{File: "policies/baselines.cue", Line: 20, Col: 1},
			Targets: []policy.Target{{Raw: "ou-ab12-abcdefgh"}}, Regions: []string{"ap-northeast-1", "us-east-1"},
			RoleName: "backup", RolePath: "/",
		},
		{
			Name: "legacy", Pos: doc.Pos{File: "policies/baselines.cue", Line: 40, Col: 1},
			Targets: []policy.Target{{Raw: "Root/Legacy"}}, Regions: []string{"us-east-1"},
			RoleName: "legacy-role", RolePath: "/", VaultName: "legacy-vault", Existing: true,
		},
		{
			Name: "sealed", Pos: doc.Pos{File: "policies/baselines.cue", Line: 50, Col: 1},
			Targets: []policy.Target{{Raw: "Root/Sealed"}}, Regions: []string{"us-east-1", "eu-west-1"},
			VaultName: "sealed-vault", ManagedKMSKey: true,
		},
	}
}

func rel(file string) string { return strings.TrimPrefix(file, "policies/") }

func TestDocumentGolden(t *testing.T) {
	d := Document(richPolicy(t))
	golden.Check(t, "document.min.json.golden", d.Compact())
	golden.Check(t, "document.pretty.json.golden", d.Indent())
}

// The rich policy is a valid policy, so the golden files show what a real
// one becomes.
func TestRichPolicyIsValid(t *testing.T) {
	eff := backup.Unwrap(Document(richPolicy(t)))
	for _, v := range backup.Check(eff, backup.Complete) {
		t.Errorf("%s %s: %s", v.Code, v.PathString(), v.Message)
	}
}

// specPaths lists every key path the spec allows, map entries as "*".
func specPaths(prefix string, s *backup.Spec, out map[string]bool) {
	switch s.Kind {
	case backup.Object:
		for _, k := range s.Keys() {
			out[prefix+"/"+k] = true
			specPaths(prefix+"/"+k, s.Fields[k], out)
		}
	case backup.Map:
		specPaths(prefix+"/*", s.Elem, out)
	}
}

// docPaths lists the key paths of a document, map entries as "*".
func docPaths(prefix string, n *doc.Node, s *backup.Spec, out map[string]bool) {
	if s == nil || n.Kind != doc.Object {
		return
	}
	for _, f := range n.Fields {
		if strings.HasPrefix(f.Key, "@@") {
			continue
		}
		switch s.Kind {
		case backup.Object:
			out[prefix+"/"+f.Key] = true
			docPaths(prefix+"/"+f.Key, f.Value, s.Field(f.Key), out)
		case backup.Map:
			docPaths(prefix+"/*", f.Value, s.Elem, out)
		}
	}
}

func TestRichPolicyUsesEveryKey(t *testing.T) {
	want, got := map[string]bool{}, map[string]bool{}
	specPaths("plans", backup.Plans, want)
	docPaths("plans", parsePlans(t, "", richPlans), backup.Plans, got)
	for p := range want {
		if !got[p] {
			t.Errorf("richPlans does not use %s", p)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("richPlans uses %s, which the spec does not know", p)
		}
	}
}

func TestDocumentConversion(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"a string", `{"p": {"rules": {"r": {"schedule_expression": "cron(0 5 ? * * *)"}}}}`,
			`{"plans":{"p":{"rules":{"r":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"}}}}}}`},
		{"a whole number keeps its digits", `{"p": {"rules": {"r": {"start_backup_window_minutes": 480}}}}`,
			`{"plans":{"p":{"rules":{"r":{"start_backup_window_minutes":{"@@assign":"480"}}}}}}`},
		{"booleans become strings", `{"p": {"rules": {"r": {"enable_continuous_backup": true, "lifecycle": {"opt_in_to_archive_for_supported_resources": false}}}}}`,
			`{"plans":{"p":{"rules":{"r":{"enable_continuous_backup":{"@@assign":"true"},"lifecycle":{"opt_in_to_archive_for_supported_resources":{"@@assign":"false"}}}}}}}`},
		{"a list", `{"p": {"regions": ["us-east-1"]}}`, `{"plans":{"p":{"regions":{"@@assign":["us-east-1"]}}}}`},
		{"an empty list", `{"p": {"regions": []}}`, `{"plans":{"p":{"regions":{"@@assign":[]}}}}`},
		{"numbers in a list become strings", `{"p": {"regions": [1, true]}}`, `{"plans":{"p":{"regions":{"@@assign":["1","true"]}}}}`},
		{"operator form is kept verbatim", `{"p": {"regions": {"@@append": ["us-east-1"]}, "rules": {"r": {"start_backup_window_minutes": {"@@assign": 60}}}}}`,
			`{"plans":{"p":{"regions":{"@@append":["us-east-1"]},"rules":{"r":{"start_backup_window_minutes":{"@@assign":60}}}}}}`},
		{"keys match without case", `{"p": {"Regions": ["us-east-1"]}}`, `{"plans":{"p":{"Regions":{"@@assign":["us-east-1"]}}}}`},
		{"unknown keys are copied", `{"p": {"rules": {"r": {"to_delete_after_days": 5}}}}`, `{"plans":{"p":{"rules":{"r":{"to_delete_after_days":5}}}}}`},
		{"a scalar where a list belongs is wrapped as it is", `{"p": {"regions": "us-east-1"}}`, `{"plans":{"p":{"regions":"us-east-1"}}}`},
		{"a list where a value belongs", `{"p": {"rules": {"r": {"schedule_expression": ["x"]}}}}`, `{"plans":{"p":{"rules":{"r":{"schedule_expression":{"@@assign":["x"]}}}}}}`},
		{"null", `{"p": {"rules": {"r": {"schedule_expression": null}}}}`, `{"plans":{"p":{"rules":{"r":{"schedule_expression":{"@@assign":null}}}}}}`},
		{"no plans", `{}`, `{"plans":{}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := parsePlans(t, "p.cue", tc.in)
			before := string(in.Compact())
			got := Document(&policy.Policy{Name: "p", Plans: in})
			if string(got.Compact()) != tc.want {
				t.Errorf("Document:\n got %s\nwant %s", got.Compact(), tc.want)
			}
			if string(in.Compact()) != before {
				t.Errorf("Document changed the policy's plans: %s", in.Compact())
			}
		})
	}
}

func TestDocumentWithoutPlans(t *testing.T) {
	p := &policy.Policy{Name: "p", Pos: doc.Pos{File: "p.cue", Line: 1, Col: 1}}
	if got := string(Document(p).Compact()); got != `{"plans":{}}` {
		t.Errorf("Document = %s", got)
	}
}

// Generated nodes point at the author's text, so checks of the document
// report lines the author wrote.
func TestDocumentKeepsPositions(t *testing.T) {
	p := richPolicy(t)
	d := Document(p)
	if d.Pos != p.Pos {
		t.Errorf("document at %s, want the policy at %s", d.Pos, p.Pos)
	}
	src := p.Plans.Get("daily").Get("rules").Get("hourly")
	out := d.Get("plans").Get("daily").Get("rules").Get("hourly")
	for _, k := range []string{"start_backup_window_minutes", "schedule_expression", "enable_continuous_backup"} {
		want := src.Get(k).Pos
		got := out.Get(k)
		if got.Pos != want || got.Get("@@assign").Pos != want {
			t.Errorf("%s at %s (value at %s), want %s", k, got.Pos, got.Get("@@assign").Pos, want)
		}
	}
	if f := out.Field("lifecycle"); f.KeyPos != src.Field("lifecycle").KeyPos {
		t.Errorf("key lifecycle at %s", f.KeyPos)
	}
}

func TestRoleTemplateGolden(t *testing.T) {
	bs := richBaselines(t)
	golden.Check(t, "role.full.template.json.golden", RoleTemplate(bs[1]).Indent())
	golden.Check(t, "role.minimal.template.json.golden", RoleTemplate(bs[2]).Indent())
}

func TestRoleTemplateDefaultsThePath(t *testing.T) {
	b := &policy.Baseline{Name: "b", RoleName: "backup"}
	path := RoleTemplate(b).Get("Resources").Get("BackupRole").Get("Properties").Get("Path")
	if path.Text != "/" {
		t.Errorf("Path = %q, want IAM's default /", path.Text)
	}
}

func TestVaultTemplateGolden(t *testing.T) {
	access := func() *doc.Node {
		return parsePlans(t, "b.cue", `{"Version": "2008-10-17", "Statement": [{"Sid": "AllowCopy", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]}`)
	}
	for _, tc := range []struct {
		name string
		b    *policy.Baseline
	}{
		{"minimal", &policy.Baseline{Name: "plain", VaultName: "main-vault"}},
		{"kms-region", &policy.Baseline{Name: "kms", VaultName: "main-vault", VaultKMSKeyARN: "arn:aws:kms:$region:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"kms-fixed", &policy.Baseline{Name: "kms", VaultName: "main-vault", VaultKMSKeyARN: "arn:aws:kms:us-east-1:111122223333:alias/backup"}},
		{"kms-managed", &policy.Baseline{Name: "kms", VaultName: "main-vault", Regions: []string{"us-east-1", "eu-west-1"}, ManagedKMSKey: true}},
		{"access-policy", &policy.Baseline{Name: "access", VaultName: "main-vault", VaultAccessPolicy: access()}},
		{"copy-from-organization", &policy.Baseline{Name: "org", VaultName: "dr", AllowCopyFromOrganization: true}},
		{"access-policy-and-copy", &policy.Baseline{Name: "both", VaultName: "dr", VaultAccessPolicy: access(), AllowCopyFromOrganization: true,
			VaultKMSKeyARN: "arn:aws:kms:$region:111122223333:key/k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before string
			if tc.b.VaultAccessPolicy != nil {
				before = string(tc.b.VaultAccessPolicy.Compact())
			}
			golden.Check(t, "vault."+tc.name+".template.json.golden", VaultTemplate(tc.b).Indent())
			if tc.b.VaultAccessPolicy != nil && string(tc.b.VaultAccessPolicy.Compact()) != before {
				t.Errorf("VaultTemplate changed the baseline's access policy: %s", tc.b.VaultAccessPolicy.Compact())
			}
		})
	}
}

func TestAccessPolicy(t *testing.T) {
	orgStatement := `{"Action":"backup:CopyIntoBackupVault","Condition":{"StringEquals":{"aws:PrincipalOrgID":{"Ref":"OrganizationId"}}},"Effect":"Allow","Principal":{"AWS":"*"},"Resource":"*","Sid":"OrgbackupAllowCopyFromOrganization"}`
	for _, tc := range []struct {
		name   string
		policy string
		copy   bool
		want   string
	}{
		{name: "none", want: "null"},
		{name: "the author's, with a Version added", policy: `{"Statement": []}`, want: `{"Statement":[],"Version":"2012-10-17"}`},
		{name: "the author's Version kept", policy: `{"Version": "2008-10-17", "Statement": []}`, want: `{"Statement":[],"Version":"2008-10-17"}`},
		{name: "copy alone", copy: true, want: `{"Statement":[` + orgStatement + `],"Version":"2012-10-17"}`},
		{name: "copy after the author's statements", policy: `{"Statement": [{"Sid": "A"}]}`, copy: true,
			want: `{"Statement":[{"Sid":"A"},` + orgStatement + `],"Version":"2012-10-17"}`},
		{name: "copy next to a single statement object", policy: `{"Statement": {"Sid": "A"}}`, copy: true,
			want: `{"Statement":[{"Sid":"A"},` + orgStatement + `],"Version":"2012-10-17"}`},
		{name: "copy into a policy without statements", policy: `{"Id": "x"}`, copy: true,
			want: `{"Id":"x","Statement":[` + orgStatement + `],"Version":"2012-10-17"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &policy.Baseline{Name: "b", VaultName: "v", AllowCopyFromOrganization: tc.copy}
			if tc.policy != "" {
				b.VaultAccessPolicy = parsePlans(t, "b.cue", tc.policy)
			}
			if got := string(accessPolicy(b).Compact()); got != tc.want {
				t.Errorf("accessPolicy:\n got %s\nwant %s", got, tc.want)
			}
			params := VaultTemplate(b).Get("Parameters")
			if (params != nil) != tc.copy {
				t.Errorf("Parameters %s, want them exactly when copying from the organization", params.Compact())
			}
		})
	}
}

func TestSubstitute(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:kms:us-east-1:111122223333:key/k":  `"arn:aws:kms:us-east-1:111122223333:key/k"`,
		"arn:aws:kms:$region:111122223333:key/k":    `{"Fn::Sub":"arn:aws:kms:${AWS::Region}:111122223333:key/k"}`,
		"arn:aws:kms:$region:$account:alias/backup": `{"Fn::Sub":"arn:aws:kms:${AWS::Region}:${AWS::AccountId}:alias/backup"}`,
	} {
		if got := string(substitute(in).Compact()); got != want {
			t.Errorf("substitute(%q) = %s, want %s", in, got, want)
		}
	}
}

func richRepo(t testing.TB) *policy.Repo {
	second := &policy.Policy{
		Name: "legacy daily/ü", Pos: doc.Pos{File: "policies/legacy.json", Line: 1, Col: 1},
		Plans: parsePlans(t, "policies/legacy.json", `{"legacy": {"regions": {"@@assign": ["us-east-1"]}}}`),
	}
	return &policy.Repo{Dir: "policies", Policies: []*policy.Policy{second, richPolicy(t)}, Baselines: richBaselines(t)}
}

func TestBuildGolden(t *testing.T) {
	out := Build(richRepo(t), rel)
	var names []string
	for _, f := range out.Files {
		names = append(names, f.Path)
		golden.Check(t, "build/"+strings.ReplaceAll(f.Path, "/", "__")+".golden", f.Data)
	}
	golden.Check(t, "build/files.golden", []byte(strings.Join(names, "\n")+"\n"))
}

func TestBuildFilesAndManifestAgree(t *testing.T) {
	repo := richRepo(t)
	out := Build(repo, rel)
	files := map[string][]byte{}
	for i, f := range out.Files {
		if _, dup := files[f.Path]; dup {
			t.Errorf("%s written twice", f.Path)
		}
		files[f.Path] = f.Data
		if !Owned(f.Path) {
			t.Errorf("%s is not Owned, so --check would ignore it", f.Path)
		}
		if (f.Path == ManifestFile) != (i == len(out.Files)-1) {
			t.Errorf("%s at %d: the manifest comes last", f.Path, i)
		}
	}
	m := out.Manifest
	if !bytes.Equal(files[ManifestFile], m.Encode()) {
		t.Error("manifest.json is not the encoded manifest")
	}
	var decoded Manifest
	if err := json.Unmarshal(files[ManifestFile], &decoded); err != nil || decoded.FormatVersion != FormatVersion {
		t.Errorf("manifest does not decode: %v %+v", err, decoded)
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	if len(m.Policies) != len(repo.Policies) {
		t.Fatalf("%d manifest policies", len(m.Policies))
	}
	for i, mp := range m.Policies {
		p := repo.Policies[i]
		doc := files[mp.Document]
		if doc == nil || files[mp.Pretty] == nil {
			t.Errorf("%s: files %s, %s missing", mp.Name, mp.Document, mp.Pretty)
			continue
		}
		if mp.Name != p.Name || mp.SHA256 != sum(doc) || mp.Characters != utf8.RuneCount(doc) || mp.Limit != SizeLimit || mp.Type != policy.Type {
			t.Errorf("%s: manifest entry %+v does not describe its document", mp.Name, mp)
		}
		if !bytes.Equal(doc, Document(p).Compact()) || !bytes.Equal(files[mp.Pretty], Document(p).Indent()) {
			t.Errorf("%s: files are not the document", mp.Name)
		}
		if mp.Source != rel(p.Pos.File) || len(mp.Targets) != len(p.Targets) {
			t.Errorf("%s: source %s targets %q", mp.Name, mp.Source, mp.Targets)
		}
	}
	for i, mb := range m.Baselines {
		b := repo.Baselines[i]
		for _, ss := range mb.StackSets {
			if files[ss.Template] == nil || ss.SHA256 != sum(files[ss.Template]) {
				t.Errorf("%s: stack set %s template %s missing or digest wrong", mb.Name, ss.Name, ss.Template)
			}
			if !strings.HasPrefix(ss.Name, StackSetPrefix+b.Name+"-") {
				t.Errorf("%s: stack set name %s", mb.Name, ss.Name)
			}
			switch {
			case strings.HasSuffix(ss.Name, "-role"):
				// IAM is global: one Region per account.
				if !slices.Equal(ss.Regions, b.Regions[:1]) || !slices.Equal(ss.Capabilities, []string{"CAPABILITY_NAMED_IAM"}) {
					t.Errorf("%s: role stack set %+v", mb.Name, ss)
				}
			case strings.HasSuffix(ss.Name, "-vault"):
				wantParams := []string{}
				if b.AllowCopyFromOrganization {
					wantParams = []string{"OrganizationId"}
				}
				if !slices.Equal(ss.Regions, b.Regions) || !slices.Equal(ss.Parameters, wantParams) {
					t.Errorf("%s: vault stack set %+v", mb.Name, ss)
				}
			}
		}
		want := btoi(b.RoleName != "") + btoi(b.VaultName != "")
		if b.Existing {
			// Existing resources are not orgbackup's to deploy.
			want = 0
		}
		if mb.Existing != b.Existing || mb.ManagedKMSKey != b.ManagedKMSKey {
			t.Errorf("%s: manifest existing=%v managed_kms_key=%v", mb.Name, mb.Existing, mb.ManagedKMSKey)
		}
		if n := len(mb.StackSets); n != want {
			t.Errorf("%s: %d stack sets", mb.Name, n)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A baseline built in code without Regions must not crash the build, and
// lists are never null in the manifest.
func TestBuildBaselineWithoutRegions(t *testing.T) {
	repo := &policy.Repo{Baselines: []*policy.Baseline{{Name: "b", RoleName: "r", VaultName: "v"}}}
	out := Build(repo, rel)
	if bytes.Contains(out.Manifest.Encode(), []byte("null")) {
		t.Errorf("manifest has null:\n%s", out.Manifest.Encode())
	}
}

func TestBuildEmptyRepo(t *testing.T) {
	out := Build(&policy.Repo{}, rel)
	if len(out.Files) != 1 || out.Files[0].Path != ManifestFile {
		t.Fatalf("files %v", out.Files)
	}
	want := "{\n  \"baselines\": [],\n  \"format_version\": \"1\",\n  \"policies\": []\n}\n"
	if string(out.Files[0].Data) != want {
		t.Errorf("manifest:\n%s", out.Files[0].Data)
	}
}

// shuffle reorders the fields of every object below n in place.
func shuffle(r *rand.Rand, n *doc.Node) {
	doc.Walk(n, func(_ []string, x *doc.Node) bool {
		r.Shuffle(len(x.Fields), func(i, j int) { x.Fields[i], x.Fields[j] = x.Fields[j], x.Fields[i] })
		return true
	})
}

func TestBuildIsDeterministic(t *testing.T) {
	want := Build(richRepo(t), rel)
	for seed := range uint64(20) {
		repo := richRepo(t)
		r := rand.New(rand.NewPCG(seed, seed))
		for _, p := range repo.Policies {
			shuffle(r, p.Plans)
		}
		for _, b := range repo.Baselines {
			shuffle(r, b.VaultAccessPolicy)
		}
		got := Build(repo, rel)
		if len(got.Files) != len(want.Files) {
			t.Fatalf("seed %d: %d files, want %d", seed, len(got.Files), len(want.Files))
		}
		for i := range got.Files {
			if got.Files[i].Path != want.Files[i].Path || !bytes.Equal(got.Files[i].Data, want.Files[i].Data) {
				t.Errorf("seed %d: %s differs after shuffling fields", seed, got.Files[i].Path)
			}
		}
	}
}

func TestFileName(t *testing.T) {
	for name, want := range map[string]string{
		"test-bk-policy":  "test-bk-policy",
		"Daily_Backups.2": "Daily_Backups.2",
		"a-20240101":      "a-20240101",
		"a-deadbeef":      "a-deadbeef",
	} {
		if got := fileName(name); got != want {
			t.Errorf("fileName(%q) = %q, want it unchanged", name, got)
		}
	}
	for name, prefix := range map[string]string{
		"daily backups": "daily_backups-",
		"a/b":           "a_b-",
		"../x":          "_.._x-",
		".hidden":       "_.hidden-",
		"":              "_-",
		"ü":             "_-",
		"日本":            "__-",
		"a.pretty":      "a_pretty-",
		"a.PRETTY":      "a_PRETTY-",
	} {
		if got := fileName(name); !strings.HasPrefix(got, prefix) || len(got) != len(prefix)+8 {
			t.Errorf("fileName(%q) = %q, want %q and 8 hex digits", name, got, prefix)
		}
	}
}

// Whatever the names, no two policies share a file, no file name is
// hidden or leaves policies/, and no policy's document is another's pretty
// form, even on a file system that ignores case.
func TestFileNamesNeverCollide(t *testing.T) {
	names := []string{
		"daily", "Daily backups", "daily backups", "daily_backups", "daily/backups", "daily\\backups",
		"a b", "a_b", "a/b", "a.b", "a:b", "a\x00b", "a\nb", "a\tb",
		".", "..", "...", ".hidden", "_.hidden", "", " ", "_", "-",
		"ü", "u", "é", "e", "日本", "__", "😀", "😁",
		"a", "a.pretty", "a.PRETTY", "a.Pretty", "a_pretty",
		"x.json", "x", "manifest", "CON", "policies", "../../etc/passwd",
	}
	// Names that mimic escaped names.
	for _, n := range []string{"a b", "ü", "", ".hidden", "a.pretty"} {
		names = append(names, fileName(n), strings.ToUpper(fileName(n)))
	}
	safe := func(s string) bool {
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
		return s != "" && s[0] != '.'
	}
	paths := map[string]string{}
	for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
		f := fileName(n)
		if !safe(f) {
			t.Errorf("fileName(%q) = %q is not a plain file name", n, f)
		}
		for _, p := range []string{PolicyFile(n), PrettyFile(n)} {
			if filepath.Dir(p) != "policies" {
				t.Errorf("%q: %s is not directly in policies/", n, p)
			}
			k := strings.ToLower(p)
			if other, dup := paths[k]; dup && other != n {
				t.Errorf("%q and %q both write %s", n, other, p)
			}
			paths[k] = n
		}
	}
}

func TestFileNamesOfPoliciesDifferingInCase(t *testing.T) {
	// These collide on a case-insensitive file system; validate reports
	// such names (duplicate-policy-name) before build runs.
	if a, b := fileName("Daily"), fileName("daily"); !strings.EqualFold(a, b) || a == b {
		t.Errorf("%q and %q", a, b)
	}
}

func TestTemplateFiles(t *testing.T) {
	if got := RoleTemplateFile("main"); got != "baselines/main/role.template.json" {
		t.Errorf("RoleTemplateFile = %s", got)
	}
	if got := VaultTemplateFile("main"); got != "baselines/main/vault.template.json" {
		t.Errorf("VaultTemplateFile = %s", got)
	}
	if PolicyFile("a") != "policies/a.json" || PrettyFile("a") != "policies/a.pretty.json" {
		t.Errorf("PolicyFile %s PrettyFile %s", PolicyFile("a"), PrettyFile("a"))
	}
}

func TestOwned(t *testing.T) {
	for p, want := range map[string]bool{
		"manifest.json":                      true,
		"./manifest.json":                    true,
		"policies/a.json":                    true,
		"policies/sub/x":                     true,
		"baselines/main/role.template.json":  true,
		"policies/../manifest.json":          true,
		"policies":                           false,
		"policies/":                          false,
		"baselines":                          false,
		"mine.txt":                           false,
		"policiesX/a.json":                   false,
		"policies/../mine.txt":               false,
		"policies/../../etc/passwd":          false,
		"/policies/a.json":                   false,
		"dist/manifest.json":                 false,
		"Manifest.json":                      false,
		"baselines/../policies/../README.md": false,
	} {
		if got := Owned(p); got != want {
			t.Errorf("Owned(%q) = %v, want %v", p, got, want)
		}
	}
}

// children_may_change expands to AWS's child control operator on every
// node of the plan: what it names gets the operators it lists (none for
// ["@@all"]), everything else ["@@none"], as AWS's backup Example 3 locks
// a whole plan node by node.
func TestChildChanges(t *testing.T) {
	const plans = `{"daily": {
		"regions": ["us-east-1"],
		"rules": {"hourly": {"schedule_expression": "cron(0 5 ? * * *)", "target_backup_vault_name": "v", "lifecycle": {"delete_after_days": 35}}},
		"selections": {"tags": {"t": {"iam_role_arn": "arn:aws:iam::$account:role/r", "tag_key": "k", "tag_value": ["v"]}}},
		"children_may_change": {"regions": ["@@append"], "rules": {"hourly": {"lifecycle": ["@@all"]}}}},
	  "other": {"regions": ["eu-west-1"]}}`
	got := Document(&policy.Policy{Name: "p", Plans: parsePlans(t, "p.cue", plans)})
	const none = `"@@operators_allowed_for_child_policies":["@@none"]`
	want := `{"plans":{` +
		`"daily":{` + none + `,` +
		`"regions":{"@@assign":["us-east-1"],"@@operators_allowed_for_child_policies":["@@append"]},` +
		`"rules":{` + none + `,"hourly":{` + none + `,` +
		`"lifecycle":{"delete_after_days":{"@@assign":"35"}},` +
		`"schedule_expression":{"@@assign":"cron(0 5 ? * * *)",` + none + `},` +
		`"target_backup_vault_name":{"@@assign":"v",` + none + `}}},` +
		`"selections":{` + none + `,"tags":{` + none + `,"t":{` + none + `,` +
		`"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/r",` + none + `},` +
		`"tag_key":{"@@assign":"k",` + none + `},` +
		`"tag_value":{"@@assign":["v"],` + none + `}}}}},` +
		`"other":{"regions":{"@@assign":["eu-west-1"]}}}}`
	if string(got.Compact()) != want {
		t.Errorf("Document:\n got %s\nwant %s", got.Compact(), want)
	}
	// Merged the way Organizations would, a child's change to a locked
	// setting is ignored and one it may make applies.
	child := doc.FromAny(map[string]any{"plans": map[string]any{"daily": map[string]any{
		"regions": map[string]any{"@@append": []any{"eu-west-1"}},
		"rules": map[string]any{"hourly": map[string]any{
			"target_backup_vault_name": map[string]any{"@@assign": "other"},
			"lifecycle":                map[string]any{"delete_after_days": map[string]any{"@@assign": "7"}},
		}},
		"new-key": map[string]any{"@@assign": "x"},
	}}})
	s := inherit.Merge(inherit.Level{Policies: []inherit.Policy{{ID: "parent", Doc: got}}}, inherit.Level{Policies: []inherit.Policy{{ID: "child", Doc: child}}})
	eff := s.Effective().Get("plans").Get("daily")
	if r, _ := eff.Get("regions").Strings(); len(r) != 2 {
		t.Errorf("regions = %v, want the child's append", r)
	}
	hourly := eff.Get("rules").Get("hourly")
	if v := hourly.Get("target_backup_vault_name").Text; v != "v" {
		t.Errorf("vault = %q, want the parent's", v)
	}
	if d := hourly.Get("lifecycle").Get("delete_after_days").Text; d != "7" {
		t.Errorf("delete_after_days = %q, want the child's", d)
	}
	if eff.Get("new-key") != nil {
		t.Errorf("the child added a key to the locked plan")
	}
	if n := len(s.Notes()); n != 2 {
		t.Errorf("%d notes, want 2 (the vault and the new key):\n%v", n, s.Notes())
	}
}
