//go:build linux || darwin

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// memLimitKB is the memory a hostile-input run may use, as the data limit
// (ulimit -d, RLIMIT_DATA: private writable mappings): far more than
// orgbackup needs (a preview of 100,000 accounts peaks at 370 MB and runs
// under it), far less than the machine has, so a regression fails the
// test instead of taking the machine down. It used to be the address
// space (ulimit -v, 2 GiB), which counts what the runtime and the C
// library only reserve: `orgbackup --version` reserves 1.6 GB, and
// `validate --org /dev/zero` peaked at 1.93 to 2.0 GB, at the limit, so
// the run failed now and then with Go's fatal error (exit 2) instead of
// orgbackup's message, whatever orgbackup itself allocated.
const memLimitKB = 1 << 20

// watchdogLimitKB is the data limit of the runs that test the watchdog
// (guardMemory, limit 128 MiB). A string that doubles from 128 MiB to
// 256 MiB between two of the watchdog's samples must not hit the limit
// first (Go's fatal error, exit 2: 2 runs in 18 on a loaded machine under
// a tighter limit). Under 8 GiB the doubling passes 256 MiB, 512 MiB,
// 1 GiB and 2 GiB before it could fail, about a second of copying,
// dozens of the watchdog's 10 ms samples. A regression (no watchdog)
// still stops at 8 GiB, a third of this kind of machine.
const watchdogLimitKB = 8 << 20

// TestHostileInputBounded feeds the commands input built to exhaust memory
// or the stack: /dev/zero as a document, a snapshot or an org file, JSON
// nested 300,000 deep, and CUE of a few hundred bytes that computes
// gigabytes or nests 300,000 labels deep. Each run is under a memory limit
// set in the test itself, and each must end with exit 1, a clear message
// and no stack dump. The runs that need the watchdog (guardMemory) set
// its limit to 128 MiB, under a larger data limit (watchdogLimitKB);
// the default of 2 GiB works alike (tried by hand: both CUE files end
// with exit 1 at 2 GiB).
func TestHostileInputBounded(t *testing.T) {
	if raceDetector {
		// ThreadSanitizer maps terabytes of shadow memory at start,
		// which no limit that still protects the machine allows. make
		// test runs this test without -race.
		t.Skip("a memory limit cannot bound a race-instrumented binary")
	}
	bin, err := exec.LookPath("orgbackup") // testscript.Main puts it on PATH
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := fileWriter(t, dir)
	deep := write("deep.json", strings.Repeat(`{"a":`, 300000)+"1"+strings.Repeat("}", 300000))
	deepSnap := write("deep.snapshot.json", `{"format_version": "1", "roots": `+strings.Repeat("[", 300000)+strings.Repeat("]", 300000)+`}`)
	policies, _ := filepath.Abs("../../policies")
	// A string doubled 39 times, 8 TiB; a list of a billion numbers; a
	// chain of 300,000 labels.
	doubling := "package orgbackup\n\n_s0: \"xxxxxxxxxxxxxxxx\"\n"
	for i := 1; i < 40; i++ {
		doubling += fmt.Sprintf("_s%d: _s%d + _s%d\n", i, i-1, i-1)
	}
	doubling += "policies: p: {targets: [\"Root\"], description: _s39}\n"
	doubled := filepath.Dir(write("doubling/p.cue", doubling))
	ranged := filepath.Dir(write("range/p.cue", "package orgbackup\n\nimport \"list\"\n\n_all: [for i in list.Range(0, 1e9, 1) {i}]\npolicies: p: {targets: [\"Root\"], description: \"\\(len(_all))\"}\n"))
	chained := filepath.Dir(write("chain/p.cue", "package orgbackup\n\n_x: "+strings.Repeat("a: ", 300000)+"1\n"))
	const watchdog = maxMemoryEnv + "=128"
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"effective", "--level", "/dev/zero"}, "", "read /dev/zero: /dev/zero is larger than 4 MiB"},
		{[]string{"import", "--json", "/dev/zero", "--stdout"}, "", "/dev/zero is larger than 4 MiB"},
		{[]string{"validate", policies, "--org", "/dev/zero"}, "", "read snapshot: /dev/zero is larger than 64 MiB"},
		{[]string{"preview", policies, "--org", "/dev/zero"}, "", "read snapshot: /dev/zero is larger than 64 MiB"},
		{[]string{"effective", "--level", deep}, "", "deep.json:1:5001: the JSON document nests more than 1000 levels deep"},
		{[]string{"import", "--json", deep, "--stdout"}, "", "the JSON document nests more than 1000 levels deep"},
		{[]string{"validate", policies, "--org", deepSnap}, "", "the JSON document nests more than 1000 levels deep"},
		{[]string{"effective", "--org", deepSnap, "--account", "111111111111", "--policies", policies}, "", "the JSON document nests more than 1000 levels deep"},
		{[]string{"validate", doubled}, watchdog, "orgbackup: out of memory: the process holds"},
		{[]string{"build", doubled, "--out", filepath.Join(dir, "out")}, watchdog, "over its limit of 128 MiB"},
		{[]string{"validate", ranged}, watchdog, "orgbackup: out of memory: the process holds"},
		{[]string{"validate", chained}, "", "chain/p.cue:3:3003: error: the definitions nest more than 1000 levels deep"},
		{[]string{"preview", chained}, "", "the definitions nest more than 1000 levels deep"},
	} {
		name := strings.Join(tc.args, " ")
		limit := memLimitKB
		if tc.env == watchdog {
			limit = watchdogLimitKB
		}
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -d ` + itoa(limit) + ` && exec "$@"`, "sh", bin}, tc.args...)...)
		if tc.env != "" {
			cmd.Env = append(os.Environ(), tc.env)
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if code != ExitFailed {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, ExitFailed, stderr.String())
		}
		// validate reports on stdout, the other commands on stderr.
		if !strings.Contains(stdout.String()+stderr.String(), tc.want) {
			t.Errorf("%s: the output does not say %q:\n%s%s", name, tc.want, stdout.String(), stderr.String())
		}
		if s := stderr.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "fatal error") || strings.Contains(s, "panic") {
			t.Errorf("%s: stack dump:\n%s", name, s)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}
