package awsorg

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestParentFromPaths(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{"o-a1b2c3d4e5/r-ab12/111122223333/"}, "r-ab12"},
		{[]string{"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/111122223333/"}, "ou-ab12-22222222"},
		{[]string{"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/111122223333"}, "ou-ab12-11111111"}, // no trailing slash
		{nil, ""},
		{[]string{"o-a1b2c3d4e5/r-ab12/111122223333/", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/111122223333/"}, ""}, // two places
		{[]string{"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"}, ""},                                                   // the OU's path, not the account's
		{[]string{"o-a1b2c3d4e5/r-ab12/999999999999/"}, ""},                                                       // another account
		{[]string{"111122223333/"}, ""},                                                                           // too short
		{[]string{"o-a1b2c3d4e5/Root/Workloads/111122223333/"}, ""},                                               // names, not ids
	} {
		got, ok := parentFromPaths(types.Account{Id: aws.String("111122223333"), Paths: tc.paths})
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%q: got %q, %v; want %q", tc.paths, got, ok, tc.want)
		}
	}
}

func TestStatsString(t *testing.T) {
	s := Stats{"ListRoots": {Calls: 1}, "DescribePolicy": {Calls: 4, Throttled: 2}, "ListAccounts": {Calls: 3, Failed: 1}}
	if got, want := s.String(), "8 API calls (DescribePolicy 4, ListAccounts 3, ListRoots 1), 2 throttled, 1 failed"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
