package doctor

import (
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/loader/loadertest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
)

const defs = `package orgbackup

policies: all: {
	targets: ["Root"]
	plans: daily: {
		regions: ["us-east-1", "eu-west-1"]
		rules: r: {
			schedule_expression: "cron(0 5 ? * * *)"
			target_backup_vault_name: "vault"
			copy_actions: "arn:aws:backup:us-east-1:333333333333:backup-vault:central": {lifecycle: delete_after_days: 30}
		}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup", tag_key: "Backup", tag_value: ["On"]}
	}
}
baselines: main: {
	targets: ["Root"]
	regions: ["us-east-1", "eu-west-1"]
	role_name: "backup"
	vault_name: "vault"
	managed_kms_key: true
}
`

func expectFor(t *testing.T, account string) *Expect {
	t.Helper()
	repo := loadertest.Load(t, defs)
	actual, err := org.Load("testdata/org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	desired := plan.Make(plan.Input{Repo: repo, Actual: actual}).Desired
	e, err := Expectations(desired, repo, account, map[string]string{
		"us-east-1": "arn:aws:kms:us-east-1:111111111111:key/k1", "eu-west-1": "arn:aws:kms:eu-west-1:111111111111:key/k2"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// healthy returns the facts of an account where everything is in place.
func healthy(account string) *Facts {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["backup.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	keyPolicy := string(baseline.KeyPolicy("111111111111", "o-a1b2c3d4e5", "us-east-1"))
	f := &Facts{Account: account,
		Roles: map[string]*Role{"backup": {Name: "backup", ARN: "arn:aws:iam::" + account + ":role/backup", Trust: trust, Policies: []string{
			"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
			"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}}},
		Vaults: map[VaultKey]*Vault{}, Keys: map[string]*Key{}, Plans: map[string][]string{},
	}
	for i, r := range []string{"us-east-1", "eu-west-1"} {
		arn := "arn:aws:kms:" + r + ":111111111111:key/k" + string(rune('1'+i))
		f.Vaults[VaultKey{r, "vault"}] = &Vault{Name: "vault", ARN: "arn:aws:backup:" + r + ":" + account + ":backup-vault:vault", KeyARN: arn}
		f.Keys[arn] = &Key{ARN: arn, State: "Enabled", Manager: "CUSTOMER", Policy: keyPolicy}
		f.Plans[r] = []string{"daily", "someone-elses"}
	}
	return f
}

func gaps(r *Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		if c.Status != OK {
			b.WriteString(string(c.Status) + " " + c.Region + " " + c.What + "\n")
		}
	}
	return b.String()
}

func TestDoctor(t *testing.T) {
	e := expectFor(t, "222222222222")
	if r := Run(e, healthy("222222222222")); r.Gaps() > 0 || gaps(r) != "" {
		t.Fatalf("healthy account:\n%s", gaps(r))
	}
	for _, tc := range []struct {
		name   string
		break_ func(f *Facts)
		want   string
		fix    string
	}{
		{"missing vault", func(f *Facts) { delete(f.Vaults, VaultKey{"eu-west-1", "vault"}) }, "gap eu-west-1 vault \"vault\" exists\n", `baseline "main" deploys vault "vault" in eu-west-1: run orgbackup apply`},
		{"missing role", func(f *Facts) { delete(f.Roles, "backup") }, "gap  role \"backup\" exists\n", `baseline "main" deploys role "backup"`},
		{"trust", func(f *Facts) {
			f.Roles["backup"].Trust = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		},
			"gap  role \"backup\" trusts AWS Backup\n", "update-assume-role-policy"},
		{"managed policy", func(f *Facts) { f.Roles["backup"].Policies = f.Roles["backup"].Policies[:1] }, "gap  role \"backup\" has AWSBackupServiceRolePolicyForRestores\n", "attach-role-policy"},
		{"wrong key", func(f *Facts) {
			f.Vaults[VaultKey{"us-east-1", "vault"}].KeyARN = "arn:aws:kms:us-east-1:222222222222:key/other"
			f.Keys["arn:aws:kms:us-east-1:222222222222:key/other"] = &Key{ARN: "x", State: "Enabled", Manager: "AWS"}
		},
			"gap us-east-1 vault \"vault\" uses the baseline's key\n", "another name"},
		{"key disabled", func(f *Facts) { f.Keys["arn:aws:kms:us-east-1:111111111111:key/k1"].State = "PendingDeletion" },
			"gap us-east-1 key of vault \"vault\" is usable by AWS Backup\n", "cancel-key-deletion"},
		{"key policy", func(f *Facts) {
			f.Keys["arn:aws:kms:eu-west-1:111111111111:key/k2"].Policy = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`
		}, "gap eu-west-1 key of vault \"vault\" is usable by AWS Backup\n", "aws:PrincipalOrgID"},
		{"key policy unreadable", func(f *Facts) {
			k := f.Keys["arn:aws:kms:eu-west-1:111111111111:key/k2"]
			k.Policy, k.PolicyErr = "", "AccessDeniedException"
		},
			"unknown eu-west-1 key of vault \"vault\" is usable by AWS Backup\n", ""},
		{"plan", func(f *Facts) { f.Plans["us-east-1"] = nil }, "gap us-east-1 backup plan \"daily\" is in the account\n", "orgbackup status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := healthy("222222222222")
			tc.break_(f)
			r := Run(e, f)
			if got := gaps(r); got != tc.want {
				t.Errorf("got:\n%swant:\n%s", got, tc.want)
			}
			for _, c := range r.Checks {
				if c.Status == Gap && !strings.Contains(c.Fix, tc.fix) {
					t.Errorf("fix %q does not say %q", c.Fix, tc.fix)
				}
			}
		})
	}
}

func TestDoctorCopyDestination(t *testing.T) {
	// Account 333… holds the central vault other accounts copy into: it
	// must accept copies from the organization.
	e := expectFor(t, "333333333333")
	var central *VaultExpect
	for i := range e.Vaults {
		if e.Vaults[i].Name == "central" {
			central = &e.Vaults[i]
		}
	}
	if central == nil || !central.OrgCopy || central.Region != "us-east-1" {
		t.Fatalf("expectations %+v", e.Vaults)
	}
}

func TestDoctorNotReached(t *testing.T) {
	e := &Expect{Account: "999999999999", Plans: map[string][]string{}}
	if r := Run(e, &Facts{}); r.Gaps() != 1 {
		t.Errorf("an account no policy reaches: %+v", r.Checks)
	}
}
