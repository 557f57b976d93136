package awstest

import (
	"context"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// OrgSpec describes a fixture organization.
type OrgSpec struct {
	// OUs are paths below the root such as "prod" and "prod/web"; missing
	// parents are created too.
	OUs []string
	// Accounts are member accounts, each placed in an OU path ("" is the
	// root).
	Accounts []AccountSpec
	// EnableBackupPolicies enables BACKUP_POLICY on the root.
	EnableBackupPolicies bool
	// ServiceAccess lists service principals to enable trusted access for,
	// such as backup.amazonaws.com.
	ServiceAccess []string
}

// AccountSpec is one member account of an OrgSpec.
type AccountSpec struct {
	Name string
	OU   string
}

// Org is a fixture organization created in moto.
type Org struct {
	ID         string
	RootID     string
	Management string
	// OUs maps each OU path to its id.
	OUs map[string]string
	// Accounts maps each account name to its id.
	Accounts map[string]string
}

// NewOrg creates an organization (all features) with the management account
// 123456789012, through the SDK.
func NewOrg(t T, srv *Server, spec OrgSpec) *Org {
	t.Helper()
	ctx := context.Background()
	c := organizations.NewFromConfig(srv.Config(t))
	must := func(err error, what string) {
		if err != nil {
			t.Helper()
			t.Fatalf("fixture organization: %s: %v", what, err)
		}
	}
	org, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll})
	must(err, "create organization")
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	must(err, "list roots")
	o := &Org{
		ID:         aws.ToString(org.Organization.Id),
		RootID:     aws.ToString(roots.Roots[0].Id),
		Management: aws.ToString(org.Organization.MasterAccountId),
		OUs:        map[string]string{"": ""},
		Accounts:   map[string]string{},
	}
	o.OUs[""] = o.RootID
	paths := append([]string(nil), spec.OUs...)
	for _, a := range spec.Accounts {
		paths = append(paths, a.OU)
	}
	var all []string
	for _, p := range paths {
		for p = strings.Trim(p, "/"); p != "" && p != "."; p = path.Dir(p) {
			all = append(all, p)
		}
	}
	// Parents sort before their children.
	sort.Strings(all)
	for _, p := range all {
		if _, ok := o.OUs[p]; ok {
			continue
		}
		parent := path.Dir(p)
		if parent == "." {
			parent = ""
		}
		out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
			ParentId: aws.String(o.OUs[parent]), Name: aws.String(path.Base(p)),
		})
		must(err, "create OU "+p)
		o.OUs[p] = aws.ToString(out.OrganizationalUnit.Id)
	}
	for _, a := range spec.Accounts {
		out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(a.Name), Email: aws.String(a.Name + "@example.com"),
		})
		must(err, "create account "+a.Name)
		id := aws.ToString(out.CreateAccountStatus.AccountId)
		o.Accounts[a.Name] = id
		if ou := strings.Trim(a.OU, "/"); ou != "" {
			_, err := c.MoveAccount(ctx, &organizations.MoveAccountInput{
				AccountId: aws.String(id), SourceParentId: aws.String(o.RootID), DestinationParentId: aws.String(o.OUs[ou]),
			})
			must(err, "move account "+a.Name)
		}
	}
	if spec.EnableBackupPolicies {
		_, err := c.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{
			RootId: aws.String(o.RootID), PolicyType: types.PolicyTypeBackupPolicy,
		})
		must(err, "enable BACKUP_POLICY")
	}
	for _, p := range spec.ServiceAccess {
		_, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
		must(err, "enable service access "+p)
	}
	return o
}
