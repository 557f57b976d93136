package importer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/doc"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/inherit"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// The import promise: building what import writes gives back the document
// it read. AuthorForm simplifies a setting only when the generator turns
// the simple value back into exactly what AWS had; Source writes the author
// form as CUE that reads back as the same data.

// exampleDocument is the generated document of the example policy
// (policies/test-bk-policy.cue).
const exampleDocument = `{"plans":{"test-bk-plan":{"regions":{"@@assign":["ap-northeast-1"]},"rules":{"test-bk-rule":{"complete_backup_window_minutes":{"@@assign":"120"},"lifecycle":{"delete_after_days":{"@@assign":"7"}},"schedule_expression":{"@@assign":"cron(0 0/1 ? * * *)"},"start_backup_window_minutes":{"@@assign":"60"},"target_backup_vault_name":{"@@assign":"test-bk-vault"}}},"selections":{"tags":{"test-bk-resource":{"iam_role_arn":{"@@assign":"arn:aws:iam::$account:role/test-bk-role"},"tag_key":{"@@assign":"Backup"},"tag_value":{"@@assign":["On"]}}}}}}}`

type sample struct {
	name string
	doc  *doc.Node
}

// awsExamples are the policy documents of the AWS documentation examples
// kept for the inheritance engine: every "<level>/<policy>.json" file of
// internal/inherit/testdata/examples that is a backup policy.
func awsExamples(t *testing.T) []sample {
	t.Helper()
	files, err := filepath.Glob("../inherit/testdata/examples/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var out []sample
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range a.Files {
			if !strings.Contains(af.Name, "/") || !strings.HasSuffix(af.Name, ".json") {
				continue
			}
			n, err := doc.Parse(af.Name, af.Data)
			if err != nil {
				t.Fatalf("%s: %s: %v", f, af.Name, err)
			}
			if n.Kind != doc.Object || len(n.Fields) != 1 || n.Get("plans") == nil {
				continue // a tag or AI opt-out policy
			}
			out = append(out, sample{filepath.Base(f) + ":" + af.Name, n})
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d backup policy examples", len(out))
	}
	return out
}

// roundTrip builds the author form of d and returns the generated
// document.
func roundTrip(d *doc.Node) (author, built *doc.Node) {
	author = AuthorForm(d.Get("plans"))
	return author, generate.Document(&policy.Policy{Name: "p", Plans: author})
}

func checkRoundTrip(t *testing.T, s sample) {
	t.Helper()
	before := string(s.doc.Compact())
	author, built := roundTrip(s.doc)
	if got := string(built.Compact()); got != before {
		t.Errorf("%s: building the author form does not give back the document:\n got %s\nwant %s\nauthor form %s", s.name, got, before, author.Compact())
	}
	if string(s.doc.Compact()) != before {
		t.Errorf("%s: AuthorForm changed its input", s.name)
	}
	checkSource(t, s.name, author)
}

// checkSource renders author as a policy's plans and checks that the CUE
// parses, that each key is written as the same label (quoted unless it is
// an identifier CUE would read as a regular field), and that evaluating
// the file gives back the author form.
func checkSource(t *testing.T, name string, author *doc.Node) {
	t.Helper()
	const policyName = "imported policy"
	src, err := Source("orgbackup", Definition{Name: policyName, Source: "in.json", Targets: []string{"Root"}, Plans: author})
	if err != nil {
		t.Fatalf("%s: Source: %v", name, err)
	}
	f, err := parser.ParseFile("out.cue", src)
	if err != nil {
		t.Fatalf("%s: the output does not parse: %v\n%s", name, err, src)
	}
	file := &ast.StructLit{Elts: f.Decls}
	plans := fieldValue(t, fieldValue(t, fieldValue(t, file, "policies", false), policyName, true), "plans", false)
	checkLabels(t, name, plans, author, src)

	v := cuecontext.New().BuildFile(f)
	if err := v.Err(); err != nil {
		t.Fatalf("%s: the output does not evaluate: %v\n%s", name, err, src)
	}
	pv := v.LookupPath(cue.MakePath(cue.Str("policies"), cue.Str(policyName), cue.Str("plans")))
	j, err := pv.MarshalJSON()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	back, err := doc.Parse("", j)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !bytes.Equal(back.Compact(), author.Compact()) {
		t.Errorf("%s: the CUE reads back as\n %s\nnot\n %s\n%s", name, back.Compact(), author.Compact(), src)
	}
}

// fieldValue returns the value of the field labelled name in a struct
// literal; quoted says whether the label must be a string literal.
func fieldValue(t *testing.T, e ast.Expr, name string, quoted bool) ast.Expr {
	t.Helper()
	s, ok := e.(*ast.StructLit)
	if !ok {
		t.Fatalf("%T is not a struct, looking for %q", e, name)
	}
	for _, d := range s.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, _, _ := ast.LabelName(f.Label); n == name {
			if _, isString := f.Label.(*ast.BasicLit); quoted && !isString {
				t.Errorf("label %q is not quoted", name)
			}
			return f.Value
		}
	}
	t.Fatalf("no field %q", name)
	return nil
}

// checkLabels walks the CUE expression and the node together.
func checkLabels(t *testing.T, name string, e ast.Expr, n *doc.Node, src []byte) {
	t.Helper()
	switch n.Kind {
	case doc.Object:
		s, ok := e.(*ast.StructLit)
		if !ok || len(s.Elts) != len(n.Fields) {
			t.Errorf("%s: %s is written as %T with %d elements:\n%s", name, n.Compact(), e, len(s.Elts), src)
			return
		}
		for i, fl := range n.Fields {
			f := s.Elts[i].(*ast.Field)
			got, _, err := ast.LabelName(f.Label)
			if err != nil || got != fl.Key {
				t.Errorf("%s: key %q is written as label %q (%v)", name, fl.Key, got, err)
			}
			_, isString := f.Label.(*ast.BasicLit)
			if ast.StringLabelNeedsQuoting(fl.Key) && !isString {
				t.Errorf("%s: key %q is not quoted:\n%s", name, fl.Key, src)
			}
			checkLabels(t, name, f.Value, fl.Value, src)
		}
	case doc.Array:
		l, ok := e.(*ast.ListLit)
		if !ok || len(l.Elts) != len(n.Items) {
			t.Errorf("%s: %s is written as %T", name, n.Compact(), e)
			return
		}
		for i, it := range n.Items {
			checkLabels(t, name, l.Elts[i], it, src)
		}
	}
}

func TestRoundTripExample(t *testing.T) {
	d, err := doc.Parse("example.json", []byte(exampleDocument))
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, sample{"example", d})
	// Everything in the example is simplified: it was generated from
	// plain values.
	author, _ := roundTrip(d)
	if bytes.Contains(author.Compact(), []byte("@@")) {
		t.Errorf("the example's author form keeps operators: %s", author.Compact())
	}
}

func TestRoundTripAWSExamples(t *testing.T) {
	for _, s := range awsExamples(t) {
		t.Run(s.name, func(t *testing.T) { checkRoundTrip(t, s) })
	}
}

func TestRoundTripRandomDocuments(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	simplified, kept := 0, 0
	for seed := range uint64(n) {
		g := &gen{r: rand.New(rand.NewPCG(seed, 0x5eed))}
		d := doc.NewObject(doc.Pos{})
		d.Fields = []doc.Field{{Key: "plans", Value: g.node(backup.Plans, 0)}}
		// Reparse so the sample is exactly what import would read.
		parsed, err := doc.Parse("random.json", d.Compact())
		if err != nil {
			t.Fatal(err)
		}
		s := sample{fmt.Sprintf("seed %d", seed), parsed}
		checkRoundTrip(t, s)
		if t.Failed() {
			t.Fatalf("document: %s", d.Compact())
		}
		author, _ := roundTrip(parsed)
		simplified += strings.Count(string(parsed.Compact()), "@@assign") - strings.Count(string(author.Compact()), "@@assign")
		kept += strings.Count(string(author.Compact()), "@@")
	}
	// The generator must exercise both outcomes, or the property is
	// vacuous.
	if simplified < n || kept < n {
		t.Errorf("over %d documents %d settings were simplified and %d operators kept", n, simplified, kept)
	}
}

// gen makes random operator-form documents over backup.Spec: the keys the
// spec knows in any case, odd map keys, unknown keys, child control
// operators, and settings whose values may or may not simplify.
type gen struct{ r *rand.Rand }

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

var mapKeys = []string{
	"daily", "Daily-2", "a.b", "x_1", "a b", "_hidden", "#def", "$account", "if", "for", "in", "let", "true", "null",
	"package", "import", "div", "string", "int", "é", "日本", "1", "0x1", "", " ", "with \"quote\"", `back\slash`,
	`\(interp)`, "tab\there", "line\nbreak", "@x", "arn:aws:backup:us-east-1:$account:backup-vault:v",
	"arn:aws:backup:$region:111122223333:backup-vault:central",
}

var strValues = []string{
	"cron(0 5 ? * * *)", "main-vault", "us-east-1", "", " ", "true", "60", "0060", "é日本", "a\"b", `a\b`, `\(x)`,
	"line\nbreak", "\u2028", "<html>&", "$account", "arn:aws:iam::$account:role/x",
}

func (g *gen) key(known string) string {
	switch {
	case g.chance(0.1):
		return strings.ToUpper(known)
	case g.chance(0.05):
		return strings.ToUpper(known[:1]) + known[1:]
	}
	return known
}

func (g *gen) node(s *backup.Spec, depth int) *doc.Node {
	switch s.Kind {
	case backup.Object, backup.Map:
		o := doc.NewObject(doc.Pos{})
		seen := map[string]bool{}
		add := func(k string, v *doc.Node) {
			if !seen[k] {
				seen[k] = true
				o.Fields = append(o.Fields, doc.Field{Key: k, Value: v})
			}
		}
		if g.chance(0.15) {
			add(inherit.ChildControl, doc.FromAny([]any{g.pick("@@all", "@@none", "@@assign", "@@append")}))
		}
		if s.Kind == backup.Object {
			for _, k := range s.Keys() {
				if g.chance(0.6) {
					add(g.key(k), g.node(s.Fields[k], depth+1))
				}
			}
			if g.chance(0.05) {
				add(g.pick("bogus", "to_delete_after_days", "Unknown Key"), g.leaf(backup.String))
			}
		} else {
			for range g.r.IntN(3) {
				add(g.pick(mapKeys...), g.node(s.Elem, depth+1))
			}
		}
		return o
	case backup.List:
		return g.list(s.Type)
	}
	return g.leaf(s.Type)
}

// value is a value for an @@assign of a setting of type t: usually one
// that simplifies, often one that must not.
func (g *gen) value(t backup.Type) *doc.Node {
	if g.chance(0.2) {
		return doc.FromAny(g.pick1([]any{nil, []any{"x"}, map[string]any{"a": "b"}, 60, 1.5, true, false, "x"}))
	}
	switch t {
	case backup.Int:
		return doc.FromAny(g.pick1([]any{"60", "0", "480", "36500", "999999999999999999", "9999999999999999999", "0060", "-5", "+5", "1.5", "1e3", "", " 60", "sixty"}))
	case backup.Bool:
		return doc.FromAny(g.pick1([]any{"true", "false", "True", "FALSE", "1", "yes", ""}))
	}
	return doc.FromAny(g.pick(strValues...))
}

func (g *gen) pick1(xs []any) any { return xs[g.r.IntN(len(xs))] }

func (g *gen) withOperators(o *doc.Node) *doc.Node {
	if g.chance(0.15) {
		o.Fields = append(o.Fields, doc.Field{Key: inherit.ChildControl, Value: doc.FromAny([]any{"@@none"})})
	}
	if g.chance(0.1) {
		g.r.Shuffle(len(o.Fields), func(i, j int) { o.Fields[i], o.Fields[j] = o.Fields[j], o.Fields[i] })
	}
	return o
}

func (g *gen) leaf(t backup.Type) *doc.Node {
	o := doc.NewObject(doc.Pos{})
	op := "@@assign"
	if g.chance(0.1) {
		op = g.pick("@@append", "@@remove")
	}
	o.Fields = []doc.Field{{Key: op, Value: g.value(t)}}
	return g.withOperators(o)
}

func (g *gen) list(t backup.Type) *doc.Node {
	items := func() *doc.Node {
		var xs []any
		for range g.r.IntN(4) {
			if g.chance(0.1) {
				xs = append(xs, g.pick1([]any{1, true, nil, map[string]any{}, []any{}}))
			} else {
				xs = append(xs, g.pick(strValues...))
			}
		}
		if xs == nil {
			xs = []any{}
		}
		return doc.FromAny(xs)
	}
	o := doc.NewObject(doc.Pos{})
	switch g.r.IntN(6) {
	case 0:
		o.Fields = []doc.Field{{Key: "@@append", Value: items()}}
	case 1:
		o.Fields = []doc.Field{{Key: "@@remove", Value: items()}}
	case 2:
		o.Fields = []doc.Field{{Key: "@@assign", Value: items()}, {Key: "@@append", Value: items()}}
	case 3:
		o.Fields = []doc.Field{{Key: "@@assign", Value: g.value(t)}}
	default:
		o.Fields = []doc.Field{{Key: "@@assign", Value: items()}}
	}
	return g.withOperators(o)
}
