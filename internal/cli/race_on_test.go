//go:build race

package cli

// raceDetector reports whether the tests (and the orgbackup binary they
// run, which is the test binary) are built with -race.
const raceDetector = true
