package bench

// The benchmarks compare `orgbackup build` with plain `cue export` of the
// same files, for a generated repository of DefaultPolicies (500) policies.
// `make bench` runs them; nothing here runs without -bench.
//
// How to read the numbers:
//
//	BenchmarkEndToEnd/interleaved-2      5  20619875192 ns/op  9822990811 cue-ns/op  10773493090 orgbackup-ns/op  1.097 x-cue-export  1.091 x-cue-export-best  1.075 x-cue-export-cpu
//	BenchmarkEndToEnd/orgbackup-build-2  5  10773493090 ns/op  10296156284 best-ns/op
//	BenchmarkEndToEnd/cue-export-2       5   9822990811 ns/op   9440461661 best-ns/op
//	BenchmarkInProcess-2                 5   7744067864 ns/op    264814414 check-ns/op  120205037 generate-ns/op  7359047159 load-ns/op
//
//   - BenchmarkEndToEnd runs both tools as processes, end to end, as a CI
//     job would: `orgbackup build DIR --out OUT` (load, schema, checks,
//     generate, write the files) and `cue export schema/*.cue DIR/*.cue
//     --out json` (the same files plus the schema, so CUE evaluates the
//     same constraints). Both binaries are built once per run from this
//     module, so cue is exactly the version orgbackup links.
//   - interleaved is the acceptance number. Each iteration runs both tools,
//     alternating which goes first (A B, B A, ...), so drift (other load,
//     caches, thermals) hits both alike; its ns/op is one pair. Metrics:
//     x-cue-export is sum(orgbackup wall time) / sum(cue export wall time),
//     target <= 1.5; x-cue-export-best is fastest run / fastest run, less
//     sensitive to a noisy neighbour; x-cue-export-cpu is the ratio of user
//     + system CPU time; orgbackup-ns/op and cue-ns/op are the mean wall
//     time of one run of each.
//   - orgbackup-build and cue-export give each tool's ns/op (one run) and
//     best-ns/op, from the interleaved runs; run alone, as with
//     -bench=EndToEnd/cue-export, they time the tool themselves.
//   - Absolute times move with the machine's load from run to run; compare
//     ratios, and only numbers from the same run.
//   - BenchmarkInProcess runs loader.Load, check.Run and generate.Build in
//     this process and splits the time by stage (load-ns/op, check-ns/op,
//     generate-ns/op). It is the one to profile, from the repository root:
//
//	go test -run='^$' -bench=InProcess -benchtime=3x -cpuprofile=cpu.out ./internal/bench/
//	go tool pprof -top bench.test cpu.out
//
// The fixture (repository, binaries) is built on first use, in a temporary
// directory that TestMain removes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/generate"
	"github.com/orgbackup/orgbackup/internal/loader"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.root != "" {
		os.RemoveAll(fix.root)
	}
	os.Exit(code)
}

// fixture is what the benchmarks share, built on first use and once per
// `go test` run.
type fixture struct {
	root    string // temporary directory holding everything below
	repo    string // generated policies directory, relative to root
	stats   Stats
	modRoot string

	orgbackup string // binary built from ./cmd/orgbackup
	cue       string // binary built from the pinned cuelang.org/go/cmd/cue
	cueArgs   []string
	outs      int // output directories used so far
}

var (
	fix                fixture
	repoOnce, binsOnce sync.Once
	repoErr, binsErr   error
)

// repo generates the repository. It must be valid: with errors, orgbackup
// would stop early and the comparison would flatter it. BenchmarkInProcess
// checks that on every run, binaries on the first run of each tool, and
// TestGeneratedRepoValidates for smaller repositories.
func repo(b *testing.B) *fixture {
	b.Helper()
	repoOnce.Do(func() { repoErr = fix.generate(b) })
	if repoErr != nil {
		b.Fatal(repoErr)
	}
	return &fix
}

// binaries additionally builds both tools and checks that both succeed
// on the repository, which also warms the page cache. Building reuses the
// module and build caches, so it is quick after the first time.
func binaries(b *testing.B) *fixture {
	b.Helper()
	f := repo(b)
	binsOnce.Do(func() { binsErr = f.build(b) })
	if binsErr != nil {
		b.Fatal(binsErr)
	}
	return f
}

func (f *fixture) generate(b *testing.B) error {
	start := time.Now()
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %v", err)
	}
	f.modRoot = filepath.Dir(strings.TrimSpace(string(mod)))
	if f.root, err = os.MkdirTemp("", "orgbackup-bench-"); err != nil {
		return err
	}
	f.repo = "policies"
	if f.stats, err = Generate(filepath.Join(f.root, f.repo), Options{}); err != nil {
		return err
	}
	b.Logf("generated in %v: %s", time.Since(start).Round(time.Millisecond), f.stats)
	return nil
}

func (f *fixture) build(b *testing.B) error {
	start := time.Now()
	f.orgbackup = filepath.Join(f.root, "bin", "orgbackup")
	f.cue = filepath.Join(f.root, "bin", "cue")
	for _, c := range [][]string{
		{"build", "-o", f.orgbackup, "./cmd/orgbackup"},
		{"build", "-o", f.cue, "cuelang.org/go/cmd/cue"},
	} {
		cmd := exec.Command("go", c...)
		cmd.Dir = f.modRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	schema, err := filepath.Glob(filepath.Join(f.modRoot, "schema", "*.cue"))
	if err != nil || len(schema) == 0 {
		return fmt.Errorf("no schema files in %s/schema", f.modRoot)
	}
	files, _ := filepath.Glob(filepath.Join(f.root, f.repo, "*.cue"))
	f.cueArgs = append([]string{"export"}, schema...)
	for _, file := range files {
		rel, _ := filepath.Rel(f.root, file)
		f.cueArgs = append(f.cueArgs, rel)
	}
	f.cueArgs = append(f.cueArgs, "--out", "json")

	// A build that succeeds validated the repository without errors.
	if _, _, err := f.runOrgbackup(); err != nil {
		return err
	}
	if _, _, err := f.runCue(); err != nil {
		return err
	}
	var exported struct {
		Policies map[string]any `json:"policies"`
	}
	data, err := os.ReadFile(filepath.Join(f.root, "cue-export.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &exported); err != nil {
		return fmt.Errorf("cue export output: %v", err)
	}
	if len(exported.Policies) != f.stats.Policies {
		return fmt.Errorf("cue export produced %d policies, want %d", len(exported.Policies), f.stats.Policies)
	}
	b.Logf("built orgbackup and cue, ran each once, in %v", time.Since(start).Round(time.Millisecond))
	return nil
}

// describe lists the first diagnostics of ds, for failures.
func describe(ds diag.List) string {
	var b strings.Builder
	for i, d := range ds {
		if i == 10 {
			fmt.Fprintf(&b, "\n  ...")
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s: %s [%s]", d.Pos, d.Severity, d.Message, d.Code)
	}
	return b.String()
}

// runOrgbackup runs `orgbackup build` into a fresh output directory, as a
// clean CI checkout would, and returns its wall and CPU time. Removing the
// output afterwards is not timed.
func (f *fixture) runOrgbackup() (wall, cpu time.Duration, err error) {
	f.outs++
	out := fmt.Sprintf("dist-%d", f.outs)
	cmd := exec.Command(f.orgbackup, "build", f.repo, "--out", out)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	wall, cpu, err = f.run(cmd, nil)
	os.RemoveAll(filepath.Join(f.root, out))
	return wall, cpu, err
}

// runCue runs `cue export`, writing the JSON to a file as a build would.
func (f *fixture) runCue() (wall, cpu time.Duration, err error) {
	out, err := os.Create(filepath.Join(f.root, "cue-export.json"))
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	cmd := exec.Command(f.cue, f.cueArgs...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return f.run(cmd, out)
}

func (f *fixture) run(cmd *exec.Cmd, stdout *os.File) (wall, cpu time.Duration, err error) {
	var errBuf bytes.Buffer
	cmd.Dir = f.root
	cmd.Stderr = &errBuf
	if stdout != nil {
		cmd.Stdout = stdout
	}
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args[:2], " "), err, errBuf.Bytes())
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// BenchmarkEndToEnd compares `orgbackup build` with `cue export` of the
// same files, as processes. See the comment at the top of the file.
func BenchmarkEndToEnd(b *testing.B) {
	f := binaries(b)
	var ob, cue, obCPU, cueCPU []time.Duration
	b.Run("interleaved", func(b *testing.B) {
		ob, cue, obCPU, cueCPU = nil, nil, nil, nil
		runOB := func() {
			w, c, err := f.runOrgbackup()
			if err != nil {
				b.Fatal(err)
			}
			ob, obCPU = append(ob, w), append(obCPU, c)
		}
		runCue := func() {
			w, c, err := f.runCue()
			if err != nil {
				b.Fatal(err)
			}
			cue, cueCPU = append(cue, w), append(cueCPU, c)
		}
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				runOB()
				runCue()
			} else {
				runCue()
				runOB()
			}
		}
		n := float64(len(ob))
		b.ReportMetric(float64(sum(ob))/n, "orgbackup-ns/op")
		b.ReportMetric(float64(sum(cue))/n, "cue-ns/op")
		b.ReportMetric(float64(sum(ob))/float64(sum(cue)), "x-cue-export")
		b.ReportMetric(float64(slices.Min(ob))/float64(slices.Min(cue)), "x-cue-export-best")
		b.ReportMetric(float64(sum(obCPU))/float64(sum(cueCPU)), "x-cue-export-cpu")
	})
	// One line per tool. After the interleaved runs, they report those
	// runs rather than run the tools again: the numbers are then from the
	// same moments, and make bench stays short. Run alone (for example
	// -bench=EndToEnd/cue-export), they time the tool themselves.
	tool := func(name string, runs *[]time.Duration, run func() (time.Duration, time.Duration, error)) {
		b.Run(name, func(b *testing.B) {
			if len(*runs) == 0 {
				for b.Loop() {
					if _, _, err := run(); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			for b.Loop() {
			}
			b.ReportMetric(float64(sum(*runs))/float64(len(*runs)), "ns/op")
			b.ReportMetric(float64(slices.Min(*runs)), "best-ns/op")
		})
	}
	tool("orgbackup-build", &ob, f.runOrgbackup)
	tool("cue-export", &cue, f.runCue)
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// BenchmarkInProcess runs validate and build in this process, stage by
// stage, for profiling.
func BenchmarkInProcess(b *testing.B) {
	f := repo(b)
	dir := filepath.Join(f.root, f.repo)
	var load, chk, gen time.Duration
	for b.Loop() {
		t0 := time.Now()
		repo, ds := loader.Load(dir)
		if repo == nil || ds.HasErrors() {
			b.Fatalf("load: %d errors:%s", ds.Count(diag.Error), describe(ds))
		}
		t1 := time.Now()
		res := check.Run(repo, nil)
		if res.Diags.HasErrors() {
			b.Fatalf("check: %d errors:%s", res.Diags.Count(diag.Error), describe(res.Diags))
		}
		t2 := time.Now()
		out := generate.Build(repo, func(file string) string { return file })
		if len(out.Files) == 0 {
			b.Fatal("generate: no files")
		}
		t3 := time.Now()
		load, chk, gen = load+t1.Sub(t0), chk+t2.Sub(t1), gen+t3.Sub(t2)
	}
	b.ReportMetric(float64(load)/float64(b.N), "load-ns/op")
	b.ReportMetric(float64(chk)/float64(b.N), "check-ns/op")
	b.ReportMetric(float64(gen)/float64(b.N), "generate-ns/op")
}
