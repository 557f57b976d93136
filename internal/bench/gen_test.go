package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/diag"
	"github.com/orgbackup/orgbackup/internal/loader"
)

// The benchmarks check the full 500-policy repository; these tests keep
// the generator honest at sizes that take a moment. Generate(N) writes the
// first N policies of Generate(500), so they cover the start of it.

func TestGenerateIsDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []struct {
		dir  string
		seed uint64
	}{{a, 1}, {b, 1}, {c, 2}} {
		if _, err := Generate(d.dir, Options{Policies: 30, Seed: d.seed}); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(a, "*.cue"))
	if len(files) != 32 {
		t.Fatalf("%d files, want 30 policies + baselines + shared", len(files))
	}
	differs := false
	for _, fa := range files {
		x, _ := os.ReadFile(fa)
		y, _ := os.ReadFile(filepath.Join(b, filepath.Base(fa)))
		z, _ := os.ReadFile(filepath.Join(c, filepath.Base(fa)))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(fa))
		}
		differs = differs || !bytes.Equal(x, z)
	}
	if !differs {
		t.Error("seed 2 wrote the same repository as seed 1")
	}
}

func TestGeneratedRepoValidates(t *testing.T) {
	for _, opt := range []Options{{Policies: 50, Seed: 1}, {Policies: 50, Seed: 2}} {
		dir := t.TempDir()
		st, err := Generate(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		repo, ds := loader.Load(dir)
		if repo != nil {
			ds = append(ds, check.Run(repo, nil).Diags...)
		}
		if repo == nil || ds.HasErrors() {
			t.Fatalf("seed %d: generated repository has %d errors:%s", opt.Seed, ds.Count(diag.Error), describe(ds))
		}
		if len(repo.Policies) != opt.Policies {
			t.Errorf("seed %d: %d policies, want %d", opt.Seed, len(repo.Policies), opt.Policies)
		}
		// Warnings are not failures, but the generator means to avoid
		// them (attachment quota, size, plan merges); say so if it does not.
		if n := ds.Count(diag.Warning); n > 0 {
			t.Logf("seed %d: %d warnings:%s", opt.Seed, n, describe(ds))
		}
		t.Logf("seed %d: %s", opt.Seed, st)
	}
}

// TestGenerateUpToQuota checks that the generator writes a repository of
// AWS's quota of backup policies (it used to loop forever from policy 776
// on, when Root had no room left), and that it refuses more.
func TestGenerateUpToQuota(t *testing.T) {
	dir := t.TempDir()
	done := make(chan error, 1)
	var st Stats
	go func() {
		var err error
		st, err = Generate(dir, Options{Policies: MaxPolicies})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("Generate did not finish: it loops looking for a target with room")
	}
	if st.Policies != MaxPolicies {
		t.Errorf("%d policies, want %d", st.Policies, MaxPolicies)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "policy-*.cue"))
	if len(files) != MaxPolicies {
		t.Errorf("%d policy files, want %d", len(files), MaxPolicies)
	}
	if _, err := Generate(t.TempDir(), Options{Policies: MaxPolicies + 1}); err == nil {
		t.Error("Generate wrote more policies than AWS allows")
	}
}
