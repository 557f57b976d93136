package render

import (
	"fmt"
	"strings"

	"github.com/orgbackup/orgbackup/internal/baseline"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/org"
)

// howText says in words how a baseline reaches accounts.
func howText(v baseline.Via) string {
	switch v.How {
	case baseline.ViaManagement:
		return fmt.Sprintf("%q as stacks in the management account", v.Baseline)
	case baseline.ViaExisting:
		return fmt.Sprintf("%q, existing (not deployed by orgbackup)", v.Baseline)
	}
	return fmt.Sprintf("%q through its StackSets", v.Baseline)
}

func viaText(vs []baseline.Via) string {
	var out []string
	for _, v := range vs {
		out = append(out, howText(v))
	}
	return strings.Join(out, ", ")
}

func entityLabel(e *org.Entity, path string) string {
	if e.Name == "" {
		return fmt.Sprintf("%s (%s)", e.ID, parentPath(path))
	}
	return fmt.Sprintf("%s %s (%s)", e.ID, e.Name, parentPath(path))
}

// deploymentText describes how one baseline is deployed.
func deploymentText(d baseline.Deployment) string {
	var what []string
	if d.Role != "" {
		what = append(what, "role "+d.Role)
	}
	if d.Vault != "" {
		v := "vault " + d.Vault + " in " + strings.Join(d.Regions, ", ")
		if d.ManagedKey {
			v += " (orgbackup's KMS key)"
		}
		what = append(what, v)
	}
	s := fmt.Sprintf("baseline %q: %s", d.Name, strings.Join(what, ", "))
	switch {
	case d.Existing:
		return s + ": existing, not deployed by orgbackup"
	case len(d.StackSets) == 0 && !d.ManagementStacks:
		return s + ": deployed nowhere (no target in the organization, or only the management account and no policy reaches it)"
	}
	var how []string
	if len(d.StackSets) > 0 {
		how = append(how, fmt.Sprintf("StackSets %s to %s, auto-deployment on", strings.Join(d.StackSets, ", "), strings.Join(d.Targets, ", ")))
	}
	if d.ManagementStacks {
		how = append(how, "stacks in the management account")
	}
	return s + ": " + strings.Join(how, "; ")
}

// WriteCoverage writes how every account a policy reaches gets its role and
// vaults, as text: the section validate --org, preview and plan end with.
func WriteCoverage(b *strings.Builder, o *org.Org, c *baseline.Coverage, st Style) {
	if c == nil || len(c.Baselines) == 0 && len(c.Groups) == 0 && len(c.Uncovered) == 0 {
		return
	}
	fmt.Fprintf(b, "%s\n", st.Bold("How accounts get their backup role and vaults:"))
	for _, d := range c.Baselines {
		fmt.Fprintf(b, "  %s\n", oneLine(deploymentText(d)))
	}
	for _, g := range c.Groups {
		fmt.Fprintf(b, "  %s %s from baseline %s:\n", st.Green("✓"), plural(len(g.Accounts), "account", "accounts"), oneLine(viaText(g.Via)))
		for i, a := range g.Accounts {
			if i == maxListed {
				fmt.Fprintf(b, "      … and %d more\n", len(g.Accounts)-maxListed)
				break
			}
			fmt.Fprintf(b, "      %s\n", oneLine(entityLabel(a, o.Path(a))))
		}
	}
	if len(c.Uncovered) > 0 {
		fmt.Fprintf(b, "  %s %s reached by a policy and covered by no baseline (their backups fail):\n", st.Red("✗"), plural(len(c.Uncovered), "account", "accounts"))
		for i, a := range c.Uncovered {
			if i == maxListed {
				fmt.Fprintf(b, "      … and %d more\n", len(c.Uncovered)-maxListed)
				break
			}
			mgmt := ""
			if a == c.Management {
				mgmt = " — the management account: StackSets never deploy there; add it (or the root) to a baseline's targets and orgbackup deploys stacks"
			}
			fmt.Fprintf(b, "      %s%s\n", oneLine(entityLabel(a, o.Path(a))), mgmt)
		}
	}
	b.WriteByte('\n')
}

// CoverageMarkdown is WriteCoverage for Markdown views.
func CoverageMarkdown(b *strings.Builder, o *org.Org, c *baseline.Coverage) {
	if c == nil || len(c.Baselines) == 0 && len(c.Groups) == 0 && len(c.Uncovered) == 0 {
		return
	}
	b.WriteString("#### How accounts get their backup role and vaults\n\n")
	for _, d := range c.Baselines {
		fmt.Fprintf(b, "- %s\n", EscapeMarkdown(deploymentText(d)))
	}
	for _, g := range c.Groups {
		fmt.Fprintf(b, "- ✓ %s from baseline %s: %s\n", plural(len(g.Accounts), "account", "accounts"), EscapeMarkdown(viaText(g.Via)), accountCodes(o, g.Accounts))
	}
	if len(c.Uncovered) > 0 {
		fmt.Fprintf(b, "- ❌ %s reached by a policy and covered by no baseline: %s\n", plural(len(c.Uncovered), "account", "accounts"), accountCodes(o, c.Uncovered))
	}
	b.WriteByte('\n')
}

func accountCodes(o *org.Org, as []*org.Entity) string {
	var out []string
	for i, a := range as {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more", len(as)-maxListed))
			break
		}
		out = append(out, Code(entityLabel(a, o.Path(a))))
	}
	return strings.Join(out, ", ")
}

// CoverageJSON is the coverage as a JSON value: every account listed.
func CoverageJSON(c *baseline.Coverage) *doc.Node {
	type jsonVia struct {
		Baseline string `json:"baseline"`
		How      string `json:"how"`
	}
	type jsonGroup struct {
		Via      []jsonVia `json:"via"`
		Accounts []string  `json:"accounts"`
	}
	type jsonDeployment struct {
		Name             string   `json:"name"`
		Existing         bool     `json:"existing"`
		Role             string   `json:"role,omitempty"`
		Vault            string   `json:"vault,omitempty"`
		Regions          []string `json:"regions"`
		StackSets        []string `json:"stack_sets"`
		Targets          []string `json:"targets"`
		ManagementStacks bool     `json:"management_stacks"`
		ManagedKey       bool     `json:"managed_kms_key"`
	}
	out := struct {
		Baselines []jsonDeployment `json:"baselines"`
		Groups    []jsonGroup      `json:"groups"`
		Uncovered []string         `json:"uncovered"`
	}{Baselines: []jsonDeployment{}, Groups: []jsonGroup{}, Uncovered: []string{}}
	if c != nil {
		for _, d := range c.Baselines {
			jd := jsonDeployment{Name: d.Name, Existing: d.Existing, Role: d.Role, Vault: d.Vault, Regions: d.Regions, StackSets: d.StackSets, Targets: d.Targets,
				ManagementStacks: d.ManagementStacks, ManagedKey: d.ManagedKey}
			if jd.StackSets == nil {
				jd.StackSets = []string{}
			}
			if jd.Targets == nil {
				jd.Targets = []string{}
			}
			out.Baselines = append(out.Baselines, jd)
		}
		for _, g := range c.Groups {
			jg := jsonGroup{}
			for _, v := range g.Via {
				jg.Via = append(jg.Via, jsonVia{Baseline: v.Baseline, How: v.How})
			}
			for _, a := range g.Accounts {
				jg.Accounts = append(jg.Accounts, a.ID)
			}
			out.Groups = append(out.Groups, jg)
		}
		for _, a := range c.Uncovered {
			out.Uncovered = append(out.Uncovered, a.ID)
		}
	}
	return doc.MustFromStruct(out)
}
