package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCUETooDeep checks the nesting bound on CUE sources: chains of labels
// and brackets count, strings, comments and interpolations do not.
func TestCUETooDeep(t *testing.T) {
	chain := func(n int) string { return "_x: " + strings.Repeat("a: ", n) + "1\n" }
	for _, tc := range []struct {
		name, src string
		deep      bool
		at        int // offset of the token that goes too deep
	}{
		{"chain at the limit", chain(maxCUEDepth - 1), false, 0},
		{"chain over the limit", chain(300000), true, len("_x: ") + 3*(maxCUEDepth-1) + 1},
		{"brackets", "_x: " + strings.Repeat("[", 300000), true, len("_x: ") + maxCUEDepth - 1},
		{"a chain per line", strings.Repeat("a: b: c: 1\n", 10000), false, 0},
		{"brackets in a string", `_x: "` + strings.Repeat("{", 5000) + `"` + "\n", false, 0},
		{"brackets in a comment", "// " + strings.Repeat("[", 5000) + "\n_x: 1\n", false, 0},
		{"interpolations", strings.Repeat(`_x: "a \(1 + (2)) b \("c \(3)")"`+"\n", 2000), false, 0},
		{"deep inside an interpolation", `_x: "\(` + strings.Repeat("(", 2000) + `1` + strings.Repeat(")", 2000) + `)"`, true, len(`_x: "\(`) + maxCUEDepth - 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, deep := cueTooDeep("x.cue", []byte(tc.src))
			if deep != tc.deep || (deep && off != tc.at) {
				t.Errorf("cueTooDeep = %d, %v; want %d, %v", off, deep, tc.at, tc.deep)
			}
		})
	}
	// Every bundled example is far from the bound.
	files, _ := filepath.Glob("../../policies/*.cue")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if off, deep := cueTooDeep(f, src); deep {
			t.Errorf("%s: too deep at %d", f, off)
		}
	}
}
