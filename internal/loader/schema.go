package loader

import (
	"path"
	"regexp"
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
	items := build.NewContext().NewInstance(SchemaDir, nil)
	var files []*ast.File
	sources, err := schema.Files()
	if err != nil {
		panic("internal error: reading embedded schema: " + err.Error())
	}
	for _, src := range sources {
		data := src.Data
		name := path.Join(SchemaDir, src.Name)
		f, err := parser.ParseFile(name, data, parser.ParseComments)
		if err != nil {
			panic("internal error: embedded schema does not parse: " + err.Error())
		}
		s.notes.add(f)
		files = append(files, f)
		if err := inst.AddSyntax(f); err != nil {
			panic("internal error: embedded schema: " + err.Error())
		}
		inline := inlineLeaves(data)
		if f, err = parser.ParseFile(name, inline, parser.ParseComments); err != nil {
			panic("internal error: embedded schema with leaves inlined does not parse: " + err.Error())
		}
		if err := items.AddSyntax(f); err != nil {
			panic("internal error: embedded schema with leaves inlined: " + err.Error())
		}
	}
	s.notes.indexKeys(files)
	s.v = cuecontext.New().BuildInstance(inst)
	if err := s.v.Validate(cue.Definitions(true), cue.Hidden(true)); err != nil {
		panic("internal error: embedded schema does not compile: " + err.Error())
	}
	s.items = cuecontext.New().BuildInstance(items)
	if err := s.items.Validate(cue.Definitions(true), cue.Hidden(true)); err != nil {
		panic("internal error: embedded schema with leaves inlined does not compile: " + err.Error())
	}
	return s
})

// The schema writes each setting of a policy as a leaf, such as
// (#StrLeaf & {#T: #Schedule}).out: one place that says what the plain
// value and AWS's operator form of every setting are, and what the
// diagnostics are worded from (notes.go finds a setting's type in #T).
// CUE evaluates that as written, though: for each setting of each rule it
// instantiates the leaf's definition with #T, #O and out, then selects
// out, and at 500 policies that was about 40% of the evaluation (cue
// export of 100 generated policies: 2.5 s of CPU as written, 1.5 s
// inlined). checkItems, which only has to tell whether each item is
// valid and decode it, unifies items with a copy of the schema in which
// every leaf is replaced by the disjunction it stands for; anything that
// does not validate there is evaluated again with the schema as written,
// which words the diagnostics. The two accept the same values:
// TestInlinedLeaves holds the expansions to the definitions in common.cue.
var leafExpansions = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\(#StrLeaf & \{#T: (.+?)\}\)\.out`), `((string & ($1)) | {#Node, "@@assign"?: string & ($1)})`},
	{regexp.MustCompile(`\(#IntLeaf & \{#T: (.+?)\}\)\.out`), `((int & ($1)) | {#Node, "@@assign"?: (int & ($1)) | =~"^-?[0-9]+$"})`},
	{regexp.MustCompile(`#BoolLeaf\.out`), `(bool | {#Node, "@@assign"?: bool | "true" | "false"})`},
	{regexp.MustCompile(`\(#ListLeaf & \{#E: (.+?)\}\)\.out`), `([...($1)] | {#Node, "@@assign"?: [...($1)], "@@append"?: [...($1)], "@@remove"?: [...($1)]})`},
}

// inlineLeaves returns a schema file's source with its leaves inlined.
func inlineLeaves(src []byte) []byte {
	for _, e := range leafExpansions {
		src = e.re.ReplaceAll(src, []byte(e.with))
	}
	return src
}

// embeddedSchema is the compiled schema and the index of its comments.
type embeddedSchema struct {
	v     cue.Value
	items cue.Value // v with its leaves inlined, for checkItems only
	notes *notes
}
