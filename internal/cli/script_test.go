package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// TestMain makes the test binary double as the orgbackup binary, so the
// testscript suite drives the real command end to end: flags, exit codes,
// streams and files.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"orgbackup": func() { os.Exit(testMain()) },
	})
}

// TestScript runs the scripts in testdata/script. UPDATE_GOLDEN=1 rewrites
// their expected output in place; review the diff before committing.
func TestScript(t *testing.T) {
	example, err := filepath.Abs("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"jsonfmt": cmdJSONFmt,
		"genfile": cmdGenFile,
	}
	for name, cmd := range awsCmds { // moto, awscli, faultproxy, orgfixture
		cmds[name] = cmd
	}
	for name, cmd := range ghCmds { // github
		cmds[name] = cmd
	}
	for name, cmd := range liveCmds { // capture, snapsummary
		cmds[name] = cmd
	}
	for name, cmd := range applyCmds { // envstdout, logcheck
		cmds[name] = cmd
	}
	for name, cmd := range iamCmds { // iamcheck
		cmds[name] = cmd
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_GOLDEN") != "",
		Cmds:                cmds,
		Condition:           motoCondition,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			// The action's scripts, for scripts that run a workflow step.
			env.Setenv("ACTION", filepath.Join(root, "action"))
			// The bundled example, so scripts test what a new user runs.
			return copyDir(example, filepath.Join(env.WorkDir, "example"))
		},
	})
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// cmdJSONFmt prints the canonical form of a JSON file (sorted keys, no
// insignificant space), so scripts can compare documents semantically.
func cmdJSONFmt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: jsonfmt FILE")
	}
	n, err := doc.Parse(args[0], []byte(ts.ReadFile(args[0])))
	if neg {
		if err == nil {
			ts.Fatalf("%s is valid JSON", args[0])
		}
		return
	}
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%s\n", n.Compact())
}

// cmdGenFile writes FILE: TEXT, with Go escapes such as \n, \x00 and \xe9
// decoded, then comment lines until the file is SIZE bytes long. Scripts
// make oversized, binary and non-UTF-8 files with it rather than store
// them.
func cmdGenFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: genfile FILE SIZE TEXT")
	}
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	text, err := strconv.Unquote(`"` + strings.ReplaceAll(args[2], `"`, `\"`) + `"`)
	ts.Check(err)
	b := []byte(text)
	for len(b) < size {
		b = append(b, "\n// filler to make the file large"...)
	}
	name := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(name), 0o755))
	ts.Check(os.WriteFile(name, b, 0o644))
}
