package cli

import "testing"

// TestGCChoices checks that orgbackup sets the collector's target and soft
// memory limit only when the user has not set GOGC or GOMEMLIMIT, and
// starts a collection of its own only when the user set neither.
func TestGCChoices(t *testing.T) {
	for _, c := range []struct {
		env                   map[string]string
		percent, limit, early bool
	}{
		{map[string]string{}, true, true, true},
		{map[string]string{"GOGC": "100"}, false, true, false},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, true, false, false},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, false, false, false},
	} {
		percent, limit := gcChoices(func(k string) string { return c.env[k] })
		if percent != c.percent || limit != c.limit {
			t.Errorf("env %v: sets GOGC %v, GOMEMLIMIT %v; want %v, %v", c.env, percent, limit, c.percent, c.limit)
		}
		if early := collectsEarly(percent, limit); early != c.early {
			t.Errorf("env %v: collects after loading a snapshot %v, want %v", c.env, early, c.early)
		}
	}
}

// TestLimitFor checks that the soft limit stays headroom above a large
// live heap, so that the collector never runs back to back, and is the
// fixed limit for a small one.
func TestLimitFor(t *testing.T) {
	for _, c := range []struct{ live, want int64 }{
		{0, memoryLimit},
		{memoryLimit - headroom, memoryLimit},
		{memoryLimit, memoryLimit + headroom},
		{1 << 30, 1<<30 + headroom},
	} {
		if got := limitFor(memoryLimit, c.live); got != c.want {
			t.Errorf("limitFor(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// TestOrgSizedCommandsExist: the larger memory budget goes to commands by
// name, so a renamed command must not silently lose it.
func TestOrgSizedCommandsExist(t *testing.T) {
	root := newRoot(&IO{Getenv: func(string) string { return "" }})
	for name := range orgSized {
		c, _, err := root.Find([]string{name})
		if err != nil || c == root || c.PreRun == nil {
			t.Errorf("%s: not a command with the organization's memory budget (%v)", name, err)
		}
	}
}
