package inherit

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// An example archive (testdata/examples/*.txtar) holds one documented AWS
// example:
//
//   - the comment names the source and says how the input was built; it
//     must contain "// AWS erratum: …" exactly when AWS's printed result
//     (aws.json) differs from what the rules give;
//   - "<level>/<policy>.json" files are the input: levels in order of first
//     appearance, policies within a level in attachment order, the file
//     name (without .json) being the policy ID and the directory the target;
//   - want.json is the effective policy derived from the rules;
//   - notes lists the expected notes, one noteSummary per line (no file:
//     no notes);
//   - aws.json, if present, is the effective policy AWS printed, verbatim.
//
// A line "compare: fold-keys" in the comment compares aws.json with object
// keys lower-cased, for examples about key case. A line "policy-type: T"
// spells the effective policy's keys as AWS does for type T (KeyCaseOf);
// without it, keys are lower-cased as for backup policies.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/examples/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ex := loadExample(t, file)
			s := Merge(ex.levels...)
			got := s.EffectiveWith(KeyCaseOf(ex.policyType))
			if want := canon(t, ex.want); string(got.Indent()) != want {
				t.Errorf("effective policy:\n%s\nwant:\n%s", got.Indent(), want)
			}
			if diff := lineDiff(ex.notes, noteSummaries(s.Notes())); diff != "" {
				t.Errorf("notes (-want +got):\n%s\nall notes:\n%s", diff, notesText(s.Notes()))
			}
			if !strings.Contains(ex.comment, "source:") {
				t.Errorf("comment does not name a source")
			}
			claims := strings.Contains(ex.comment, "// AWS erratum:")
			if ex.aws == "" {
				return
			}
			aws, ours := mustParse(t, "aws.json", ex.aws), got
			if strings.Contains(ex.comment, "compare: fold-keys") {
				aws, ours = lowerKeys(aws), lowerKeys(ours)
			}
			same := string(aws.Indent()) == string(ours.Indent())
			switch {
			case same && claims:
				t.Errorf("aws.json matches the rules, but the comment claims an AWS erratum")
			case !same && !claims:
				t.Errorf("aws.json differs from the rules and no \"// AWS erratum:\" explains it:\naws:\n%s\nrules:\n%s", aws.Indent(), ours.Indent())
			}
		})
	}
}

type example struct {
	comment    string
	policyType string
	levels     []Level
	want       string
	notes      []string
	aws        string
}

func loadExample(t testing.TB, file string) *example {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	comment, files := parseTxtar(string(data))
	ex := &example{comment: comment}
	for _, line := range strings.Split(comment, "\n") {
		if t, ok := strings.CutPrefix(line, "policy-type: "); ok {
			ex.policyType = strings.TrimSpace(t)
		}
	}
	for _, f := range files {
		switch {
		case f.name == "want.json":
			ex.want = f.data
		case f.name == "aws.json":
			ex.aws = f.data
		case f.name == "notes":
			for _, line := range strings.Split(f.data, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					ex.notes = append(ex.notes, line)
				}
			}
		case strings.Contains(f.name, "/") && strings.HasSuffix(f.name, ".json"):
			dir, base := path.Split(f.name)
			target := strings.TrimSuffix(dir, "/")
			if len(ex.levels) == 0 || ex.levels[len(ex.levels)-1].Target != target {
				for _, l := range ex.levels {
					if l.Target == target {
						t.Fatalf("%s: level %q is split by another level", file, target)
					}
				}
				ex.levels = append(ex.levels, Level{Target: target})
			}
			l := &ex.levels[len(ex.levels)-1]
			l.Policies = append(l.Policies, Policy{
				ID:  strings.TrimSuffix(base, ".json"),
				Doc: mustParse(t, filepath.Base(file)+":"+f.name, f.data),
			})
		default:
			t.Fatalf("%s: unexpected file %q", file, f.name)
		}
	}
	if ex.want == "" {
		t.Fatalf("%s: no want.json", file)
	}
	return ex
}

type txtarFile struct{ name, data string }

// parseTxtar splits a txtar archive: a comment, then files that each start
// with a "-- name --" line. (The format's parsers live in modules this
// repository does not depend on; the format is small enough to read here.)
func parseTxtar(s string) (comment string, files []txtarFile) {
	var cur *txtarFile
	var b strings.Builder
	flush := func() {
		if cur == nil {
			comment = b.String()
		} else {
			cur.data = b.String()
			files = append(files, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			flush()
			cur = &txtarFile{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return comment, files
}
