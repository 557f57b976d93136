package apply

import "github.com/orgbackup/orgbackup/internal/plan"

// Plan is what apply needs of a plan.
// TODO(live-plan merge): replace with *plan.Plan.
type Plan struct {
	InputsDigest string
	AllowDestroy bool
	Changes      []plan.Change
	// Problems are the plan's errors, one line each.
	Problems []string
}
