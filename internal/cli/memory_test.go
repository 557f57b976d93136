package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestMaxMemory checks how the environment sets the watchdog's limit:
// MiB, 0 for none, and a warning and the default for anything else.
func TestMaxMemory(t *testing.T) {
	for _, c := range []struct {
		env  string
		want uint64
		warn string
	}{
		{"", defaultMaxMemory, ""},
		{"512", 512 << 20, ""},
		{"0", 0, ""},
		{"2GiB", defaultMaxMemory, `ignoring ORGBACKUP_MAX_MEMORY_MIB="2GiB": not a whole number of MiB; the limit stays 2,048 MiB`},
		{"-1", defaultMaxMemory, "not a whole number of MiB"},
	} {
		var errb bytes.Buffer
		got := maxMemory(func(k string) string {
			if k == maxMemoryEnv {
				return c.env
			}
			return ""
		}, &errb)
		if got != c.want || (c.warn == "") != (errb.Len() == 0) || !strings.Contains(errb.String(), c.warn) {
			t.Errorf("%s=%q: limit %d, stderr %q; want %d, %q", maxMemoryEnv, c.env, got, errb.String(), c.want, c.warn)
		}
	}
}

// TestMemoryInUse checks that the watchdog's measure moves with what the
// process holds.
func TestMemoryInUse(t *testing.T) {
	before := memoryInUse()
	hold := make([]byte, 64<<20)
	for i := range hold {
		hold[i] = 1
	}
	after := memoryInUse()
	if before == 0 || after < before+60<<20 {
		t.Errorf("memoryInUse: %d before holding 64 MiB, %d after", before, after)
	}
	_ = hold[len(hold)-1]
}
