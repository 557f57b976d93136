// Package iampolicy writes the IAM policies of the two roles orgbackup runs
// with in GitHub Actions, and their trust policies for GitHub's OIDC
// provider (gitops-safety.md §1.4, §4.2):
//
//   - the plan role reads, and only reads: plan on pull requests, the
//     re-plan before apply, the scheduled drift run, org snapshot, verify;
//   - the apply role adds the changes orgbackup makes: backup policies
//     (by policy type and the managed-by tag, and the repository tag when
//     the organization block names a repository), orgbackup's StackSets
//     (by name prefix) and the organization settings the repository
//     declares.
//
// The policies are tailored to a repository (Scope): a setting the
// repository does not declare, or baselines it does not define, get no
// permission. The catalog below also says which command makes each call, so
// that a test can hold it against the calls the commands make.
//
// It is pure: a Scope in, policy documents out.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/orgbackup/orgbackup/internal/policy"
)

// Role is one of the two roles.
type Role string

// The roles.
const (
	Plan  Role = "plan"
	Apply Role = "apply"
)

// Placeholder stands for the management account id in a trust policy when
// it is not known; the command says so.
const Placeholder = "MANAGEMENT_ACCOUNT_ID"

// DefaultOIDCHost is GitHub's OIDC provider on github.com. GitHub
// Enterprise Server's is HOST/_services/token.
const DefaultOIDCHost = "token.actions.githubusercontent.com"

// StackSetPrefix starts the name of every StackSet orgbackup creates.
const StackSetPrefix = "orgbackup-"

// Scope is what the policies are for: the organization, the repository
// and what it declares.
type Scope struct {
	// Account is the management account id, "" when not known (ARNs then
	// name any account, and trust policies the Placeholder).
	Account string
	// Organization is the organization id (o-…), "" when not known.
	Organization string
	// Partition is the AWS partition, "" for aws.
	Partition string
	// Repository is the GitHub repository (OWNER/NAME) whose workflows
	// assume the roles; Environment the protected environment of apply.
	Repository  string
	Environment string
	// OIDCHost is the GitHub OIDC provider's host (and path), "" for
	// DefaultOIDCHost.
	OIDCHost string

	// What the repository declares.
	Policies           bool   // it defines backup policies
	Baselines          bool   // it defines member baselines (StackSets)
	ManagedKeys        bool   // a baseline says managed_kms_key: true
	TrustedAccess      bool   // organization.trusted_access: true
	CrossAccountBackup bool   // organization.cross_account_backup set
	DelegatedAdmin     string // organization.delegated_administrator
	// OwnerTag is organization.repository: orgbackup then owns only the
	// policies tagged orgbackup:repository with it.
	OwnerTag string
}

func (s Scope) partition() string {
	if s.Partition == "" {
		return "aws"
	}
	return s.Partition
}

func (s Scope) account() string {
	if s.Account == "" {
		return "*"
	}
	return s.Account
}

func (s Scope) org() string {
	if s.Organization == "" {
		return "o-*"
	}
	return s.Organization
}

// orgARN is an Organizations ARN in the management account.
func (s Scope) orgARN(resource string) string {
	return fmt.Sprintf("arn:%s:organizations::%s:%s", s.partition(), s.account(), resource)
}

// Commands that call AWS, as the catalog names them.
const (
	CmdPlan     = "plan"
	CmdSnapshot = "org snapshot"
	CmdImport   = "import --from-org"
	CmdApply    = "apply"
	CmdVerify   = "verify"
	CmdStatus   = "status"
)

// readers are the commands that read the organization as plan does.
var readers = []string{CmdPlan, CmdSnapshot, CmdImport, CmdApply, CmdStatus}

// grant is one IAM action and the commands whose calls need it.
type grant struct {
	action   string
	commands []string
}

func g(action string, commands ...string) grant { return grant{action, commands} }

// statement is one statement of a role's policy: a set of actions, the
// resources and conditions that narrow them, and when the repository needs
// it.
type statement struct {
	sid       string
	role      Role // Plan statements are in both roles: apply plans again first
	when      func(Scope) bool
	grants    []grant
	resources func(Scope) []string
	condition func(Scope) map[string]map[string]any
}

func always(Scope) bool          { return true }
func anyResource(Scope) []string { return []string{"*"} }

// ownTags is the condition that a policy is orgbackup's: its managed-by
// tag and, when the repository scopes ownership, its repository tag. key
// is aws:ResourceTag or aws:RequestTag.
func ownTags(key string) func(Scope) map[string]map[string]any {
	return func(s Scope) map[string]map[string]any {
		c := map[string]any{key + "/managed-by": "orgbackup"}
		if s.OwnerTag != "" {
			c[key+"/orgbackup:repository"] = s.OwnerTag
		}
		return map[string]map[string]any{"StringEquals": c}
	}
}

func backupPolicyType(Scope) map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {"organizations:PolicyType": policy.Type}}
}

func backupService(Scope) map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {"organizations:ServicePrincipal": "backup.amazonaws.com"}}
}

func backupPolicies(s Scope) []string {
	return []string{s.orgARN("policy/" + s.org() + "/backup_policy/*")}
}

// catalog is every permission orgbackup needs, in the order the policies
// list them.
var catalog = []statement{
	{
		sid: "ReadOrganization", role: Plan, when: always, resources: anyResource,
		grants: []grant{
			g("organizations:DescribeOrganization", readers...),
			g("organizations:ListRoots", readers...),
			g("organizations:ListOrganizationalUnitsForParent", readers...),
			g("organizations:ListAccounts", readers...),
			g("organizations:ListAccountsForParent", readers...),
			g("organizations:ListPolicies", readers...),
			g("organizations:DescribePolicy", readers...),
			g("organizations:ListTagsForResource", readers...),
			g("organizations:ListTargetsForPolicy", readers...),
			g("organizations:ListAWSServiceAccessForOrganization", readers...),
			g("organizations:ListDelegatedAdministrators", readers...),
			g("organizations:DescribeEffectivePolicy", CmdVerify),
			g("organizations:ListAccountsWithInvalidEffectivePolicy", CmdVerify, CmdStatus),
			g("organizations:ListEffectivePolicyValidationErrors", CmdVerify),
		},
	},
	{
		sid: "ReadBackupSettings", role: Plan, when: always, resources: anyResource,
		grants: []grant{g("backup:DescribeGlobalSettings", readers...)},
	},
	{
		// status reports the jobs of AWS Backup's cross-account
		// monitoring (ByAccountId unset: every account), from the
		// scheduled drift run, which has the plan role.
		sid: "ReadBackupJobs", role: Plan, when: always, resources: anyResource,
		grants: []grant{
			g("backup:ListBackupJobs", CmdStatus),
			g("backup:ListCopyJobs", CmdStatus),
			g("backup:ListRestoreJobs", CmdStatus),
		},
	},
	{
		// Plan reads orgbackup's StackSets even without baselines: a
		// baseline removed from the repository leaves them to remove.
		sid: "ReadStackSets", role: Plan, when: always, resources: anyResource,
		grants: []grant{
			g("cloudformation:ListStackSets", CmdPlan, CmdApply, CmdStatus),
			g("cloudformation:DescribeStackSet", CmdPlan, CmdApply, CmdStatus),
			g("cloudformation:ListStackInstances", CmdPlan, CmdApply, CmdStatus),
			g("cloudformation:ListStackSetOperations", CmdPlan, CmdApply, CmdStatus),
			g("cloudformation:DescribeStackSetOperation", CmdApply),
			g("cloudformation:ListStackSetOperationResults", CmdApply),
			g("cloudformation:DescribeStacks", CmdPlan, CmdApply, CmdStatus),
			g("cloudformation:GetTemplate", CmdPlan, CmdApply, CmdStatus),
		},
	},
	{
		sid: "ReadBackupKeys", role: Plan, when: func(s Scope) bool { return s.ManagedKeys }, resources: anyResource,
		grants: []grant{
			g("kms:DescribeKey", CmdPlan, CmdApply),
			g("kms:GetKeyPolicy", CmdPlan, CmdApply),
			g("kms:ListResourceTags", CmdPlan, CmdApply),
		},
	},

	// The apply role's changes.
	{
		sid: "EnableBackupPolicyType", role: Apply, when: func(s Scope) bool { return s.Policies },
		resources: func(s Scope) []string { return []string{s.orgARN("root/" + s.org() + "/r-*")} },
		condition: backupPolicyType,
		grants:    []grant{g("organizations:EnablePolicyType", CmdApply)},
	},
	{
		sid: "EnableTrustedAccessForBackup", role: Apply, when: func(s Scope) bool { return s.TrustedAccess },
		resources: anyResource, condition: backupService,
		grants: []grant{g("organizations:EnableAWSServiceAccess", CmdApply)},
	},
	{
		sid: "RegisterBackupDelegatedAdministrator", role: Apply, when: func(s Scope) bool { return s.DelegatedAdmin != "" },
		resources: func(s Scope) []string { return []string{s.orgARN("account/" + s.org() + "/" + s.DelegatedAdmin)} },
		condition: backupService,
		grants:    []grant{g("organizations:RegisterDelegatedAdministrator", CmdApply)},
	},
	{
		sid: "UpdateBackupGlobalSettings", role: Apply, when: func(s Scope) bool { return s.CrossAccountBackup },
		resources: anyResource,
		grants:    []grant{g("backup:UpdateGlobalSettings", CmdApply)},
	},
	{
		// CreatePolicy with tags needs TagResource too, authorized on the
		// tags requested; adoption tags a policy that is not yet
		// orgbackup's the same way. Only backup policies can be tagged.
		sid: "TagBackupPoliciesAsOrgbackups", role: Apply, when: func(s Scope) bool { return s.Policies },
		resources: backupPolicies,
		condition: ownTags("aws:RequestTag"),
		grants:    []grant{g("organizations:TagResource", CmdApply)},
	},
	{
		sid: "CreateBackupPolicies", role: Apply, when: func(s Scope) bool { return s.Policies }, resources: anyResource,
		condition: func(s Scope) map[string]map[string]any {
			c := ownTags("aws:RequestTag")(s)
			c["StringEquals"]["organizations:PolicyType"] = policy.Type
			return c
		},
		grants: []grant{g("organizations:CreatePolicy", CmdApply)},
	},
	{
		sid: "ChangeOwnBackupPolicies", role: Apply, when: func(s Scope) bool { return s.Policies },
		resources: backupPolicies, condition: ownTags("aws:ResourceTag"),
		grants: []grant{
			g("organizations:UpdatePolicy", CmdApply),
			g("organizations:TagResource", CmdApply),
			g("organizations:AttachPolicy", CmdApply),
			g("organizations:DetachPolicy", CmdApply),
			g("organizations:DeletePolicy", CmdApply),
		},
	},
	{
		// Attach and detach are authorized on the policy (above) and on
		// the target, which carries no orgbackup tag.
		sid: "AttachBackupPoliciesToTargets", role: Apply, when: func(s Scope) bool { return s.Policies },
		resources: func(s Scope) []string {
			return []string{s.orgARN("root/" + s.org() + "/r-*"), s.orgARN("ou/" + s.org() + "/ou-*"), s.orgARN("account/" + s.org() + "/*")}
		},
		condition: backupPolicyType,
		grants: []grant{
			g("organizations:AttachPolicy", CmdApply),
			g("organizations:DetachPolicy", CmdApply),
		},
	},
	{
		sid: "DeployOwnStackSets", role: Apply, when: func(s Scope) bool { return s.Baselines },
		resources: func(s Scope) []string {
			return []string{
				fmt.Sprintf("arn:%s:cloudformation:*:%s:stackset/%s*", s.partition(), s.account(), StackSetPrefix),
				fmt.Sprintf("arn:%s:cloudformation:*:%s:stackset-target/%s*", s.partition(), s.account(), StackSetPrefix),
				fmt.Sprintf("arn:%s:cloudformation:*::type/resource/*", s.partition()),
			}
		},
		grants: []grant{
			g("cloudformation:CreateStackSet", CmdApply),
			g("cloudformation:UpdateStackSet", CmdApply),
			g("cloudformation:DeleteStackSet", CmdApply),
			g("cloudformation:CreateStackInstances", CmdApply),
			g("cloudformation:DeleteStackInstances", CmdApply),
			g("cloudformation:TagResource", CmdApply),
		},
	},
	{
		// StackSets never deploy to the management account; its role and
		// vaults are regular stacks.
		sid: "DeployOwnManagementStacks", role: Apply, when: func(s Scope) bool { return s.Baselines },
		resources: func(s Scope) []string {
			return []string{fmt.Sprintf("arn:%s:cloudformation:*:%s:stack/%s*", s.partition(), s.account(), StackSetPrefix)}
		},
		grants: []grant{
			g("cloudformation:CreateStack", CmdApply),
			g("cloudformation:UpdateStack", CmdApply),
			g("cloudformation:DeleteStack", CmdApply),
			g("cloudformation:DescribeStackEvents", CmdApply),
		},
	},
	{
		// CloudFormation creates the management stacks' resources with
		// apply's own credentials; these are allowed only through it.
		sid: "ManagementStackResources", role: Apply, when: func(s Scope) bool { return s.Baselines }, resources: anyResource,
		condition: func(Scope) map[string]map[string]any {
			return map[string]map[string]any{"ForAnyValue:StringEquals": {"aws:CalledVia": []string{"cloudformation.amazonaws.com"}}}
		},
		grants: []grant{
			g("iam:CreateRole", CmdApply),
			g("iam:GetRole", CmdApply),
			g("iam:DeleteRole", CmdApply),
			g("iam:AttachRolePolicy", CmdApply),
			g("iam:DetachRolePolicy", CmdApply),
			g("iam:TagRole", CmdApply),
			g("iam:UntagRole", CmdApply),
			g("backup:CreateBackupVault", CmdApply),
			g("backup:DescribeBackupVault", CmdApply),
			g("backup:PutBackupVaultAccessPolicy", CmdApply),
			g("backup:DeleteBackupVaultAccessPolicy", CmdApply),
			g("backup:TagResource", CmdApply),
			g("backup:ListTags", CmdApply),
			g("backup-storage:MountCapsule", CmdApply),
			g("kms:CreateGrant", CmdApply),
		},
	},
	{
		// orgbackup's keys are created with its tags, and changed only
		// while they carry them.
		sid: "CreateBackupKeys", role: Apply, when: func(s Scope) bool { return s.ManagedKeys }, resources: anyResource,
		condition: ownTags("aws:RequestTag"),
		grants: []grant{
			g("kms:CreateKey", CmdApply),
			g("kms:TagResource", CmdApply),
		},
	},
	{
		sid: "ChangeOwnBackupKeys", role: Apply, when: func(s Scope) bool { return s.ManagedKeys },
		resources: func(s Scope) []string {
			return []string{fmt.Sprintf("arn:%s:kms:*:%s:key/*", s.partition(), s.account())}
		},
		condition: ownTags("aws:ResourceTag"),
		grants: []grant{
			g("kms:EnableKeyRotation", CmdApply),
			g("kms:PutKeyPolicy", CmdApply),
			g("kms:CreateAlias", CmdApply),
		},
	},
	{
		sid: "NameBackupKeys", role: Apply, when: func(s Scope) bool { return s.ManagedKeys },
		resources: func(s Scope) []string {
			return []string{fmt.Sprintf("arn:%s:kms:*:%s:alias/orgbackup/*", s.partition(), s.account())}
		},
		grants: []grant{g("kms:CreateAlias", CmdApply)},
	},
	{
		// A key an interrupted apply created before its alias is found
		// among the account's keys by its tags.
		sid: "FindBackupKeys", role: Apply, when: func(s Scope) bool { return s.ManagedKeys }, resources: anyResource,
		grants: []grant{g("kms:ListKeys", CmdApply)},
	},
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// JSON renders d indented, as `aws iam put-role-policy --policy-document
// file://…` reads it; the same document always gives the same bytes.
func (d *Document) JSON() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		panic("internal error: encode IAM policy: " + err.Error())
	}
	return b.Bytes()
}

// in reports whether a statement of role from belongs in role r's policy.
func (r Role) has(from Role) bool { return from == Plan || r == Apply }

// Permissions returns role's permissions policy for s.
func Permissions(role Role, s Scope) *Document {
	d := &Document{Version: "2012-10-17"}
	for _, st := range catalog {
		if !role.has(st.role) || !st.when(s) {
			continue
		}
		out := Statement{Sid: st.sid, Effect: "Allow", Resource: st.resources(s)}
		for _, gr := range st.grants {
			out.Action = append(out.Action, gr.action)
		}
		if st.condition != nil {
			out.Condition = st.condition(s)
		}
		d.Statement = append(d.Statement, out)
	}
	return d
}

// Subjects are the OIDC subjects (the token's sub claim) that may assume
// role: the plan role is assumed by pull requests and by the workflows on
// main that only read (the plan job before apply, the scheduled drift
// run); the apply role only by jobs in the protected environment. A job
// that names an environment gets the environment subject, not the ref
// one, which is why the apply job's plan runs in a job of its own.
func Subjects(role Role, s Scope) []string {
	repo := "repo:" + s.Repository
	if role == Apply {
		return []string{repo + ":environment:" + s.Environment}
	}
	return []string{repo + ":pull_request", repo + ":ref:refs/heads/main"}
}

// Trust returns role's trust policy: GitHub's OIDC provider in the
// management account, for the audience sts.amazonaws.com and the subjects
// of Subjects only.
func Trust(role Role, s Scope) *Document {
	host := s.OIDCHost
	if host == "" {
		host = DefaultOIDCHost
	}
	account := s.Account
	if account == "" {
		account = Placeholder
	}
	subjects := Subjects(role, s)
	var sub any = subjects
	if len(subjects) == 1 {
		sub = subjects[0]
	}
	return &Document{Version: "2012-10-17", Statement: []Statement{{
		Sid:       "GitHubActions" + strings.ToUpper(string(role[:1])) + string(role[1:]),
		Effect:    "Allow",
		Principal: map[string]string{"Federated": fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", s.partition(), account, host)},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{"StringEquals": {
			host + ":aud": "sts.amazonaws.com",
			host + ":sub": sub,
		}},
	}}}
}

// Grants returns, for role and s, every action its policy allows and the
// commands whose calls need it, sorted by action.
func Grants(role Role, s Scope) map[string][]string {
	out := map[string][]string{}
	for _, st := range catalog {
		if !role.has(st.role) || !st.when(s) {
			continue
		}
		for _, gr := range st.grants {
			for _, c := range gr.commands {
				if !slices.Contains(out[gr.action], c) {
					out[gr.action] = append(out[gr.action], c)
				}
			}
		}
	}
	for _, cs := range out {
		slices.Sort(cs)
	}
	return out
}

// Commands returns the commands whose calls need action, whatever the
// repository declares; nil for an action orgbackup never needs.
func Commands(action string) []string {
	var out []string
	for _, st := range catalog {
		for _, gr := range st.grants {
			if gr.action != action {
				continue
			}
			for _, c := range gr.commands {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Exceptions are actions the policies grant that a command which needs
// them may run without calling: IAM checks them on another call, or the
// command calls them only in a situation a test does not make. The
// integration test accepts them as granted but not called, for the reason
// given; every other action must be called by a command it names.
var Exceptions = map[string]string{
	"organizations:ListEffectivePolicyValidationErrors": "verify asks only about accounts AWS reports invalid",
	"organizations:ListAccounts":                        "the reader lists accounts per parent where ListAccounts gives no paths",
	"organizations:ListAccountsForParent":               "the reader lists all accounts at once where ListAccounts gives their paths",
	"cloudformation:DescribeStackSet":                   "called for each StackSet orgbackup has deployed",
	"cloudformation:ListStackInstances":                 "called for each StackSet orgbackup has deployed",
	"cloudformation:ListStackSetOperations":             "called for each StackSet orgbackup has deployed",
	"cloudformation:DescribeStacks":                     "called in the Regions of the baselines and of orgbackup's StackSets",
	"cloudformation:GetTemplate":                        "called for each stack orgbackup has deployed in the management account",
	"cloudformation:DescribeStackEvents":                "called only when a management stack fails, for the failing resource's reason",
	"kms:GetKeyPolicy":                                  "called only where orgbackup's key exists",
	"kms:ListResourceTags":                              "called only where orgbackup's key exists, and when looking for a key an interrupted apply created",
	"kms:ListKeys":                                      "called only when an interrupted apply may have left a key without its alias",
	"iam:CreateRole":                                    "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:GetRole":                                       "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:DeleteRole":                                    "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:AttachRolePolicy":                              "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:DetachRolePolicy":                              "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:TagRole":                                       "CloudFormation calls it with apply's credentials for the management account's stacks",
	"iam:UntagRole":                                     "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:CreateBackupVault":                          "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:DescribeBackupVault":                        "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:PutBackupVaultAccessPolicy":                 "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:DeleteBackupVaultAccessPolicy":              "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:TagResource":                                "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup:ListTags":                                   "CloudFormation calls it with apply's credentials for the management account's stacks",
	"backup-storage:MountCapsule":                       "CloudFormation's vault creation needs it (AWS Backup's documented permissions for CreateBackupVault)",
	"kms:CreateGrant":                                   "CloudFormation's vault creation with a customer managed key needs it",
	"cloudformation:TagResource":                        "authorised with CreateStackSet and UpdateStackSet, which carry orgbackup's tags",
	"kms:TagResource":                                   "authorised with CreateKey, which carries orgbackup's tags",
	"cloudformation:CreateStack":                        "called only when a policy reaches the management account",
	"cloudformation:UpdateStack":                        "called only when a management stack's template changes",
	"cloudformation:DeleteStack":                        "called only when a baseline stops deploying to the management account",
	"cloudformation:UpdateStackSet":                     "called only when a baseline's template changes, or its failed instances are redeployed",
	"cloudformation:DeleteStackInstances":               "called only when a baseline, a target or a Region is removed",
	"cloudformation:DeleteStackSet":                     "called only when a baseline is removed",
}

// NoPermission are API calls that need no IAM permission.
var NoPermission = map[string]bool{
	"sts:GetCallerIdentity": true, // allowed to every identity
}

// Action is the IAM action an API call needs, as the Service Authorization
// Reference names it: for the services orgbackup calls, the signing name
// and the operation ("organizations:ListRoots"). ok is false for calls
// that need none (NoPermission).
func Action(service, operation string) (action string, ok bool) {
	a := service + ":" + operation
	return a, !NoPermission[a]
}
