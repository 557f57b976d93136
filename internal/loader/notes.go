package loader

import (
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// note is what the schema's comments say about one of its declarations:
//
//	//error: <text>       what the constraint requires. It is the hint of a
//	                      failed value, and the message of a failed check.
//	//hint: <text>        how to fix a failed check (a hidden field).
//	//error-at: <path>    where a failed check points, relative to the
//	                      struct that declares it.
type note struct {
	msg, hint, at string
	// label is the label of the declaration, to tell a note about the
	// setting that failed from one about a struct around it.
	label string
}

// keyPattern is the constraint on the keys of a map in the schema, such as
// [#RuleName] under rules.
type keyPattern struct {
	def  string // the definition the keys must satisfy, e.g. "#RuleName"
	note note   // the //error: text for a key that does not
}

// notes indexes the schema's comments.
type notes struct {
	byLine map[string]map[int]note // file → line of the declaration → note
	defs   map[string]note         // definition ("#RuleName") → note
	checks map[string]note         // hidden check ("_has_rule") → note
	keys   map[string]keyPattern   // label of a map ("rules") → its key constraint
	// settings maps a setting's label to its note, or to the note of the
	// definition its value must satisfy (schedule_expression → #Schedule),
	// where all declarations of the label agree. A type error (a list
	// for a string) fails before the definition is reached, so its
	// positions do not lead to the note.
	settings map[string]note
}

func newNotes() *notes {
	return &notes{byLine: map[string]map[int]note{}, defs: map[string]note{}, checks: map[string]note{}, keys: map[string]keyPattern{}, settings: map[string]note{}}
}

// add indexes one schema file.
func (ns *notes) add(f *ast.File) {
	lines := map[int]note{}
	ns.byLine[f.Filename] = lines
	ast.Walk(f, func(n ast.Node) bool {
		nt, ok := noteOf(n)
		if !ok {
			return true
		}
		if fd, ok := n.(*ast.Field); ok {
			if id, ok := fd.Label.(*ast.Ident); ok {
				nt.label = id.Name
			} else if name, ok := labelName(fd.Label); ok {
				nt.label = name
			}
		}
		lines[n.Pos().Line()] = nt
		if fd, ok := n.(*ast.Field); ok {
			if id, ok := fd.Label.(*ast.Ident); ok {
				switch {
				case strings.HasPrefix(id.Name, "#"):
					ns.defs[id.Name] = nt
				case strings.HasPrefix(id.Name, "_"):
					ns.checks[id.Name] = nt
				}
			}
		}
		return true
	}, nil)
}

// indexKeys records, for every map of the schema, which definition its keys
// must satisfy. A key that does not is reported as an invalid name, not as
// an unknown key: "rules: "my rule"" is a bad rule name, not a typo of a
// setting. It runs after every file is added, as a map may be declared
// through a definition in another file (plans!: #Plans).
func (ns *notes) indexKeys(files []*ast.File) {
	byDef := map[string]keyPattern{}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok {
				if id, ok := fd.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
					if kp, ok := ns.patternOf(fd.Value); ok {
						byDef[id.Name] = kp
					}
				}
			}
		}
	}
	ambiguous := map[string]bool{}
	for _, f := range files {
		ast.Walk(f, func(n ast.Node) bool {
			fd, ok := n.(*ast.Field)
			if !ok {
				return true
			}
			label, ok := labelName(fd.Label)
			if !ok || strings.HasPrefix(label, "#") {
				return true
			}
			// A required declaration's note (schedule_expression!: _) is
			// about presence, not about the value.
			if nt, ok := ns.settingNote(fd); ok && !ambiguous[label] && fd.Constraint != token.NOT {
				if prev, seen := ns.settings[label]; seen && prev.msg != nt.msg {
					ambiguous[label] = true
					delete(ns.settings, label)
				} else {
					ns.settings[label] = nt
				}
			}
			if _, done := ns.keys[label]; done {
				return true
			}
			if kp, ok := ns.patternOf(fd.Value); ok {
				ns.keys[label] = kp
			} else if id, ok := fd.Value.(*ast.Ident); ok {
				if kp, ok := byDef[id.Name]; ok {
					ns.keys[label] = kp
				}
			}
			return true
		}, nil)
	}
}

// settingNote is the note of a field, or else of the definition its value
// must satisfy: the value itself (vault_name?: #VaultName) or the type of
// a leaf ((#StrLeaf & {#T: #Schedule}).out).
func (ns *notes) settingNote(fd *ast.Field) (note, bool) {
	if nt, ok := noteOf(fd); ok && nt.msg != "" {
		return nt, true
	}
	var find func(x ast.Expr) (note, bool)
	find = func(x ast.Expr) (note, bool) {
		switch x := x.(type) {
		case *ast.Ident:
			nt, ok := ns.defs[x.Name]
			return nt, ok && nt.msg != ""
		case *ast.SelectorExpr:
			return find(x.X)
		case *ast.ParenExpr:
			return find(x.X)
		case *ast.BinaryExpr:
			if x.Op != token.AND {
				return note{}, false
			}
			if nt, ok := find(x.X); ok {
				return nt, true
			}
			return find(x.Y)
		case *ast.StructLit:
			for _, d := range x.Elts {
				if f, ok := d.(*ast.Field); ok {
					if id, ok := f.Label.(*ast.Ident); ok && (id.Name == "#T" || id.Name == "#E") {
						return find(f.Value)
					}
				}
			}
		}
		return note{}, false
	}
	return find(fd.Value)
}

// patternOf finds a pattern constraint [#Def]: ... in a struct literal.
func (ns *notes) patternOf(x ast.Expr) (keyPattern, bool) {
	s, ok := x.(*ast.StructLit)
	if !ok {
		return keyPattern{}, false
	}
	for _, d := range s.Elts {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		l, ok := fd.Label.(*ast.ListLit)
		if !ok || len(l.Elts) != 1 {
			continue
		}
		id, ok := l.Elts[0].(*ast.Ident)
		if !ok || !strings.HasPrefix(id.Name, "#") {
			continue
		}
		kp := keyPattern{def: id.Name, note: ns.defs[id.Name]}
		if nt, ok := noteOf(fd); ok {
			kp.note = nt
		}
		return kp, true
	}
	return keyPattern{}, false
}

// noteOf reads the directives in the doc comments of a node.
func noteOf(n ast.Node) (note, bool) {
	var nt note
	var msg []string
	found := false
	for _, cg := range ast.Comments(n) {
		if !cg.Doc {
			continue
		}
		for _, c := range cg.List {
			switch {
			case strings.HasPrefix(c.Text, "//error:"):
				msg = append(msg, strings.TrimSpace(strings.TrimPrefix(c.Text, "//error:")))
			case strings.HasPrefix(c.Text, "//hint:"):
				nt.hint = strings.TrimSpace(strings.TrimPrefix(c.Text, "//hint:"))
			case strings.HasPrefix(c.Text, "//error-at:"):
				nt.at = strings.TrimSpace(strings.TrimPrefix(c.Text, "//error-at:"))
			default:
				continue
			}
			found = true
		}
	}
	nt.msg = strings.Join(msg, " ")
	return nt, found
}

// labelName returns the name a label declares, for identifiers and string
// labels; ok is false for hidden fields, patterns and dynamic labels, which
// name no field a user can write.
func labelName(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "_") {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		s, err := unquoteLabel(l.Value)
		return s, err == nil
	}
	return "", false
}
