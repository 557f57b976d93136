package loader

import (
	"io/fs"
	"path"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/orgbackup/orgbackup/schema"
)

// SchemaDir is how schema positions are printed: the schema ships inside the
// binary, and in this repository it lives in schema/.
const SchemaDir = "schema"

// compiledSchema is the embedded schema, parsed, compiled and indexed once
// per process. Every load, and every worker of a load, unifies the values
// of its own context with this one value: CUE v0.17 combines values of
// different contexts (cue.Context: "it is now OK to combine (for example
// with Value.Unify or Value.FillPath) values that were created from
// different contexts"), and a Value's methods may be called concurrently
// (cue.Value). The schema is evaluated completely here, before it is
// shared, so that workers only read it.
var compiledSchema = sync.OnceValue(func() *embeddedSchema {
	s := &embeddedSchema{notes: newNotes()}
	inst := build.NewContext().NewInstance(SchemaDir, nil)
	var files []*ast.File
	entries, err := fs.ReadDir(schema.FS, ".")
	if err != nil {
		panic("internal error: reading embedded schema: " + err.Error())
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		data, err := fs.ReadFile(schema.FS, e.Name())
		if err != nil {
			panic("internal error: reading embedded schema: " + err.Error())
		}
		name := path.Join(SchemaDir, e.Name())
		f, err := parser.ParseFile(name, data, parser.ParseComments)
		if err != nil {
			panic("internal error: embedded schema does not parse: " + err.Error())
		}
		s.notes.add(f)
		files = append(files, f)
		if err := inst.AddSyntax(f); err != nil {
			panic("internal error: embedded schema: " + err.Error())
		}
	}
	s.notes.indexKeys(files)
	s.v = cuecontext.New().BuildInstance(inst)
	if err := s.v.Validate(cue.Definitions(true), cue.Hidden(true)); err != nil {
		panic("internal error: embedded schema does not compile: " + err.Error())
	}
	return s
})

// embeddedSchema is the compiled schema and the index of its comments.
type embeddedSchema struct {
	v     cue.Value
	notes *notes
}
