package policy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// homes are constants that several packages need, with the one file that
// declares each. Spelling one out elsewhere lets the copies drift apart
// (issue 9: the child-control key, BACKUP_POLICY and the 10-policy limit
// were declared in several packages).
var homes = map[string]string{
	"BACKUP_POLICY":                          "internal/policy/policy.go",
	"@@operators_allowed_for_child_policies": "internal/inherit/operators.go",
}

// TestConstantsHaveOneHome fails on a string literal of a homed constant
// outside its home in the production and test-data code, except in a list
// of policy type names (org.PolicyTypes, effective's --policy-type), where
// the name is one of many.
func TestConstantsHaveOneHome(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		inList := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if cl, ok := n.(*ast.CompositeLit); ok && typeNames(cl) {
				for _, e := range cl.Elts {
					inList[e.(*ast.BasicLit)] = true
				}
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			home, homed := homes[v]
			switch {
			case !homed:
			case rel == home:
				found++
			case !inList[lit]:
				t.Errorf("%s: %q is spelt out; use the constant declared in %s", fset.Position(lit.Pos()), v, home)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen the homes themselves, or it checked nothing.
	if found != len(homes) {
		t.Errorf("found %d of the %d homes: the walk missed files", found, len(homes))
	}
}

// typeNames reports whether cl is a list of two or more policy type names.
func typeNames(cl *ast.CompositeLit) bool {
	if len(cl.Elts) < 2 {
		return false
	}
	for _, e := range cl.Elts {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || !strings.HasSuffix(lit.Value, `_POLICY"`) && !strings.Contains(lit.Value, `_POLICY_`) {
			return false
		}
	}
	return true
}
