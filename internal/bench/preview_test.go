package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgbackup/orgbackup/internal/orgtest"
)

// previewPolicy adds a plan at the root of the synthetic organization, so
// every one of its 10,000 accounts changes; the baseline provides what it
// names.
const previewPolicy = `package orgbackup

policies: "org-weekly": {
	targets: ["Root"]
	plans: "org-weekly": {
		regions: ["us-east-1", "eu-west-1"]
		rules: weekly: {
			schedule_expression:      "cron(0 3 ? * SUN *)"
			target_backup_vault_name: "org-vault"
			lifecycle: delete_after_days: 35
		}
		selections: tags: all: {
			iam_role_arn: "arn:aws:iam::$account:role/org-backup"
			tag_key:      "Backup"
			tag_value: ["Weekly"]
		}
	}
}

baselines: org: {
	targets: ["Root"]
	regions: ["us-east-1", "eu-west-1"]
	role_name:  "org-backup"
	vault_name: "org-vault"
}
`

// BenchmarkPreview10kProcess runs `orgbackup preview` end to end, as a
// process, on a snapshot of 10,000 accounts under 500 OUs with 200
// policies: load the snapshot and the definitions, merge every account's
// chain before and after, validate, group and render. Target: well under
// 2 s and 300 MB. It reports the wall time (ns/op) and the process's peak
// resident memory (peak-rss-MB, from getrusage). The in-process
// BenchmarkPreview10k in internal/effective splits out the computation.
func BenchmarkPreview10kProcess(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "orgbackup")
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/orgbackup")
	build.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	policies := filepath.Join(dir, "policies")
	if err := os.MkdirAll(policies, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(policies, "org.cue"), []byte(previewPolicy), 0o644); err != nil {
		b.Fatal(err)
	}
	snap := filepath.Join(dir, "org.snapshot.json")
	if err := os.WriteFile(snap, orgtest.Snapshot(1, 10000, 500, 200), 0o644); err != nil {
		b.Fatal(err)
	}
	var peak int64
	var wall time.Duration
	for b.Loop() {
		cmd := exec.Command(bin, "preview", policies, "--org", snap, "--output", "json")
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		out, err := os.Create(filepath.Join(dir, "preview.json"))
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout = out
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		hwm := watchPeakRSS(cmd.Process.Pid)
		err = cmd.Wait()
		wall += time.Since(start)
		peak = max(peak, <-hwm)
		out.Close()
		// Exit 1 means some synthetic accounts' effective policies are
		// invalid, which the preview reports; anything else is a failure.
		if err != nil && cmd.ProcessState.ExitCode() != 1 {
			b.Fatalf("preview: %v\n%s", err, stderr.String())
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "preview.json"))
	if err != nil || !strings.Contains(string(data), `"accounts":10000`) && !strings.Contains(string(data), `"accounts": 10000`) {
		b.Fatalf("preview did not cover 10,000 accounts (%v)", err)
	}
	if peak == 0 {
		b.Log("peak RSS not measured (no /proc)")
	}
	b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/preview")
}

// watchPeakRSS samples the process's VmHWM (its resident-memory high-water
// mark, in KiB) until it exits and sends the last reading. getrusage is no
// use here: a child started from this process inherits the benchmark
// process's own high-water mark at exec, which after the 500-policy
// benchmarks is gigabytes. VmHWM belongs to the new program's memory only,
// and being a high-water mark, a late sample still covers earlier peaks.
func watchPeakRSS(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		var last int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			data, err := os.ReadFile(path)
			if err != nil {
				break
			}
			kb, ok := vmHWM(string(data))
			if !ok {
				break // the process has exited and is a zombie
			}
			last = kb
			time.Sleep(2 * time.Millisecond)
		}
		ch <- last
	}()
	return ch
}

func vmHWM(status string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb, true
			}
		}
	}
	return 0, false
}
