package awsbackup

import (
	"context"
	"errors"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/smithy-go/middleware"

	"github.com/orgbackup/orgbackup/internal/apply"
	"github.com/orgbackup/orgbackup/internal/plan"
)

type settingsFake struct {
	got []map[string]string
	err error
}

func (f *settingsFake) UpdateGlobalSettings(_ context.Context, in *backup.UpdateGlobalSettingsInput, _ ...func(*backup.Options)) (*backup.UpdateGlobalSettingsOutput, error) {
	f.got = append(f.got, in.GlobalSettings)
	if f.err != nil {
		return nil, f.err
	}
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, "req-1")
	return &backup.UpdateGlobalSettingsOutput{ResultMetadata: md}, nil
}

func TestSettingsExecute(t *testing.T) {
	f := &settingsFake{}
	s := &Settings{API: f}
	var calls []apply.Call
	rec := func(c apply.Call) { calls = append(calls, c) }
	c := plan.Change{Action: plan.UpdateBackupSetting, Setting: plan.CrossAccountBackupSetting, Before: "false", After: "true"}
	if _, err := s.Execute(context.Background(), c, rec); err != nil {
		t.Fatal(err)
	}
	// Only the one setting is sent: the others stay as they are.
	if len(f.got) != 1 || len(f.got[0]) != 1 || f.got[0][plan.CrossAccountBackupSetting] != "true" {
		t.Fatalf("sent %v", f.got)
	}
	if len(calls) != 1 || calls[0].Operation != "UpdateGlobalSettings" || calls[0].Result != apply.Done || calls[0].RequestID != "req-1" {
		t.Fatalf("calls %+v", calls)
	}

	f.err = errors.New("InvalidRequestException: not a management account")
	calls = nil
	if _, err := s.Execute(context.Background(), c, rec); err == nil || len(calls) != 1 || calls[0].Result != apply.Failed {
		t.Fatalf("err %v, calls %+v", err, calls)
	}
	if _, err := s.Execute(context.Background(), plan.Change{Action: plan.Attach}, rec); err == nil {
		t.Fatal("an attach is accepted")
	}
}
