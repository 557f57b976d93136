package iampolicy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/golden"
)

// full declares everything a repository can: every statement appears.
var full = Scope{
	Account: "123456789012", Organization: "o-abcdef1234", Repository: "acme/backup-policies", Environment: "org-prod",
	Policies: true, Baselines: true, ManagedKeys: true, TrustedAccess: true, CrossAccountBackup: true, DelegatedAdmin: "210987654321",
	OwnerTag: "acme/backup-policies",
}

func actions(d *Document) []string {
	var out []string
	for _, s := range d.Statement {
		for _, a := range s.Action {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestGolden pins the four documents for a repository that declares
// everything, so that any change to a role's permissions shows in review.
func TestGolden(t *testing.T) {
	for _, role := range []Role{Plan, Apply} {
		golden.Check(t, string(role)+".json.golden", Permissions(role, full).JSON())
		golden.Check(t, string(role)+"-trust.json.golden", Trust(role, full).JSON())
	}
}

// readOnly are the access levels of actions that change nothing.
var readOnly = regexp.MustCompile(`^[a-z]+:(Describe|List|Get)[A-Za-z]*$`)

// TestPlanRoleOnlyReads: whatever the repository declares, the plan role
// can only describe, list and get, and on any resource; the apply role has
// every permission the plan role has (it plans again first).
func TestPlanRoleOnlyReads(t *testing.T) {
	for _, s := range []Scope{full, {}, {Policies: true}} {
		plan, apply := actions(Permissions(Plan, s)), actions(Permissions(Apply, s))
		for _, a := range plan {
			if !readOnly.MatchString(a) {
				t.Errorf("the plan role may %s", a)
			}
			if !slices.Contains(apply, a) {
				t.Errorf("the apply role may not %s, which the plan role may", a)
			}
		}
		if len(plan) == 0 {
			t.Error("the plan role may nothing")
		}
	}
}

// TestApplyRoleScope: every write of the apply role is narrowed to
// backup policies (by type or by an ARN of the backup_policy type),
// orgbackup's tags, orgbackup's StackSets or one declared setting.
func TestApplyRoleScope(t *testing.T) {
	d := Permissions(Apply, full)
	for _, st := range d.Statement {
		write := slices.ContainsFunc(st.Action, func(a string) bool { return !readOnly.MatchString(a) })
		if !write {
			continue
		}
		cond, _ := json.Marshal(st.Condition)
		res := strings.Join(st.Resource, " ")
		narrowed := strings.Contains(string(cond), `"organizations:PolicyType":"BACKUP_POLICY"`) ||
			strings.Contains(string(cond), `/managed-by":"orgbackup"`) ||
			strings.Contains(string(cond), `"organizations:ServicePrincipal":"backup.amazonaws.com"`) ||
			strings.Contains(res, "stackset/orgbackup-") ||
			strings.Contains(res, "stack/orgbackup-") ||
			strings.Contains(res, "alias/orgbackup/") ||
			strings.Contains(string(cond), `"aws:CalledVia":["cloudformation.amazonaws.com"]`) ||
			slices.Equal(st.Action, []string{"backup:UpdateGlobalSettings"})
		if !narrowed {
			t.Errorf("statement %s allows %v on %s without narrowing", st.Sid, st.Action, res)
		}
		if strings.Contains(res, "policy/") && !strings.Contains(res, "/backup_policy/") {
			t.Errorf("statement %s reaches policies of other types: %s", st.Sid, res)
		}
		if strings.Contains(string(cond), "managed-by") && !strings.Contains(string(cond), `orgbackup:repository":"acme/backup-policies"`) {
			t.Errorf("statement %s ignores the repository the organization block names: %s", st.Sid, cond)
		}
	}
	for _, forbidden := range []string{"organizations:*", "organizations:DisablePolicyType", "organizations:DeleteOrganization",
		"organizations:DisableAWSServiceAccess", "organizations:DeregisterDelegatedAdministrator", "organizations:UntagResource", "iam:PassRole"} {
		if slices.Contains(actions(d), forbidden) {
			t.Errorf("the apply role may %s", forbidden)
		}
	}
}

// TestTailored: what the repository does not declare gets no permission.
func TestTailored(t *testing.T) {
	bare := actions(Permissions(Apply, Scope{Policies: true}))
	// (Reading StackSets is in every plan role: a baseline removed from
	// the repository leaves StackSets to remove.)
	for _, a := range []string{"organizations:EnableAWSServiceAccess", "organizations:RegisterDelegatedAdministrator",
		"backup:UpdateGlobalSettings", "cloudformation:CreateStackSet", "cloudformation:CreateStack", "kms:CreateKey", "iam:CreateRole"} {
		if slices.Contains(bare, a) {
			t.Errorf("a repository with policies only gets %s", a)
		}
		if !slices.Contains(actions(Permissions(Apply, full)), a) {
			t.Errorf("a repository that declares everything lacks %s", a)
		}
	}
	// The delegated administrator is named in the ARN.
	if !strings.Contains(string(Permissions(Apply, full).JSON()), `"arn:aws:organizations::123456789012:account/o-abcdef1234/210987654321"`) {
		t.Error("the delegated administrator's account is not the only one it may register")
	}
	// Unknown ids: any account and organization, never an empty ARN part.
	if d := string(Permissions(Apply, Scope{Policies: true}).JSON()); !strings.Contains(d, "arn:aws:organizations::*:policy/o-*/backup_policy/*") || strings.Contains(d, "::/") {
		t.Errorf("ARNs without ids:\n%s", d)
	}
}

// TestTrust: the plan role trusts pull requests and main, the apply role
// only the environment; both only GitHub's provider and STS's audience.
func TestTrust(t *testing.T) {
	if got := Subjects(Plan, full); !slices.Equal(got, []string{"repo:acme/backup-policies:pull_request", "repo:acme/backup-policies:ref:refs/heads/main"}) {
		t.Errorf("plan subjects %v", got)
	}
	if got := Subjects(Apply, full); !slices.Equal(got, []string{"repo:acme/backup-policies:environment:org-prod"}) {
		t.Errorf("apply subjects %v", got)
	}
	d := Trust(Apply, Scope{Repository: "o/r", Environment: "prod", OIDCHost: "ghe.example.com/_services/token"})
	js := string(d.JSON())
	for _, want := range []string{
		`"Federated": "arn:aws:iam::MANAGEMENT_ACCOUNT_ID:oidc-provider/ghe.example.com/_services/token"`,
		`"ghe.example.com/_services/token:aud": "sts.amazonaws.com"`,
		`"ghe.example.com/_services/token:sub": "repo:o/r:environment:prod"`,
		`"sts:AssumeRoleWithWebIdentity"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("trust policy lacks %s:\n%s", want, js)
		}
	}
}

func TestAction(t *testing.T) {
	if a, ok := Action("organizations", "ListRoots"); a != "organizations:ListRoots" || !ok {
		t.Errorf("ListRoots: %s %t", a, ok)
	}
	if _, ok := Action("sts", "GetCallerIdentity"); ok {
		t.Error("GetCallerIdentity needs no permission")
	}
	// Every action the catalog grants is named for a command.
	for a, cmds := range Grants(Apply, full) {
		if len(cmds) == 0 {
			t.Errorf("%s is granted for no command", a)
		}
	}
}

func TestCommands(t *testing.T) {
	if got := Commands("organizations:ListRoots"); !slices.Equal(got, []string{CmdApply, CmdImport, CmdSnapshot, CmdPlan, CmdStatus}) {
		t.Errorf("ListRoots is for %v", got)
	}
	if got := Commands("organizations:CreatePolicy"); !slices.Equal(got, []string{CmdApply}) {
		t.Errorf("CreatePolicy is for %v", got)
	}
	if got := Commands("organizations:DeleteOrganization"); got != nil {
		t.Errorf("DeleteOrganization is for %v", got)
	}
	for a := range Exceptions {
		if Commands(a) == nil {
			t.Errorf("%s is an exception but never granted", a)
		}
	}
}
