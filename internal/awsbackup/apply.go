package awsbackup

// The write side: AWS Backup's global settings of the management account,
// the one AWS Backup prerequisite of backup policies that is not an
// Organizations call (isCrossAccountBackupEnabled, for copy actions to
// other accounts).

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/awscall"
	"github.com/orgbackup/orgbackup/internal/plan"
)

// SettingsAPI is the part of the AWS Backup API the executor uses, with the
// SDK's own signature: *backup.Client satisfies it.
type SettingsAPI interface {
	UpdateGlobalSettings(context.Context, *backup.UpdateGlobalSettingsInput, ...func(*backup.Options)) (*backup.UpdateGlobalSettingsOutput, error)
}

// Settings carries out update-backup-setting changes.
type Settings struct {
	API SettingsAPI
}

// Execute sets one global setting (the change's Setting) to the change's
// After value. UpdateGlobalSettings sets only the keys it is given and
// setting a value that is already there changes nothing, so the change is
// idempotent as it is. See apply.Executor.
func (s *Settings) Execute(ctx context.Context, c plan.Change, rec apply.Recorder) (apply.Outcome, error) {
	if c.Action != plan.UpdateBackupSetting {
		return apply.Outcome{}, fmt.Errorf("apply %s: not an AWS Backup change", c.Action)
	}
	if c.Setting == "" || c.After == "" {
		return apply.Outcome{}, fmt.Errorf("update AWS Backup global setting: the change names no setting or value")
	}
	out, err := s.API.UpdateGlobalSettings(ctx, &backup.UpdateGlobalSettingsInput{
		GlobalSettings: map[string]string{c.Setting: c.After}})
	if err != nil {
		rec(awscall.Failed("UpdateGlobalSettings", "", err))
		return apply.Outcome{}, fmt.Errorf("update AWS Backup global setting %s=%s: %w", c.Setting, c.After, err)
	}
	rec(awscall.Done("UpdateGlobalSettings", "", out.ResultMetadata))
	return apply.Outcome{}, nil
}
