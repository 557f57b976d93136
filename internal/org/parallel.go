package org

import (
	"runtime"
	"sync"
)

// minChunkItems is the fewest accounts (or other items) a goroutine takes
// on: below it, a goroutine costs more than it saves. Tests lower it, so
// that the small snapshots they load take the parallel paths too.
var minChunkItems = 4096

// chunked splits [0, n) into consecutive chunks of at least least items,
// as many as it pays to work on at once (least is minChunkItems for
// accounts, fewer for things that stand for many accounts), calls
// fn(lo, hi) for each on a goroutine of its own,
// and returns their results in chunk order. Results joined in that order
// come in the order of a single loop from 0 to n, which keeps problems in
// the order they always were.
func chunked[R any](n, least int, fn func(lo, hi int) R) []R {
	least = max(least, 1)
	chunks := min((n+least-1)/least, 2*runtime.GOMAXPROCS(0))
	if chunks <= 1 {
		return []R{fn(0, n)}
	}
	out := make([]R, chunks)
	var wg sync.WaitGroup
	for k := range out {
		wg.Go(func() { out[k] = fn(k*n/chunks, (k+1)*n/chunks) })
	}
	wg.Wait()
	return out
}
