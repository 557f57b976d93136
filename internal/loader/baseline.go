package loader

import (
	"cuelang.org/go/cue"

	"github.com/orgbackup/orgbackup/internal/policy"
)

// decodeDeployment fills the fields of b that say how it is deployed:
// whether its resources exist already, who manages its key, and the
// StackSet operation preferences. It is separate from decode so the
// deployment settings stay in one place.
func decodeDeployment(b *policy.Baseline, bv, bu cue.Value) {
	b.Existing, _ = bv.LookupPath(cue.ParsePath("existing")).Bool()
	b.ExistingPos = posOf(bu.LookupPath(cue.ParsePath("existing")).Pos())
	b.ManagedKMSKey, _ = bv.LookupPath(cue.ParsePath("managed_kms_key")).Bool()
	b.ManagedKMSKeyPos = posOf(bu.LookupPath(cue.ParsePath("managed_kms_key")).Pos())
	b.Operation = policy.DefaultOperationPreferences
	op := bv.LookupPath(cue.ParsePath("operation_preferences"))
	if !op.Exists() {
		return
	}
	if n, err := op.LookupPath(cue.ParsePath("max_concurrent_percentage")).Int64(); err == nil {
		b.Operation.MaxConcurrentPercentage = int(n)
	}
	if n, err := op.LookupPath(cue.ParsePath("failure_tolerance_percentage")).Int64(); err == nil {
		b.Operation.FailureTolerancePercentage = int(n)
	}
	if s, err := op.LookupPath(cue.ParsePath("region_concurrency")).String(); err == nil {
		b.Operation.RegionConcurrency = s
	}
}
