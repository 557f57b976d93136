// Package region is orgbackup's one list of AWS Regions. A Region code in a
// plan, a baseline, a copy destination or a KMS key that AWS does not have
// passes every other check when the same typo is in both the policy and
// the baseline; plans then run nowhere, and StackSets fail to deploy.
package region

import (
	"regexp"
	"slices"

	"github.com/orgbackup/orgbackup/internal/suggest"
)

// codes lists every Region of every partition, as the AWS SDK for Go v2
// knows them (aws-sdk-go-v2 v1.48.0, internal/endpoints/awsrulesfn/
// partitions.json, which the SDK's endpoint resolution uses). A Region AWS
// opens after this release is declared in the definitions with
// new_regions (see Known).
var codes = []string{
	// aws
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
	// aws-cn
	"cn-north-1", "cn-northwest-1",
	// aws-eusc
	"eusc-de-east-1",
	// aws-iso
	"us-iso-east-1", "us-iso-west-1",
	// aws-iso-b
	"us-isob-east-1", "us-isob-west-1",
	// aws-iso-e
	"eu-isoe-west-1",
	// aws-iso-f
	"us-isof-east-1", "us-isof-south-1",
	// aws-us-gov
	"us-gov-east-1", "us-gov-west-1",
}

// shape is what a Region code looks like in every partition: "us-east-1",
// "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1". A code of this shape
// that is not in codes may be a Region newer than this release.
// The CUE schema's #Region (schema/common.cue) is the same expression.
var shape = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]{2,10})+-[0-9]{1,2}$`)

// Shaped reports whether code looks like a Region code.
func Shaped(code string) bool { return shape.MatchString(code) }

// Known reports whether code is an AWS Region this release knows, or one of
// declared: the Regions the definitions declare with new_regions because AWS
// opened them after this release.
func Known(code string, declared []string) bool {
	return slices.Contains(codes, code) || slices.Contains(declared, code)
}

// Closest returns the known or declared Region most like code, for "did you
// mean", or "".
func Closest(code string, declared []string) string {
	return suggest.Closest(code, slices.Concat(codes, declared))
}

// Codes returns every Region this release knows, sorted.
func Codes() []string {
	out := slices.Clone(codes)
	slices.Sort(out)
	return out
}
