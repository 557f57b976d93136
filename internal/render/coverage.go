package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// howText says in words how a baseline reaches accounts.
func howText(v plan.Via) string {
	switch v.How {
	case plan.ViaManagement:
		return fmt.Sprintf("%q as stacks in the management account", v.Baseline)
	case plan.ViaExisting:
		return fmt.Sprintf("%q, existing (not deployed by orgbackup)", v.Baseline)
	}
	return fmt.Sprintf("%q through its StackSets", v.Baseline)
}

func viaText(vs []plan.Via) string {
	var out []string
	for _, v := range vs {
		out = append(out, howText(v))
	}
	return strings.Join(out, ", ")
}

func coverageAccount(a plan.Account) string {
	if a.Name == "" {
		return fmt.Sprintf("%s (%s)", a.ID, parentPath(a.Path))
	}
	return fmt.Sprintf("%s %s (%s)", a.ID, a.Name, parentPath(a.Path))
}

// deploymentText describes how one baseline is deployed.
func deploymentText(d plan.CoverageBaseline) string {
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
func WriteCoverage(b *strings.Builder, c *plan.Coverage, st Style) {
	if c == nil || len(c.Baselines) == 0 && len(c.Groups) == 0 && len(c.Uncovered) == 0 {
		return
	}
	fmt.Fprintf(b, "%s\n", st.Bold("How accounts get their backup role and vaults:"))
	for _, d := range c.Baselines {
		fmt.Fprintf(b, "  %s\n", Inert(deploymentText(d)))
	}
	for _, g := range c.Groups {
		fmt.Fprintf(b, "  %s %s from baseline %s:\n", st.Green("✓"), plural(len(g.Accounts), "account", "accounts"), Inert(viaText(g.Via)))
		for i, a := range g.Accounts {
			if i == maxListed {
				fmt.Fprintf(b, "      … and %d more\n", len(g.Accounts)-maxListed)
				break
			}
			fmt.Fprintf(b, "      %s\n", Inert(coverageAccount(a)))
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
			if a.ID == c.Management {
				mgmt = " — the management account: StackSets never deploy there; add it (or the root) to a baseline's targets and orgbackup deploys stacks"
			}
			fmt.Fprintf(b, "      %s%s\n", Inert(coverageAccount(a)), mgmt)
		}
	}
}

// CoverageMarkdown is WriteCoverage for Markdown views.
func CoverageMarkdown(b *strings.Builder, c *plan.Coverage) {
	if c == nil || len(c.Baselines) == 0 && len(c.Groups) == 0 && len(c.Uncovered) == 0 {
		return
	}
	b.WriteString("**How accounts get their backup role and vaults**\n\n")
	for _, d := range c.Baselines {
		fmt.Fprintf(b, "- %s\n", EscapeMarkdown(deploymentText(d)))
	}
	for _, g := range c.Groups {
		fmt.Fprintf(b, "- ✓ %s from baseline %s: %s\n", plural(len(g.Accounts), "account", "accounts"), EscapeMarkdown(viaText(g.Via)), accountCodes(g.Accounts))
	}
	if len(c.Uncovered) > 0 {
		fmt.Fprintf(b, "- ❌ %s reached by a policy and covered by no baseline: %s\n", plural(len(c.Uncovered), "account", "accounts"), accountCodes(c.Uncovered))
	}
	b.WriteByte('\n')
}

func accountCodes(as []plan.Account) string {
	var out []string
	for i, a := range as {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more", len(as)-maxListed))
			break
		}
		out = append(out, Code(coverageAccount(a)))
	}
	return strings.Join(out, ", ")
}

// CoverageJSON is the coverage as a JSON value: every account listed.
func CoverageJSON(c *plan.Coverage) *doc.Node { return doc.MustFromStruct(c) }

// writeCoverage writes what appendNested(nil, CoverageJSON(c).Indent(),
// prefix) returns, writing the account lists directly: they name every
// account the policies reach, 100,000 in a large organization, and going
// through encoding/json and a tree took a second. The lists are rendered
// in chunks on every core and written as they are done: gathered in one
// buffer first, they were 100 MB of allocation at 100,000 accounts. The
// small parts still go through CoverageJSON's path.
func writeCoverage(out io.Writer, c *plan.Coverage, prefix string) {
	p1 := prefix + "  "
	io.WriteString(out, "{\n"+p1+`"baselines": `)
	out.Write(appendNested(nil, doc.MustFromStruct(c.Baselines).Indent(), p1))
	io.WriteString(out, ",\n"+p1+`"groups": `)
	if len(c.Groups) == 0 {
		io.WriteString(out, "[]")
	} else {
		p2, p3 := p1+"  ", p1+"    "
		io.WriteString(out, "[")
		for i, g := range c.Groups {
			if i > 0 {
				io.WriteString(out, ",")
			}
			io.WriteString(out, "\n"+p2+"{\n"+p3+`"accounts": `)
			writeAccounts(out, g.Accounts, p3)
			io.WriteString(out, ",\n"+p3+`"via": `)
			out.Write(appendNested(nil, doc.MustFromStruct(g.Via).Indent(), p3))
			io.WriteString(out, "\n"+p2+"}")
		}
		io.WriteString(out, "\n"+p1+"]")
	}
	if c.Management != "" {
		io.WriteString(out, ",\n"+p1+`"management": `)
		out.Write(doc.AppendString(nil, c.Management))
	}
	io.WriteString(out, ",\n"+p1+`"uncovered": `)
	writeAccounts(out, c.Uncovered, p1)
	io.WriteString(out, "\n"+prefix+"}")
}

// writeAccounts writes a list of accounts as Indent writes it, nested at
// a line indented by prefix.
func writeAccounts(out io.Writer, as []plan.Account, prefix string) {
	if len(as) == 0 {
		io.WriteString(out, "[]")
		return
	}
	// The lines around the values, joined once rather than for each of
	// 100,000 accounts.
	p1, p2 := prefix+"  ", prefix+"    "
	open, name, path, end := "\n"+p1+"{\n"+p2+`"id": `, ",\n"+p2+`"name": `, ",\n"+p2+`"path": `, "\n"+p1+"}"
	io.WriteString(out, "[")
	writeChunks(out, len(as), 2048, func(dst []byte, i int) []byte {
		a := &as[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, open...)
		dst = doc.AppendString(dst, a.ID)
		if a.Name != "" {
			dst = append(dst, name...)
			dst = doc.AppendString(dst, a.Name)
		}
		dst = append(dst, path...)
		dst = doc.AppendString(dst, a.Path)
		return append(dst, end...)
	})
	io.WriteString(out, "\n"+prefix+"]")
}
