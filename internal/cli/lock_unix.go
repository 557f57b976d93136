//go:build unix

package cli

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive lock on the directory root, for as long as the
// process holds it: the kernel releases it when the process ends, however
// it ends, so an interrupted build never leaves the directory locked; and
// it is the directory itself that is locked, so no lock file is left next
// to the output.
func lock(root *os.Root) (unlock func(), err error) {
	f, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New("another orgbackup build is writing to this directory; wait for it to finish")
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
