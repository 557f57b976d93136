// Package awsbackup reaches AWS Backup: the organization-wide settings
// orgbackup reads (here) and changes (the apply side).
package awsbackup

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/backup"
)

// SettingsReader is the part of *backup.Client that reads AWS Backup's
// global settings.
type SettingsReader interface {
	DescribeGlobalSettings(context.Context, *backup.DescribeGlobalSettingsInput, ...func(*backup.Options)) (*backup.DescribeGlobalSettingsOutput, error)
}

// GlobalSettings returns AWS Backup's global settings in the caller's
// account (for orgbackup, the management account), such as
// isCrossAccountBackupEnabled = "true". An empty answer is an empty, not a
// nil, map: read, and nothing set.
func GlobalSettings(ctx context.Context, api SettingsReader, optFns ...func(*backup.Options)) (map[string]string, error) {
	out, err := api.DescribeGlobalSettings(ctx, &backup.DescribeGlobalSettingsInput{}, optFns...)
	if err != nil {
		return nil, fmt.Errorf("read AWS Backup global settings: %w", err)
	}
	s := maps.Clone(out.GlobalSettings)
	if s == nil {
		s = map[string]string{}
	}
	return s, nil
}
