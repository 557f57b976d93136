//go:build !unix

package cli

import "os"

// lock does nothing where flock(2) is not available; concurrent builds into
// one directory are then the user's to avoid.
func lock(*os.Root) (func(), error) { return func() {}, nil }
