package plan

import (
	"regexp"
	"unicode/utf8"

	"github.com/orgbackup/orgbackup/internal/org"
	"github.com/orgbackup/orgbackup/internal/policy"
)

// Owned reports whether p is orgbackup's: it carries managed-by=orgbackup
// and, when the repository scopes ownership (organization.repository),
// that repository's tag. orgbackup never updates, tags, detaches or
// deletes a policy that is not its own; everything else is context that
// counts in effective policies but is never changed.
func Owned(p *org.Policy, repository string) bool {
	if p == nil || p.AWSManaged || p.Tags[policy.TagManagedBy] != policy.ManagedBy {
		return false
	}
	return repository == "" || p.Tags[policy.TagRepository] == repository
}

// Tags returns the tags orgbackup puts on the policy it creates or adopts
// for a definition: the ownership tag, the definition's file
// (repository-relative, slash-separated) and, if set, the repository.
// Tags on the policy that are not orgbackup's are left alone.
func Tags(source, repository string) map[string]string {
	t := map[string]string{policy.TagManagedBy: policy.ManagedBy, policy.TagSource: source}
	if repository != "" {
		t[policy.TagRepository] = repository
	}
	return t
}

// tagValueRe is the Organizations tag value pattern (0 to 256 characters).
// CreatePolicy fails as a whole on one bad tag, so the plan checks first.
var tagValueRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// validTagValue reports whether Organizations accepts s as a tag value.
func validTagValue(s string) bool {
	return utf8.RuneCountInString(s) <= 256 && tagValueRe.MatchString(s)
}
