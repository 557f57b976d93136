package org

import (
	"runtime"
	"testing"
	"unsafe"
	"weak"
)

// TestLoadLetsGoOfTheFile checks that an Org from the fast path keeps no
// string of the snapshot's text, which Load shares with the file's
// buffer: the 30 MB buffer of 100,000 accounts is then free once Load
// returns. The snapshot has a string in every place a string can be.
func TestLoadLetsGoOfTheFile(t *testing.T) {
	src := `{"format_version": "1", "source": "aws", "captured_at": "2025-01-31T09:00:00Z",
"organization": {"id": "o-abcdefghij", "arn": "arn:aws:organizations::111111111111:organization/o-abcdefghij", "management_account_id": "111111111111", "feature_set": "ALL"},
"settings": {"trusted_services": ["backup.amazonaws.com"], "delegated_administrators": {"backup.amazonaws.com": ["222222222222"]}, "backup_global_settings": {"isCrossAccountBackupEnabled": "true"}},
"roots": [{"id": "r-ab12", "name": "Root", "arn": "arn:aws:organizations::111111111111:root/o-abcdefghij/r-ab12", "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}], "policies": {"BACKUP_POLICY": ["p-11111111"]}}],
"organizational_units": [{"id": "ou-ab12-11111111", "name": "Workloads", "arn": "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-11111111", "policies": {"BACKUP_POLICY": ["p-11111111"]}}],
"accounts": [{"id": "111111111111", "name": "management", "email": "a@example.com", "arn": "arn:aws:organizations::111111111111:account/o-abcdefghij/111111111111", "status": "ACTIVE", "state": "ACTIVE", "joined_method": "CREATED", "joined_timestamp": "2020-01-01T00:00:00Z"},
  {"id": "222222222222", "name": "prod", "parent_id": "ou-ab12-11111111", "email": "b@example.com", "status": "SUSPENDED", "state": "SUSPENDED", "joined_method": "INVITED", "policies": {"BACKUP_POLICY": ["daily"]}}],
"policies": [{"id": "p-11111111", "name": "daily", "type": "BACKUP_POLICY", "arn": "arn:aws:organizations::111111111111:policy/o-abcdefghij/backup_policy/p-11111111", "description": "every day", "tags": {"team": "ops"}, "content": {"plans": {"p": {"regions": {"@@assign": ["eu-west-1"]}}}}},
  {"id": "p-22222222", "name": "tags", "type": "TAG_POLICY", "content": "{\"tags\": {\"x\": {}}}"}]
}`
	data := []byte(src)
	o := parseFastText("f.json", data, unsafe.String(unsafe.SliceData(data), len(data)))
	if o == nil {
		t.Fatal("the fast path refused the snapshot")
	}
	want := string(o.Encode())
	file := weak.Make(unsafe.SliceData(data))
	data = nil
	runtime.GC()
	if file.Value() != nil {
		t.Error("the Org keeps the snapshot's buffer alive")
	}
	if got := string(o.Encode()); got != want {
		t.Errorf("the Org changed:\n%s", lineDiff(want, got))
	}
}
