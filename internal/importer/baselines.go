package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// Existing is a baseline that declares a role or vault the imported
// policies name as existing: an organization that adopts orgbackup has
// them already, in every account its policies reach, and orgbackup must
// neither create nor delete them (validate then accepts the names, and
// doctor and status check them).
type Existing struct {
	Name      string
	RoleName  string
	VaultName string
	Targets   []string
	Regions   []string
	// Policies are the imported policies that name them.
	Policies []string
}

// ProposeExisting proposes existing-resource baselines for the roles and
// vaults the definitions name: in the member accounts the policies reach
// ($account or a plain name), and copy destinations in one account of the
// organization (a central vault, targeted at that account). A role and a
// vault named by exactly the same policies go into one baseline; anything
// else gets its own.
// known reports names a baseline of the repository provides already.
func ProposeExisting(defs []Definition, known func(kind backup.RefKind, name string) bool) []Existing {
	type use struct {
		name                       string
		policies, targets, regions []string
	}
	roles, vaults, central := map[string]*use{}, map[string]*use{}, map[string]*use{}
	for _, d := range defs {
		if d.Plans == nil {
			continue
		}
		wrapped := doc.NewObject(doc.Pos{})
		wrapped.Set("plans", d.Plans)
		for _, ref := range backup.References(backup.Unwrap(wrapped)) {
			if known != nil && known(ref.Kind, ref.Name) || ref.Account != "" && ref.Kind == backup.Role {
				continue
			}
			m, key, targets := vaults, ref.Name, d.Targets
			switch {
			case ref.Kind == backup.Role:
				m = roles
			case ref.Account != "":
				// A copy destination in one account (a central vault):
				// it exists there, in the ARN's Region.
				m, key, targets = central, ref.Name+"\x00"+ref.Account, []string{ref.Account}
			}
			u := m[key]
			if u == nil {
				u = &use{name: ref.Name}
				m[key] = u
			}
			u.policies = appendNew(u.policies, d.Name)
			u.targets = appendNew(u.targets, targets...)
			u.regions = appendNew(u.regions, ref.Regions...)
		}
	}
	var out []Existing
	paired := map[string]bool{}
	for _, v := range slices.Sorted(maps.Keys(vaults)) {
		e := Existing{VaultName: v, Targets: sorted(vaults[v].targets), Regions: sorted(vaults[v].regions), Policies: sorted(vaults[v].policies)}
		for _, r := range slices.Sorted(maps.Keys(roles)) {
			if !paired[r] && slices.Equal(sorted(roles[r].policies), e.Policies) && slices.Equal(sorted(roles[r].targets), e.Targets) {
				e.RoleName, paired[r] = r, true
				break
			}
		}
		out = append(out, e)
	}
	for _, k := range slices.Sorted(maps.Keys(central)) {
		u := central[k]
		out = append(out, Existing{VaultName: u.name, Targets: sorted(u.targets), Regions: sorted(u.regions), Policies: sorted(u.policies)})
	}
	for _, r := range slices.Sorted(maps.Keys(roles)) {
		if !paired[r] {
			u := roles[r]
			// A role needs a Region for the schema; IAM is global, so the
			// Region does not matter for an existing one.
			regions := sorted(u.regions)
			if len(regions) == 0 {
				regions = []string{"us-east-1"}
			}
			out = append(out, Existing{RoleName: r, Targets: sorted(u.targets), Regions: regions, Policies: sorted(u.policies)})
		}
	}
	used := map[string]bool{}
	for i := range out {
		base := out[i].VaultName
		if base == "" {
			base = out[i].RoleName
		}
		name := "existing-" + safeName(base)
		name = name[:min(len(name), 40)]
		for n := 2; used[name]; n++ {
			suffix := fmt.Sprintf("-%d", n)
			name = name[:min(len(name), 40-len(suffix))] + suffix
		}
		used[name] = true
		out[i].Name = name
	}
	return out
}

// ExistingSource renders the proposed baselines as a CUE file of package
// pkg, each with a comment saying where it comes from and what it means.
func ExistingSource(pkg string, bs []Existing) ([]byte, error) {
	out := []byte("package " + pkg + "\n")
	for _, b := range bs {
		body := &ast.StructLit{}
		body.Elts = append(body.Elts, field("targets", stringList(b.Targets)), field("regions", stringList(b.Regions)))
		if b.RoleName != "" {
			body.Elts = append(body.Elts, field("role_name", ast.NewString(b.RoleName)))
		}
		if b.VaultName != "" {
			body.Elts = append(body.Elts, field("vault_name", ast.NewString(b.VaultName)))
		}
		body.Elts = append(body.Elts, field("existing", ast.NewBool(true)))
		top := field("baselines", &ast.StructLit{Elts: []ast.Decl{&ast.Field{Label: ast.NewString(b.Name), Value: body}}})
		ast.AddComment(top, &ast.CommentGroup{Doc: true, List: []*ast.Comment{
			{Text: fmt.Sprintf("// Named by %s; proposed by orgbackup import --from-org.", strings.Join(quoteAll(b.Policies), ", "))},
			{Text: "// existing: true says they exist already in every account and Region below, so"},
			{Text: "// orgbackup neither creates nor deletes them; orgbackup doctor checks one account."},
			{Text: "// Remove existing: true to have orgbackup deploy them with StackSets instead."},
		}})
		text, err := format.Node(&ast.File{Decls: []ast.Decl{top}}, format.Simplify())
		if err != nil {
			return nil, err
		}
		out = append(append(out, '\n'), text...)
	}
	return out, nil
}

func stringList(ss []string) *ast.ListLit {
	l := &ast.ListLit{}
	for _, s := range ss {
		l.Elts = append(l.Elts, ast.NewString(s))
	}
	return l
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// safeName makes a baseline name (letters, digits, hyphens) of a role or
// vault name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

func appendNew(s []string, xs ...string) []string {
	for _, x := range xs {
		if !slices.Contains(s, x) {
			s = append(s, x)
		}
	}
	return s
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
