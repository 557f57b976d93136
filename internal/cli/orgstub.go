package cli

import (
	"errors"

	"github.com/orgbackup/orgbackup/internal/check"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// orgResolver is replaced when org snapshots land (issue 3).
func orgResolver(string, *policy.Repo) (check.Resolver, error) {
	return nil, errors.New("--org: reading org snapshots is not available in this build yet")
}
