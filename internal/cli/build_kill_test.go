//go:build unix

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/loader"
)

// TestBuildSurvivesKills kills build at random points, many times, into
// one output directory, alternating between two sets of definitions that
// share some policies and not others. After every kill, every file in the
// directory is listed by the manifest or the pending manifest (or is
// build's own bookkeeping), and build --check reports exactly how the
// directory differs from what build would write; from time to time a
// whole build confirms the report. At the end one build leaves the
// directory up to date with nothing of build's bookkeeping left.
func TestBuildSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills build 24 times")
	}
	bin, err := exec.LookPath("orgbackup") // testscript.Main puts it on PATH
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	defs := [2]string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	writeDefs(t, defs[0], "a", 0, 16)
	writeDefs(t, defs[1], "b", 8, 24) // policies 8-15 in both, with other content
	want := [2]*generate.Output{buildOutput(t, defs[0]), buildOutput(t, defs[1])}
	out := filepath.Join(dir, "dist")

	// Calibrate: how long a build takes, and when it starts writing.
	startWrite, total := timeBuild(t, bin, defs[0], filepath.Join(dir, "calibrate"))
	rng := rand.New(rand.NewPCG(9, 11))
	const rounds = 24
	for i := range rounds {
		which := i % 2
		cmd := exec.Command(bin, "build", defs[which], "--out", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			// Anywhere in the run.
			time.Sleep(time.Duration(rng.Int64N(int64(total))))
		} else {
			// In the writing phase: when the pending manifest appears,
			// then a little later.
			waitFor(filepath.Join(out, pendingFile), total)
			time.Sleep(time.Duration(rng.Int64N(int64(max(total-startWrite, time.Millisecond)))))
		}
		cmd.Process.Kill()
		cmd.Wait()
		if strings.Contains(stderr.String(), "goroutine") {
			t.Fatalf("round %d: build printed a stack trace:\n%s", i, stderr.String())
		}
		checkAllListed(t, i, out)
		diffs := checkReport(t, i, bin, defs[which], out, want[which])
		if i%5 == 4 {
			// The report predicts what a whole build does.
			got := runOK(t, bin, "build", defs[which], "--out", out)
			changed, removed := 0, 0
			for _, d := range diffs {
				switch {
				case strings.HasPrefix(d, "missing: "), strings.HasPrefix(d, "differs: "):
					changed++
				case strings.HasPrefix(d, "stale: "):
					removed++
				}
			}
			if w := fmt.Sprintf("%d changed, %d removed", changed, removed); !strings.Contains(got, w) {
				t.Errorf("round %d: --check reported %q; build said %q, want %q", i, diffs, got, w)
			}
		}
	}
	runOK(t, bin, "build", defs[1], "--out", out)
	if got := runOK(t, bin, "build", defs[1], "--out", out, "--check"); !strings.Contains(got, "is up to date") {
		t.Errorf("final --check: %s", got)
	}
	for _, p := range []string{pendingFile, stagingDir} {
		if _, err := os.Lstat(filepath.Join(out, p)); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	checkAllListed(t, rounds, out)
}

// writeDefs writes policies from..to-1 of a definition set named set.
func writeDefs(t *testing.T, dir, set string, from, to int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("package orgbackup\n\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, `policies: "p%02d": {
	description: "set %s"
	targets: ["Root/OU%02d"]
	plans: "plan-%02d": {
		regions: ["us-east-1"]
		rules: daily: {schedule_expression: "cron(0 %d ? * * *)", target_backup_vault_name: "vault"}
		selections: tags: all: {iam_role_arn: "arn:aws:iam::$account:role/backup", tag_key: "Backup", tag_value: ["%s"]}
	}
}
baselines: "b%02d": {targets: ["Root/OU%02d"], regions: ["us-east-1"], role_name: "r%02d", vault_name: "v%02d"}
`, i, set, i, i, i%24, set, i, i, i, i)
	}
	b.WriteString(`baselines: main: {targets: ["Root"], regions: ["us-east-1"], role_name: "backup", vault_name: "vault"}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "defs.cue"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func buildOutput(t *testing.T, dir string) *generate.Output {
	t.Helper()
	repo, diags := loader.Load(dir)
	if repo == nil || diags.HasErrors() {
		t.Fatalf("definitions do not load: %v", diags)
	}
	base := loader.DisplayPath(dir)
	return generate.Build(repo, func(file string) string {
		if r, err := filepath.Rel(base, file); err == nil {
			return filepath.ToSlash(r)
		}
		return file
	})
}

// timeBuild returns when a whole build starts writing (the pending
// manifest appears) and how long it takes.
func timeBuild(t *testing.T, bin, defs, out string) (startWrite, total time.Duration) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(bin, "build", defs, "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("calibration build: %v\n%s", err, stderr.String())
			}
			total = time.Since(start)
			if startWrite == 0 {
				startWrite = total * 9 / 10
			}
			return startWrite, total
		default:
		}
		if _, err := os.Stat(filepath.Join(out, pendingFile)); err == nil && startWrite == 0 {
			startWrite = time.Since(start)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waitFor waits until the file exists, at most limit.
func waitFor(file string, limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Microsecond) {
		if _, err := os.Stat(file); err == nil {
			return
		}
	}
}

// checkAllListed fails if out holds a file that neither the manifest nor
// the pending manifest lists, other than build's bookkeeping.
func checkAllListed(t *testing.T, round int, out string) {
	t.Helper()
	manifest, _ := os.ReadFile(filepath.Join(out, generate.ManifestFile))
	pending, _ := os.ReadFile(filepath.Join(out, pendingFile))
	ok := map[string]bool{generate.ManifestFile: true, pendingFile: true}
	for _, p := range slices.Concat(listed(manifest), listed(pending)) {
		ok[p] = true
	}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		if !ok[rel] && !strings.HasPrefix(rel, stagingDir+"/") {
			t.Errorf("round %d: %s is listed by no manifest", round, rel)
		}
		return nil
	})
}

// checkReport runs build --check and compares its report with the
// directory: each file want has is missing or differs exactly when the
// directory says so, each listed file want lacks is stale exactly when it
// is there, and an unfinished build is reported exactly when its pending
// manifest or staging directory is there.
func checkReport(t *testing.T, round int, bin, defs, out string, want *generate.Output) []string {
	t.Helper()
	cmd := exec.Command(bin, "build", defs, "--out", out, "--check")
	stdout, _ := cmd.Output()
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
		if !strings.HasPrefix(l, "✓") && !strings.HasPrefix(l, "✗") {
			got = append(got, l)
		}
	}
	var exp []string
	_, errP := os.Stat(filepath.Join(out, pendingFile))
	_, errS := os.Lstat(filepath.Join(out, stagingDir))
	if errP == nil || errS == nil {
		exp = append(exp, "interrupted: "+path.Join(out, pendingFile)+" (a build did not finish)")
	}
	wanted := map[string]bool{}
	for _, f := range want.Files {
		wanted[f.Path] = true
		have, err := os.ReadFile(filepath.Join(out, f.Path))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			exp = append(exp, "missing: "+path.Join(out, f.Path))
		case err != nil:
			t.Fatal(err)
		case !bytes.Equal(have, f.Data):
			exp = append(exp, "differs: "+path.Join(out, f.Path))
		}
	}
	manifest, _ := os.ReadFile(filepath.Join(out, generate.ManifestFile))
	pending, _ := os.ReadFile(filepath.Join(out, pendingFile))
	stale := slices.Concat(listed(manifest), listed(pending))
	slices.Sort(stale)
	for _, p := range slices.Compact(stale) {
		if _, err := os.Lstat(filepath.Join(out, p)); err == nil && !wanted[p] {
			exp = append(exp, "stale:   "+path.Join(out, p))
		}
	}
	if len(exp) == 0 {
		exp = nil
	}
	if len(got) == 1 && got[0] == "" {
		got = nil
	}
	if !slices.Equal(got, exp) {
		t.Errorf("round %d: build --check reported\n  %s\nthe directory holds\n  %s", round, strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
	}
	return got
}

func runOK(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("orgbackup %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestBuildLock: a second build into a directory another build is writing
// to is refused, rather than interleaving their files.
func TestBuildLock(t *testing.T) {
	dir := t.TempDir()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	unlock, err := lock(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock(r); err == nil || !strings.Contains(err.Error(), "another orgbackup build is writing to this directory") {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	unlock2, err := lock(r)
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	} else {
		unlock2()
	}
}
