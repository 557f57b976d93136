//go:build linux || darwin

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// memLimitKB is the address space a hostile-input run may use: far more
// than orgbackup needs (the Go runtime alone reserves some 800 MB), far
// less than the machine has, so a regression fails the test instead of
// taking the machine down.
const memLimitKB = 2 << 20

// TestHostileInputBounded feeds the commands input built to exhaust memory
// or the stack: /dev/zero as a document, a snapshot or an org file, and
// JSON nested 300,000 deep. Each run is under a memory limit set in the
// test itself, and each must end with exit 1, a clear message and no
// stack dump.
func TestHostileInputBounded(t *testing.T) {
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
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"effective", "--level", "/dev/zero"}, "read /dev/zero: /dev/zero is larger than 4 MiB"},
		{[]string{"import", "--json", "/dev/zero", "--stdout"}, "/dev/zero is larger than 4 MiB"},
		{[]string{"validate", policies, "--org", "/dev/zero"}, "read snapshot: /dev/zero is larger than 64 MiB"},
		{[]string{"preview", policies, "--org", "/dev/zero"}, "read snapshot: /dev/zero is larger than 64 MiB"},
		{[]string{"effective", "--level", deep}, "deep.json:1:5001: the JSON document nests more than 1000 levels deep"},
		{[]string{"import", "--json", deep, "--stdout"}, "the JSON document nests more than 1000 levels deep"},
		{[]string{"validate", policies, "--org", deepSnap}, "the JSON document nests more than 1000 levels deep"},
		{[]string{"effective", "--org", deepSnap, "--account", "111111111111", "--policies", policies}, "the JSON document nests more than 1000 levels deep"},
	} {
		name := strings.Join(tc.args, " ")
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -v ` + itoa(memLimitKB) + ` && exec "$@"`, "sh", bin}, tc.args...)...)
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
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: stderr does not say %q:\n%s", name, tc.want, stderr.String())
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
