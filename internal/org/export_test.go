package org

// ParseSlow lets the benchmarks in package org_test, which use package
// orgtest (and so cannot be in package org), time the slow path.
var ParseSlow = parseSlow

// ParseFast lets package org_test check that the fast path takes the
// snapshots the generator writes.
var ParseFast = parseFast

// Every test of the package takes the parallel paths, in chunks of a few
// accounts, which is where their problems could come out of order.
func init() { minChunkItems = 2 }
