package plan

import (
	"slices"
	"strconv"
	"strings"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// The names prerequisite changes use in Setting.
const (
	// BackupPrincipal is AWS Backup's service principal, for trusted
	// access and delegated administration.
	BackupPrincipal = "backup.amazonaws.com"
	// CrossAccountBackupSetting is the AWS Backup global setting that
	// allows copies into other accounts of the organization.
	CrossAccountBackupSetting = "isCrossAccountBackupEnabled"
)

// prerequisites plans the organization-wide settings the repository
// declares (its organization block), in the order apply must make them:
// the policy type before anything is attached, trusted access before a
// delegated administrator can be registered. A setting the actual
// organization does not record (a hand-written snapshot) is not planned;
// one notice says which.
func (m *maker) prerequisites() []Change {
	repo, actual := m.in.Repo, m.in.Actual
	ob := repo.Organization
	if ob == nil {
		ob = &policy.Organization{}
	}
	var out []Change
	at := m.source(ob.Pos)
	root := actual.Root()

	// Nothing can be attached before the policy type is enabled, so it is
	// planned whenever the repository has a policy, declared or not.
	if ob.BackupPolicies == "enabled" || len(repo.Policies) > 0 {
		// A live read always records the root's policy types, even when
		// none is enabled; a snapshot file that omits them does not say.
		if root.PolicyTypes == nil && actual.Source != "aws" {
			m.unknown = append(m.unknown, "the root's enabled policy types (roots[0].policy_types)")
		} else {
			status := ""
			for _, pt := range root.PolicyTypes {
				if pt.Type == policy.Type {
					status = pt.Status
				}
			}
			// PENDING_ENABLE is on its way; apply waits for ENABLED
			// before attaching.
			if status != "ENABLED" && status != "PENDING_ENABLE" {
				out = append(out, Change{Action: EnablePolicyType, Phase: PhasePrerequisites, Setting: policy.Type,
					Target: m.target(root), Before: status, After: "ENABLED", Source: at,
					Reason: "backup policies can be attached only once the BACKUP_POLICY type is enabled on the root"})
			}
		}
	}

	s := actual.Settings
	trusted := s != nil && slices.Contains(s.TrustedServices, BackupPrincipal)
	if ob.TrustedAccess != nil && *ob.TrustedAccess {
		switch {
		case s == nil:
			m.unknown = append(m.unknown, "trusted access")
		case !trusted:
			out = append(out, Change{Action: EnableServiceAccess, Phase: PhasePrerequisites, Setting: BackupPrincipal,
				After: "enabled", Source: at, Reason: "organization.trusted_access: AWS Backup's cross-account monitoring and delegated administration need it"})
		}
	}

	if id := ob.DelegatedAdministrator; id != "" {
		src := m.source(ob.DelegatedAdministratorPos)
		acct := actual.Entity(id)
		switch {
		case acct == nil || acct.Kind != org.Account:
			m.problem(SeverityError, "unknown-account", src, "",
				"organization.delegated_administrator %q is not an account of the organization", id).
				hint("name a member account by its 12-digit id")
		case id == actual.Info.ManagementAccountID:
			m.problem(SeverityError, "management-delegated-administrator", src, "",
				"organization.delegated_administrator %q is the management account, which AWS cannot register as a delegated administrator", id).
				hint("name a member account, or remove delegated_administrator")
		case !trusted && (ob.TrustedAccess == nil || !*ob.TrustedAccess):
			m.problem(SeverityError, "delegated-administrator-needs-trusted-access", src, "",
				"organization.delegated_administrator needs trusted access for AWS Backup, which the organization does not have and the repository does not ask for").
				hint("add trusted_access: true to the organization block")
		default:
			switch {
			case s == nil:
				m.unknown = append(m.unknown, "delegated administrators")
			case !slices.Contains(s.DelegatedAdministrators[BackupPrincipal], id):
				c := Change{Action: RegisterDelegatedAdmin, Phase: PhasePrerequisites, Setting: id,
					Target: m.target(acct), After: BackupPrincipal, Source: src,
					Reason: "organization.delegated_administrator: the account administers AWS Backup for the organization"}
				if cur := s.DelegatedAdministrators[BackupPrincipal]; len(cur) > 0 {
					c.Before = strings.Join(cur, ",")
				}
				out = append(out, c)
			}
		}
	}

	if ob.CrossAccountBackup != nil {
		want := strconv.FormatBool(*ob.CrossAccountBackup)
		switch {
		case s == nil:
			m.unknown = append(m.unknown, "AWS Backup's global settings")
		case s.BackupGlobalSettings[CrossAccountBackupSetting] != want:
			out = append(out, Change{Action: UpdateBackupSetting, Phase: PhasePrerequisites, Setting: CrossAccountBackupSetting,
				Before: s.BackupGlobalSettings[CrossAccountBackupSetting], After: want, Source: m.source(ob.CrossAccountBackupPos),
				Reason: "organization.cross_account_backup: copies into another account need it"})
		}
	}

	if len(m.unknown) > 0 {
		m.problem(SeverityNotice, CodeNotRecorded, "", "",
			"the organization snapshot does not record %s; the plan does not compare them", joinAnd(m.unknown)).
			hint("a plan against the live organization (orgbackup plan without --org) reads them")
	}
	return out
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
