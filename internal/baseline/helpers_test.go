package baseline

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/loader/loadertest"
	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/plan"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// policyCUE is a policy naming role "backup" and vault "vault" in the given
// Regions, attached to targets.
func policyCUE(name, targets, regions string) string {
	return `policies: "` + name + `": {
	targets: [` + targets + `]
	plans: "` + name + `-plan": {
		regions: [` + regions + `]
		rules: daily: {schedule_expression: "cron(0 5 ? * * *)", target_backup_vault_name: "vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup", tag_key: "Backup", tag_value: ["On"]}
	}
}
`
}

const mainBaseline = `baselines: main: {
	targets: ["Root"]
	regions: ["us-east-1", "eu-west-1"]
	role_name: "backup"
	vault_name: "vault"
}
`

// fixture loads CUE definitions and the test organization, and returns the
// repository and the desired organization.
func fixture(t *testing.T, cue ...string) (*policy.Repo, *org.Org) {
	t.Helper()
	repo := loadertest.Load(t, "package orgbackup\n\n"+strings.Join(cue, "\n"))
	actual, err := org.Load("testdata/org.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	desired := plan.Make(plan.Input{Repo: repo, Actual: actual}).Desired
	return repo, desired
}

// planFor plans repo against live.
func planFor(t *testing.T, repo *policy.Repo, o *org.Org, live *Live) *Planned {
	t.Helper()
	d := Desire(Input{Repo: repo, Org: o, Source: func(f string) string { return filepath.Base(f) }})
	return Plan(repo, d, live, "")
}

// summary lists a plan's changes one per line: action, phase, what and
// where, for compact expectations.
func summary(cs []plan.Change) string {
	var b strings.Builder
	for _, c := range cs {
		d := c.Deployment
		b.WriteString(string(c.Action))
		if c.Destructive {
			b.WriteString("!")
		}
		b.WriteString(" " + d.StackSet + d.Stack)
		if d.Part == PartKey {
			b.WriteString(d.KeyAlias)
		}
		if d.Region != "" {
			b.WriteString(" @" + d.Region)
		}
		if len(d.OrganizationalUnits) > 0 {
			b.WriteString(" ous=" + strings.Join(d.OrganizationalUnits, ","))
		}
		if len(d.Accounts) > 0 {
			b.WriteString(" accounts=" + strings.Join(d.Accounts, ","))
		}
		if len(d.Regions) > 0 {
			b.WriteString(" regions=" + strings.Join(d.Regions, ","))
		}
		if d.RetainStacks {
			b.WriteString(" retain")
		}
		if c.Phase == plan.PhaseDelete {
			b.WriteString(" (delete phase)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func changesJSON(t *testing.T, cs []plan.Change) []byte {
	t.Helper()
	b, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// deployed returns the live state that applying p's changes would leave:
// every StackSet, stack and key as planned, every instance CURRENT.
func deployed(t *testing.T, o *org.Org, cs []plan.Change) *Live {
	t.Helper()
	l := &Live{}
	keys := map[string]string{}
	for _, c := range cs {
		if c.Action == plan.CreateKMSKey {
			arn := "arn:aws:kms:" + c.Deployment.Region + ":111111111111:key/k-" + c.Deployment.Region
			keys[c.Deployment.Region] = arn
			l.Keys = append(l.Keys, &LiveKey{Region: c.Deployment.Region, ARN: arn, State: "Enabled", Policy: c.After, Tags: c.Tags})
		}
	}
	for _, c := range cs {
		d := c.Deployment
		switch c.Action {
		case plan.CreateStackSet:
			tmpl, _ := ResolveKeys([]byte(c.After), d.ManagedKeys, keys)
			l.StackSets = append(l.StackSets, &LiveStackSet{Name: d.StackSet, Status: "ACTIVE", PermissionModel: "SERVICE_MANAGED",
				AutoDeployment: true, Template: string(tmpl), Capabilities: d.Capabilities, Parameters: d.Parameters, Tags: c.Tags})
		case plan.AddStackInstances:
			ls := l.stackSet(d.StackSet)
			for _, ou := range d.OrganizationalUnits {
				e := o.Entity(ou)
				if len(d.Accounts) == 0 {
					ls.OUs = append(ls.OUs, ou)
				}
				for _, a := range o.AccountsUnder(e) {
					if a.ID == "111111111111" || len(d.Accounts) > 0 && !contains(d.Accounts, a.ID) {
						continue
					}
					for _, r := range d.Regions {
						ls.Instances = append(ls.Instances, Instance{Account: a.ID, Region: r, OU: ou, Status: "CURRENT", Detailed: "SUCCEEDED"})
					}
				}
			}
			ls.Regions = append(ls.Regions, d.Regions...)
		case plan.CreateStack:
			tmpl, _ := ResolveKeys([]byte(c.After), d.ManagedKeys, keys)
			l.Stacks = append(l.Stacks, &LiveStack{Name: d.Stack, Region: d.Region, Status: "CREATE_COMPLETE", Template: string(tmpl), Parameters: d.Parameters, Tags: c.Tags})
		}
	}
	return l
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
