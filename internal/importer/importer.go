// Package importer turns existing Organizations backup policy documents
// (AWS operator form, as the console and the API hold them) into author-form
// CUE definitions. Building the imported definitions reproduces the original
// document: a setting is simplified to its plain value only when the
// generator turns that value back into exactly what AWS had.
package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/cuesyntax"
	"github.com/orgbackup/orgbackup/internal/doc"
)

// AuthorForm converts a policy document's "plans" object to author form.
func AuthorForm(plans *doc.Node) *doc.Node { return simplify(plans, backup.Plans) }

func simplify(n *doc.Node, s *backup.Spec) *doc.Node {
	return backup.MapSettings(n, s, func(n *doc.Node, s *backup.Spec) *doc.Node {
		v, ok := onlyAssign(n)
		if !ok {
			return n.Clone()
		}
		if s.Kind == backup.Leaf {
			if p, ok := plain(v, s.Type); ok {
				return p
			}
			return n.Clone()
		}
		if v.Kind != doc.Array {
			return n.Clone()
		}
		items := make([]*doc.Node, len(v.Items))
		for i, it := range v.Items {
			p, ok := plain(it, s.Type)
			if !ok {
				return n.Clone()
			}
			items[i] = p
		}
		return doc.NewArray(v.Pos, items...)
	})
}

// onlyAssign returns v for {"@@assign": v} with no other operator.
func onlyAssign(n *doc.Node) (*doc.Node, bool) {
	if n.Kind != doc.Object || len(n.Fields) != 1 || n.Fields[0].Key != "@@assign" {
		return nil, false
	}
	return n.Fields[0].Value, true
}

var canonicalInt = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)

// plain returns the author-form value that the generator renders back as
// exactly v, or false if there is none (a JSON number or boolean where AWS
// usually has strings, or digits with leading zeros).
func plain(v *doc.Node, t backup.Type) (*doc.Node, bool) {
	if v.Kind != doc.String {
		return nil, false
	}
	switch t {
	case backup.Int:
		if canonicalInt.MatchString(v.Text) {
			return &doc.Node{Kind: doc.Number, Text: v.Text, Pos: v.Pos}, true
		}
		return nil, false
	case backup.Bool:
		if v.Text == "true" || v.Text == "false" {
			return doc.NewBool(v.Text == "true", v.Pos), true
		}
		return nil, false
	}
	return v.Clone(), true
}

// Partial reports whether a policy document (AWS operator form) can only
// be a refinement of policies attached above it: it leaves out something
// AWS requires of an effective policy, which only a parent policy could
// supply (a plan's regions, rules or selections, a rule's vault, a
// selection's role). reasons says what, for the imported file's comment.
//
// Only what a parent could supply counts. A value AWS rejects, an unknown
// key or a rule without a schedule is a problem of the document itself:
// marking it partial would switch off the completeness checks for good
// and call a complete policy a refinement, so it stays complete and
// validate reports the problem.
func Partial(d *doc.Node) (partial bool, reasons []string) {
	for _, v := range backup.Check(backup.Unwrap(d), backup.Complete) {
		switch v.Code {
		case backup.KeyRequired, backup.ElementsTooFew:
			reasons = append(reasons, v.Message)
		}
	}
	return len(reasons) > 0, reasons
}

// Definition is one imported policy.
type Definition struct {
	Name        string
	Source      string // the file it came from, for the header comment
	Description string
	Targets     []string
	Partial     bool
	// Why says what makes a partial policy partial, for its comment.
	Why []string
	// Adopt marks a live policy orgbackup does not own yet, so the next
	// apply takes it over (see the definition's adopt field).
	Adopt bool
	Plans *doc.Node // author form
}

// Source renders d as a CUE file of package pkg.
func Source(pkg string, d Definition) ([]byte, error) {
	body := &ast.StructLit{}
	if d.Description != "" {
		body.Elts = append(body.Elts, field("description", ast.NewString(d.Description)))
	}
	targets := &ast.ListLit{}
	for _, t := range d.Targets {
		targets.Elts = append(targets.Elts, ast.NewString(t))
	}
	tf := field("targets", targets)
	if len(d.Targets) == 0 {
		ast.AddComment(tf, &ast.CommentGroup{Doc: true, List: []*ast.Comment{{Text: `// TODO: where the policy is attached, e.g. ["Root"] or ["Root/Workloads/Prod"].`}}})
	}
	body.Elts = append(body.Elts, tf)
	if d.Partial {
		pf := field("partial", ast.NewBool(true))
		cg := &ast.CommentGroup{Doc: true, List: []*ast.Comment{{Text: "// The document leaves out what a policy attached above it must supply:"}}}
		const shown = 5
		for i, why := range d.Why {
			if i == shown {
				cg.List = append(cg.List, &ast.Comment{Text: fmt.Sprintf("// and %d more.", len(d.Why)-shown)})
				break
			}
			cg.List = append(cg.List, &ast.Comment{Text: "// - " + strings.ReplaceAll(strings.ReplaceAll(why, "\n", " "), "\r", " ")})
		}
		ast.AddComment(pf, cg)
		body.Elts = append(body.Elts, pf)
	}
	if d.Adopt {
		af := field("adopt", ast.NewBool(true))
		ast.AddComment(af, &ast.CommentGroup{Doc: true, List: []*ast.Comment{{Text: "// The policy exists in the organization and is not orgbackup's yet: the next apply tags it as orgbackup's."}}})
		body.Elts = append(body.Elts, af)
	}
	plans := d.Plans
	if plans == nil {
		plans = doc.NewObject(doc.Pos{})
	}
	body.Elts = append(body.Elts, field("plans", expr(plans)))
	top := field("policies", &ast.StructLit{Elts: []ast.Decl{&ast.Field{Label: ast.NewString(d.Name), Value: body}}})
	// The file name is quoted when it needs to be: a line break in it would
	// end the comment and put whatever follows into the definitions.
	src := d.Source
	if strconv.Quote(src) != `"`+src+`"` {
		src = strconv.Quote(src)
	}
	ast.AddComment(top, &ast.CommentGroup{Doc: true, List: []*ast.Comment{{Text: fmt.Sprintf("// Imported from %s by orgbackup import.", src)}}})
	f := &ast.File{Decls: []ast.Decl{&ast.Package{Name: ast.NewIdent(pkg)}, top}}
	return format.Node(f, format.Simplify())
}

func field(label string, v ast.Expr) *ast.Field {
	return &ast.Field{Label: labelOf(label), Value: v}
}

func labelOf(k string) ast.Label { return cuesyntax.Label(k) }

func expr(n *doc.Node) ast.Expr { return cuesyntax.Expr(n, nil) }
