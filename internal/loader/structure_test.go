package loader

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"

	"github.com/orgbackup/orgbackup/internal/backup"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// TestSpecMatchesSchema keeps backup.Spec, which checkKeys uses to find the
// unknown keys CUE does not report, in step with the schema: at every
// object of a plan, the keys it allows are the keys the schema declares.
// A key only the schema knows would go unreported next to another error;
// one only the Spec knows would be called unknown although CUE accepts it.
func TestSpecMatchesSchema(t *testing.T) {
	l := newLoad()
	// A key that satisfies each map's key pattern, to reach its entries.
	sample := map[string]string{"#VaultArn": "arn:aws:backup:us-east-1:$account:backup-vault:vv"}
	compared := 0
	var walk func(path []string, s *backup.Spec)
	walk = func(path []string, s *backup.Spec) {
		switch s.Kind {
		case backup.Map:
			key := "x1"
			if k, ok := sample[l.notes.keys[path[len(path)-1]].def]; ok {
				key = k
			}
			if !l.validMapKey(path, key) {
				t.Fatalf("no valid sample key for the map at %s", strings.Join(path, "."))
			}
			walk(append(path, key), s.Elem)
		case backup.Object:
			compared++
			want := s.Keys()
			got := l.schemaKeysAt(t, path)
			if s == backup.Plans.Elem {
				// The one author-form key of a plan; see shape.
				got = slices.DeleteFunc(got, func(k string) bool { return k == policy.ChildChangesKey })
			}
			if !slices.Equal(got, want) {
				t.Errorf("at %s the schema allows %q, backup.Spec %q", strings.Join(path, "."), got, want)
			}
			for _, k := range want {
				walk(append(slices.Clone(path), k), s.Fields[k])
			}
		}
	}
	walk([]string{"policies", "x", "plans"}, backup.Plans)
	if compared < 15 {
		t.Errorf("compared only %d objects; is the walk broken?", compared)
	}
}

// schemaKeysAt lists the keys #Config allows at path, by building the path
// out of empty structs and asking the schema what may go there.
func (l *load) schemaKeysAt(t *testing.T, path []string) []string {
	t.Helper()
	src := "{}"
	for i := len(path) - 1; i >= 0; i-- {
		src = fmt.Sprintf("{%q: %s}", path[i], src)
	}
	v := l.ctx.CompileString(src).Unify(l.schema.LookupPath(cue.MakePath(cue.Def("#Config"))))
	it, err := v.LookupPath(selectors(path)).Fields(cue.Optional(true))
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(path, "."), err)
	}
	var keys []string
	for it.Next() {
		if k := it.Selector().Unquoted(); k != childOperators {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
