package org

// ParseSlow lets the benchmarks in package org_test, which use package
// orgtest (and so cannot be in package org), time the slow path.
var ParseSlow = parseSlow

// ParseFast lets package org_test check that the fast path takes the
// snapshots the generator writes.
var ParseFast = parseFast
