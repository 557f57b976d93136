package org

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/orgbackup/orgbackup/internal/policy"
)

// lines joins its arguments as the lines of a file, so that a test's
// expected line numbers can be read off the argument list.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// The fixture every error case starts from: the example organization's
// shape, small enough to count lines in.
const okHead = `{"format_version": "1", "roots": [{"id": "r-ab12"}],`

// loadErrorCases are the invalid snapshots of TestLoadErrors; FuzzParse
// starts from them too.
var loadErrorCases = []struct {
	name string
	src  string
	// want holds one entry per problem, in order: "line:col: message" as a
	// prefix of the problem, optionally followed by " | " and a substring
	// of its hint.
	want []string
}{
	{"syntax error", lines(
		`{`,
		`  "format_version": "1",`,
		`}`),
		[]string{`3:1: invalid JSON`}},
	{"duplicate key", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12", "id": "r-ab12"}]}`),
		[]string{`2:29: duplicate key "id"`}},
	{"not an object", lines(`["format_version"]`),
		[]string{`1:1: a snapshot must be a JSON object, not a JSON list`}},
	{"missing format_version", lines(
		`{"roots": [{"id": "r-ab12"}]}`),
		[]string{`1:1: missing format_version | "format_version": "1"`}},
	{"unsupported format_version", lines(
		`{"format_version": "2",`,
		` "roots": [{"id": "r-ab12", "new_in_v2": true}]}`),
		[]string{`1:20: unsupported format_version "2"; this build reads only "1" | upgrade orgbackup`}},
	{"format_version number", lines(
		`{"format_version": 1, "roots": [{"id": "r-ab12"}]}`),
		[]string{`1:20: "format_version" must be a string, not a JSON number | e.g. "1"`}},
	{"unknown top-level key", lines(
		`{"format_version": "1", "roots": [{"id": "r-ab12"}],`,
		` "organisation": {}}`),
		[]string{`2:2: unknown key "organisation" in snapshot | did you mean "organization"?`}},
	{"unknown account key", lines(
		okHead,
		` "accounts": [`,
		`  {"id": "123456789012", "nmae": "prod-a"}]}`),
		[]string{`3:26: unknown key "nmae" in account | did you mean "name"?`}},
	{"case variant key", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "Name": "prod-a"}]}`),
		[]string{`2:38: unknown key "Name" in account | did you mean "name"?`}},
	{"key of another object", lines(
		okHead,
		` "organizational_units": [{"id": "ou-ab12-11111111", "name": "A", "email": "a@example.com"}]}`),
		[]string{`2:67: unknown key "email" in organizational unit | an organizational unit takes id, name, parent_id, arn, policies`}},
	{"bad id patterns", lines(
		`{"format_version": "1",`,
		` "organization": {"id": "o-1", "management_account_id": "1111"},`,
		` "roots": [{"id": "r-AB12"}],`,
		` "organizational_units": [{"id": "ou-ab12-1", "name": "A"}],`,
		` "accounts": [{"id": "12345"}],`,
		` "policies": [{"id": "p-1", "name": "x", "type": "TAG_POLICY", "content": {}}]}`),
		[]string{
			`2:25: bad organization id "o-1"`,
			`2:57: bad management account id "1111" | 12 digits`,
			`3:19: bad root id "r-AB12"`,
			`4:34: bad organizational unit id "ou-ab12-1" | "ou-ab12-11111111"`,
			`5:22: bad account id "12345" | exactly 12 digits`,
			`6:22: bad policy id "p-1"`,
		}},
	{"id of the wrong JSON type", lines(
		okHead,
		` "accounts": [{"id": 123456789012}]}`),
		[]string{`2:22: "id" must be a string, not a JSON number | "123456789012"`}},
	{"missing ids and names", lines(
		okHead,
		` "organizational_units": [{"name": "A"}, {"id": "ou-ab12-11111111"}],`,
		` "accounts": [{"name": "x"}],`,
		` "policies": [{"type": "TAG_POLICY", "content": {}}]}`),
		[]string{
			`2:27: organizational unit "A" has no id`,
			`2:42: organizational unit "ou-ab12-11111111" has no name`,
			`3:15: account "x" has no id`,
			`4:15: policy #1 has no id`,
			`4:15: policy #1 has no name`,
		}},
	{"unknown parent", lines(
		okHead,
		` "organizational_units": [`,
		`  {"id": "ou-ab12-11111111", "name": "Workloads"},`,
		`  {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111112"}]}`),
		[]string{`4:59: unknown parent "ou-ab12-11111112" of organizational unit "Prod" | did you mean "ou-ab12-11111111"?`}},
	{"parent given by name", lines(
		okHead,
		` "organizational_units": [`,
		`  {"id": "ou-ab12-11111111", "name": "Workloads"},`,
		`  {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "Workloads"}]}`),
		[]string{`4:59: unknown parent "Workloads" of organizational unit "Prod" | parent_id takes an id: organizational unit "Workloads" is "ou-ab12-11111111"`}},
	{"parent is an account", lines(
		okHead,
		` "organizational_units": [{"id": "ou-ab12-11111111", "name": "A", "parent_id": "123456789012"}],`,
		` "accounts": [{"id": "123456789012"}, {"id": "210987654321", "parent_id": "123456789012"}]}`),
		[]string{
			`2:80: parent "123456789012" of organizational unit "A" is an account`,
			`3:75: parent "123456789012" of account 210987654321 is an account`,
		}},
	{"parent cycle", lines(
		okHead,
		` "organizational_units": [`,
		`  {"id": "ou-ab12-11111111", "name": "A", "parent_id": "ou-ab12-33333333"},`,
		`  {"id": "ou-ab12-22222222", "name": "B", "parent_id": "ou-ab12-11111111"},`,
		`  {"id": "ou-ab12-33333333", "name": "C", "parent_id": "ou-ab12-22222222"},`,
		`  {"id": "ou-ab12-44444444", "name": "D", "parent_id": "ou-ab12-33333333"},`,
		`  {"id": "ou-ab12-55555555", "name": "E", "parent_id": "ou-ab12-55555555"}]}`),
		[]string{
			`3:56: parent cycle: A → C → B → A | cannot be below itself`,
			`7:56: parent cycle: E → E`,
		}},
	{"nesting deeper than 5", lines(
		okHead,
		` "organizational_units": [`,
		`  {"id": "ou-ab12-11111111", "name": "L1"},`,
		`  {"id": "ou-ab12-22222222", "name": "L2", "parent_id": "ou-ab12-11111111"},`,
		`  {"id": "ou-ab12-33333333", "name": "L3", "parent_id": "ou-ab12-22222222"},`,
		`  {"id": "ou-ab12-44444444", "name": "L4", "parent_id": "ou-ab12-33333333"},`,
		`  {"id": "ou-ab12-55555555", "name": "L5", "parent_id": "ou-ab12-44444444"},`,
		`  {"id": "ou-ab12-66666666", "name": "L6", "parent_id": "ou-ab12-55555555"},`,
		`  {"id": "ou-ab12-77777777", "name": "L7", "parent_id": "ou-ab12-66666666"}]}`),
		[]string{`8:57: organizational unit "L6" is nested 6 levels below the root; AWS allows at most 5`}},
	{"duplicate ids", lines(
		okHead,
		` "organizational_units": [{"id": "ou-ab12-11111111", "name": "A"}, {"id": "ou-ab12-11111111", "name": "B"}],`,
		` "accounts": [{"id": "123456789012"}, {"id": "123456789012"}],`,
		` "policies": [{"id": "p-abcd1234", "name": "x", "type": "TAG_POLICY", "content": {}},`,
		`              {"id": "p-abcd1234", "name": "y", "type": "TAG_POLICY", "content": {}}]}`),
		[]string{
			`2:75: duplicate id "ou-ab12-11111111" | first at line 2`,
			`3:46: duplicate id "123456789012"`,
			`5:22: duplicate policy id "p-abcd1234" | first at line 4`,
		}},
	{"duplicate sibling names", lines(
		okHead,
		` "organizational_units": [`,
		`  {"id": "ou-ab12-11111111", "name": "Workloads"},`,
		`  {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111111"},`,
		`  {"id": "ou-ab12-33333333", "name": "Prod"},`,
		`  {"id": "ou-ab12-44444444", "name": "Prod", "parent_id": "ou-ab12-11111111"}]}`),
		[]string{`6:38: two organizational units named "Prod" under organizational unit "Workloads" | first at line 4`}},
	{"duplicate policy name", lines(
		okHead,
		` "policies": [{"id": "p-abcd1234", "name": "x", "type": "TAG_POLICY", "content": {}},`,
		`              {"id": "p-abcd5678", "name": "x", "type": "TAG_POLICY", "content": {}},`,
		`              {"id": "p-abcd9012", "name": "x", "type": "BACKUP_POLICY", "content": {}}]}`),
		[]string{`3:44: duplicate TAG_POLICY name "x" | unique within a type`}},
	{"attachment to unknown policy", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "policies": {"BACKUP_POLICY": ["daily-backup", "p-abcd1235"]}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "daily-backups", "type": "BACKUP_POLICY", "content": {}}]}`),
		[]string{
			`2:69: attachment to unknown policy "daily-backup" | did you mean "daily-backups"?`,
			`2:85: attachment to unknown policy "p-abcd1235" | did you mean "p-abcd1234"?`,
		}},
	{"attachment of the wrong type", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "policies": {"BACKUP_POLICY": ["tags", "p-abcd1234"]}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "tags", "type": "TAG_POLICY", "content": {}}]}`),
		[]string{
			`2:69: policy "tags" is a TAG_POLICY, not a BACKUP_POLICY | list it under "TAG_POLICY"`,
			`2:77: policy "p-abcd1234" is a TAG_POLICY, not a BACKUP_POLICY`,
		}},
	{"attached twice", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "policies": {"TAG_POLICY": ["p-abcd1234", "tags"]}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "tags", "type": "TAG_POLICY", "content": {}}]}`),
		[]string{`2:80: policy "tags" is attached to account 123456789012 twice`}},
	{"more than 10 attached", lines(
		okHead,
		` "organizational_units": [{"id": "ou-ab12-11111111", "name": "A", "policies": {"BACKUP_POLICY":`,
		`   ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11"]}}],`,
		` "policies": [`+elevenPolicies()+`]}`),
		[]string{`3:4: 11 BACKUP_POLICY policies attached to organizational unit "A" | at most 10`}},
	{"two roots", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12"},`,
		`           {"id": "r-cd34"}]}`),
		[]string{`3:12: two roots: "r-ab12" and "r-cd34" | exactly one root`}},
	{"no root", lines(
		`{"format_version": "1",`,
		` "roots": []}`),
		[]string{`2:11: no root`}},
	{"no roots key", lines(
		`{"format_version": "1", "accounts": [{"id": "123456789012"}]}`),
		[]string{`1:1: no root`}},
	{"account under an unknown parent", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "parent_id": "ou-ab12-11111111"}]}`),
		[]string{`2:51: account 123456789012 is under an unknown parent "ou-ab12-11111111"`}},
	{"unsupported policy types", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12", "policy_types": [{"type": "BACKUP_POLICIES", "status": "ENABLED"}]}],`,
		` "accounts": [{"id": "123456789012", "policies": {"BAKUP_POLICY": []}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "x", "type": "SCP", "content": {}}]}`),
		[]string{
			`2:55: unsupported policy type "BACKUP_POLICIES" | did you mean "BACKUP_POLICY"?`,
			`3:51: unsupported policy type "BAKUP_POLICY" | did you mean "BACKUP_POLICY"?`,
			`4:57: unsupported policy type "SCP" | this build knows AISERVICES_OPT_OUT_POLICY`,
		}},
	{"policy type not enabled", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12", "policy_types": [{"type": "TAG_POLICY", "status": "ENABLED"}],`,
		`            "policies": {"BACKUP_POLICY": ["x"]}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "x", "type": "BACKUP_POLICY", "content": {}}]}`),
		[]string{`3:26: BACKUP_POLICY policies are attached to the root but the policy type is not enabled on the root | "status": "ENABLED"`}},
	{"bad policy type status", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12", "policy_types": [{"type": "TAG_POLICY", "status": "ON"}, {"type": "TAG_POLICY"}]}]}`),
		[]string{
			`2:79: unknown status "ON" | ENABLED`,
			`2:86: policy type TAG_POLICY has no status`,
			`2:95: policy type TAG_POLICY is listed twice`,
		}},
	{"content not valid JSON", lines(
		okHead,
		` "policies": [`,
		`  {"id": "p-abcd1234", "name": "a", "type": "TAG_POLICY", "content": "{\"tags\": }"},`,
		`  {"id": "p-abcd5678", "name": "b", "type": "TAG_POLICY", "content": "[1]"},`,
		`  {"id": "p-abcd9012", "name": "c", "type": "TAG_POLICY", "content": [1]},`,
		`  {"id": "p-abcd3456", "name": "d", "type": "TAG_POLICY", "content": null},`,
		`  {"id": "p-abcd7890", "name": "e", "type": "TAG_POLICY"}]}`),
		[]string{
			`3:70: content string is not valid JSON: invalid JSON: invalid character '}' looking for beginning of value (line 1, column 10 of the string)`,
			`4:70: content string holds a JSON list, not an object`,
			`5:70: content must be a JSON object or a string`,
			`6:70: policy has no content`,
			`7:3: policy has no content`,
		}},
	{"duplicate key in content", lines(
		okHead,
		` "policies": [{"id": "p-abcd1234", "name": "a", "type": "BACKUP_POLICY", "content": {`,
		`   "plans": {}, "plans": {}}}]}`),
		[]string{`3:17: duplicate key "plans"`}},
	{"wrong JSON types", lines(
		okHead,
		` "accounts": [{"id": "123456789012", "policies": {"TAG_POLICY": "tags"}}, {"id": "210987654321", "policies": {"TAG_POLICY": [7]}}],`,
		` "policies": [{"id": "p-abcd1234", "name": "tags", "type": "TAG_POLICY", "aws_managed": "false", "tags": {"a": 1}, "content": {}}]}`),
		[]string{
			`2:65: the policies attached for TAG_POLICY must be a list, not a JSON string | in attachment order`,
			`2:126: a policy reference must be a string, not a JSON number`,
			`3:89: "aws_managed" must be true or false, not a JSON string`,
			`3:112: tag "a" must be a string, not a JSON number`,
		}},
	{"header fields", lines(
		`{"format_version": "1", "source": "aws",`,
		` "organization": {"feature_set": "SOME", "arn": "o-abcdefghij"},`,
		` "roots": [{"id": "r-ab12"}],`,
		` "accounts": [{"id": "123456789012", "state": "OPEN", "joined_timestamp": "yesterday", "email": "nobody"}]}`),
		[]string{
			`1:35: a snapshot with source "aws" needs captured_at`,
			`2:34: unknown feature_set "SOME"`,
			`2:49: bad arn "o-abcdefghij"`,
			`4:47: unknown state "OPEN" | PENDING_ACTIVATION, ACTIVE`,
			`4:75: joined_timestamp "yesterday" is not an RFC 3339 time`,
			`4:97: bad email "nobody"`,
		}},
	{"unknown source and bad time", lines(
		`{"format_version": "1", "source": "console", "captured_at": "2025-13-01T00:00:00Z", "roots": [{"id": "r-ab12"}]}`),
		[]string{
			`1:35: unknown source "console"`,
			`1:61: captured_at "2025-13-01T00:00:00Z" is not an RFC 3339 time`,
		}},
	{"management account missing", lines(
		`{"format_version": "1", "organization": {"management_account_id": "111111111111"},`,
		` "roots": [{"id": "r-ab12"}]}`),
		[]string{`1:67: management account 111111111111 is not among the accounts | add the management account under accounts`}},
	{"settings", lines(
		`{"format_version": "1", "organization": {"management_account_id": "111111111111"},`,
		` "settings": {"trusted_services": ["backup.amazonaws.com", "bad principal", "backup.amazonaws.com"],`,
		`  "delegated_administrators": {"backup.amazonaws.com": ["111111111111", "222222222222", "33", "444444444444", "444444444444"]},`,
		`  "backup_global_settings": {"isCrossAccountBackupEnabled": "yes", "": "x"}},`,
		` "roots": [{"id": "r-ab12"}], "accounts": [{"id": "111111111111"}, {"id": "444444444444"}]}`),
		[]string{
			`2:60: bad service principal "bad principal" | "backup.amazonaws.com"`,
			`2:77: service principal "backup.amazonaws.com" is listed twice in trusted_services`,
			`3:57: the management account 111111111111 cannot be a delegated administrator for backup.amazonaws.com | CANNOT_REGISTER_MASTER`,
			`3:73: delegated administrator 222222222222 for backup.amazonaws.com is not among the accounts | member account`,
			`3:89: bad delegated administrator account id "33" for backup.amazonaws.com`,
			`3:111: account 444444444444 is listed twice as a delegated administrator for backup.amazonaws.com`,
			`4:61: global setting isCrossAccountBackupEnabled of AWS Backup is "yes", not "true" or "false"`,
			`4:68: global setting of AWS Backup with an empty name`,
		}},
	{"settings types", lines(
		`{"format_version": "1", "roots": [{"id": "r-ab12"}], "settings": {"trusted_service": [],`,
		`  "trusted_services": [7], "delegated_administrators": {"backup.amazonaws.com": "111111111111", "x.amazonaws.com": [1]},`,
		`  "backup_global_settings": {"isMpaEnabled": true}}}`),
		[]string{
			`1:67: unknown key "trusted_service" in settings object | did you mean "trusted_services"?`,
			`2:24: a service principal must be a string, not a JSON number`,
			`2:81: the delegated administrators of backup.amazonaws.com must be a list, not a JSON string`,
			`2:117: an account id must be a string, not a JSON number`,
			`3:46: setting "isMpaEnabled" must be a string, not a JSON bool`,
		}},
	{"settings not an object", lines(
		`{"format_version": "1", "roots": [{"id": "r-ab12"}], "settings": {"delegated_administrators": [], "backup_global_settings": "on"}}`),
		[]string{
			`1:95: "delegated_administrators" must be an object of service principal to account ids`,
			`1:125: "backup_global_settings" must be an object of setting name to value`,
		}},
	{"every problem listed", lines(
		`{"format_version": "1",`,
		` "roots": [{"id": "r-ab12", "nmae": "Root"}],`,
		` "organizational_units": [{"id": "ou-ab12-11111111", "name": "A", "parent_id": "ou-ab12-99999999"}],`,
		` "accounts": [{"id": "1234", "parent_id": "ou-ab12-11111111", "policies": {"BACKUP_POLICY": ["nope"]}}]}`),
		[]string{
			`2:29: unknown key "nmae" in root`,
			`3:80: unknown parent "ou-ab12-99999999"`,
			`4:22: bad account id "1234"`,
			`4:94: attachment to unknown policy "nope"`,
		}},
}

// hostileCases are snapshots built to exhaust the parser: each must fail
// with a positioned problem and a hint, like any other mistake.
var hostileCases = []struct{ name, src, want string }{
	{"deeply nested", `{"format_version": "1", "roots": ` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`,
		"1:1033: the JSON document nests more than 1000 levels deep | opened and never closed"},
	{"deeply nested content string", `{"format_version": "1", "roots": [{"id": "r-ab12", "policies": {"BACKUP_POLICY": ["p"]}}], "policies": [{"id": "p-abcd1234", "name": "p", "type": "BACKUP_POLICY", "content": "` +
		strings.Repeat(`{\"a\":`, 5000) + `"}]}`, "content string is not valid JSON: the JSON document nests more than 1000 levels deep"},
	{"byte-order mark", "\ufeff{\"format_version\": \"1\"}", "1:1: the file starts with a UTF-8 byte-order mark | without a byte-order mark"},
}

func TestLoadHostile(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.json", []byte(tc.src))
			var le *LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("Parse = %v, want a *LoadError", err)
			}
			p := le.Problems[0]
			msg, hint, _ := strings.Cut(tc.want, " | ")
			line := fmt.Sprintf("%d:%d: %s", p.Pos.Line, p.Pos.Col, p.Msg)
			if !strings.Contains(line, msg) || !strings.Contains(p.Hint, hint) {
				t.Errorf("got %s (hint: %s)\nwant %s (hint containing %q)", line, p.Hint, msg, hint)
			}
		})
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
			t.Errorf("Load(/dev/zero) = %v, want a size error", err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range loadErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Parse("s.json", []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want %d problems; organization has %d accounts", len(tc.want), len(o.Accounts()))
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *LoadError: %v", err, err)
			}
			got := le.Problems
			for i, w := range tc.want {
				if i >= len(got) {
					t.Errorf("missing problem %d: want %s", i, w)
					continue
				}
				msg, hint, _ := strings.Cut(w, " | ")
				line := fmt.Sprintf("%d:%d: %s", got[i].Pos.Line, got[i].Pos.Col, got[i].Msg)
				if got[i].Pos.File != "s.json" || !strings.HasPrefix(line, msg) || !strings.Contains(got[i].Hint, hint) {
					t.Errorf("problem %d:\n got %s (hint: %s)\nwant %s (hint containing %q)", i, line, got[i].Hint, msg, hint)
				}
			}
			for _, p := range got[min(len(got), len(tc.want)):] {
				t.Errorf("unexpected problem %d:%d: %s (hint: %s)", p.Pos.Line, p.Pos.Col, p.Msg, p.Hint)
			}
			for _, p := range got {
				if p.Msg == "" || p.Msg[:1] != strings.ToLower(p.Msg[:1]) && !strings.HasPrefix(p.Msg, "BACKUP_POLICY") {
					t.Errorf("message %q is not lower-case", p.Msg)
				}
				if p.Hint == "" {
					t.Errorf("problem %q has no hint", p.Msg)
				}
			}
			// The fast path must refuse everything the slow path refuses.
			if parseFast("s.json", []byte(tc.src)) != nil {
				t.Error("parseFast accepted an invalid snapshot")
			}
		})
	}
}

func elevenPolicies() string {
	var ps []string
	for i := 1; i <= 11; i++ {
		ps = append(ps, fmt.Sprintf(`{"id": "p-abcd%04d", "name": "p%d", "type": "BACKUP_POLICY", "content": {}}`, i, i))
	}
	return strings.Join(ps, ", ")
}

// TestLoadAccepts covers the conveniences and edge cases a valid snapshot
// may use; each must load on both paths.
func TestLoadAccepts(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"minimal", `{"format_version": "1", "roots": [{"id": "r-ab12"}]}`},
		{"nulls are absent", `{"format_version": "1", "source": null, "organization": null,
			"roots": [{"id": "r-ab12", "name": null, "policies": null, "policy_types": null}],
			"accounts": [{"id": "123456789012", "parent_id": null, "policies": {"BACKUP_POLICY": null}}],
			"policies": [{"id": "p-abcd1234", "name": "x", "type": "TAG_POLICY", "tags": null, "aws_managed": null, "content": {}}]}`},
		{"empty list of a type not enabled", `{"format_version": "1",
			"roots": [{"id": "r-ab12", "policy_types": [{"type": "TAG_POLICY", "status": "PENDING_ENABLE"}], "policies": {"BACKUP_POLICY": []}}]}`},
		{"pending types allow attachments", `{"format_version": "1",
			"roots": [{"id": "r-ab12", "policy_types": [{"type": "TAG_POLICY", "status": "PENDING_DISABLE"}], "policies": {"TAG_POLICY": ["x"]}}],
			"policies": [{"id": "p-abcd1234", "name": "x", "type": "TAG_POLICY", "content": "{}"}]}`},
		{"unicode and escapes", `{"format_version": "1", "roots": [{"id": "r-ab12"}],
			"organizational_units": [{"id": "ou-ab12-11111111", "name": "Entwicklung \u00e9 \"quoted\""}],
			"accounts": [{"id": "123456789012", "name": "日本", "parent_id": "ou-ab12-11111111"}]}`},
		{"ten attachments", `{"format_version": "1", "roots": [{"id": "r-ab12", "policies": {"BACKUP_POLICY":
			["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"]}}], "policies": [` + elevenPolicies() + `]}`},
		{"five levels", `{"format_version": "1", "roots": [{"id": "r-ab12"}], "organizational_units": [
			{"id": "ou-ab12-55555555", "name": "L5", "parent_id": "ou-ab12-44444444"},
			{"id": "ou-ab12-44444444", "name": "L4", "parent_id": "ou-ab12-33333333"},
			{"id": "ou-ab12-33333333", "name": "L3", "parent_id": "ou-ab12-22222222"},
			{"id": "ou-ab12-22222222", "name": "L2", "parent_id": "ou-ab12-11111111"},
			{"id": "ou-ab12-11111111", "name": "L1"}],
			"accounts": [{"id": "123456789012", "parent_id": "ou-ab12-55555555"}]}`},
		{"same OU name under different parents", `{"format_version": "1", "roots": [{"id": "r-ab12"}], "organizational_units": [
			{"id": "ou-ab12-11111111", "name": "A"}, {"id": "ou-ab12-22222222", "name": "Prod", "parent_id": "ou-ab12-11111111"},
			{"id": "ou-ab12-33333333", "name": "B"}, {"id": "ou-ab12-44444444", "name": "Prod", "parent_id": "ou-ab12-33333333"}]}`},
		{"settings read, none", `{"format_version": "1", "roots": [{"id": "r-ab12"}],
			"settings": {"trusted_services": [], "delegated_administrators": {"backup.amazonaws.com": []}, "backup_global_settings": {}}}`},
		{"settings in any order, nulls", `{"format_version": "1", "roots": [{"id": "r-ab12"}], "accounts": [{"id": "222222222222"}, {"id": "111111111111"}],
			"settings": {"trusted_services": ["z.amazonaws.com", "backup.amazonaws.com"], "delegated_administrators": {"backup.amazonaws.com": ["222222222222", "111111111111"], "x.amazonaws.com": null},
			"backup_global_settings": {"isCrossAccountBackupEnabled": "false", "someNewSetting": "7"}}}`},
		{"leading white space and CRLF", "\r\n \t{\"format_version\": \"1\",\r\n\"roots\": [{\"id\": \"r-ab12\"}]}\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := Parse("ok.json", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if enc, want := o.Encode(), encodeJSON(o); !bytes.Equal(enc, want) {
				t.Errorf("Encode differs from encoding/json's encoding of Snapshot():\n%s", lineDiff(string(want), string(enc)))
			}
			if parseFast("ok.json", []byte(tc.src)) == nil {
				t.Error("the fast path refused it")
			}
		})
	}
}

func TestLoadErrorString(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format_version": "1", "roots": [{"id": "r-ab12"}], "accounts": [`)
	for i := range 60 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"id": "%d"}`, i)
	}
	b.WriteString("]}")
	_, err := Parse("many.json", []byte(b.String()))
	var le *LoadError
	if !errors.As(err, &le) || len(le.Problems) != 60 || le.File != "many.json" {
		t.Fatalf("err = %v", err)
	}
	s := err.Error()
	first := `many.json:1:74: bad account id "0" (an account id is exactly 12 digits, written as a string)`
	if !strings.HasPrefix(s, first+"\n") || !strings.HasSuffix(s, "\n... and 10 more problems") || strings.Count(s, "\n") != 50 {
		t.Errorf("Error() =\n%s", s)
	}
}

// An empty policy_types list says no policy type is enabled; no list says
// nothing. Both paths and the encoder keep the difference.
func TestPolicyTypeEnabled(t *testing.T) {
	for _, tc := range []struct {
		name, types    string
		enabled, known bool
	}{
		{"no list", ``, false, false},
		{"null", `, "policy_types": null`, false, false},
		{"empty list", `, "policy_types": []`, false, true},
		{"another type", `, "policy_types": [{"type": "TAG_POLICY", "status": "ENABLED"}]`, false, true},
		{"being disabled", `, "policy_types": [{"type": "BACKUP_POLICY", "status": "PENDING_DISABLE"}]`, false, true},
		{"being enabled", `, "policy_types": [{"type": "BACKUP_POLICY", "status": "PENDING_ENABLE"}]`, true, true},
		{"enabled", `, "policy_types": [{"type": "BACKUP_POLICY", "status": "ENABLED"}]`, true, true},
	} {
		src := `{"format_version": "1", "roots": [{"id": "r-ab12"` + tc.types + `}]}`
		for path, parse := range map[string]func(string, []byte) (*Org, error){
			"fast": func(f string, b []byte) (*Org, error) { return parseFast(f, b), nil },
			"slow": parseSlow,
		} {
			o, err := parse("s.json", []byte(src))
			if err != nil || o == nil {
				t.Fatalf("%s, %s path: %v", tc.name, path, err)
			}
			if e, k := o.PolicyTypeEnabled(policy.Type); e != tc.enabled || k != tc.known {
				t.Errorf("%s, %s path: PolicyTypeEnabled = %v, %v; want %v, %v", tc.name, path, e, k, tc.enabled, tc.known)
			}
			again, err := Parse("again.json", o.Encode())
			if err != nil {
				t.Fatalf("%s: re-parse: %v", tc.name, err)
			}
			if e, k := again.PolicyTypeEnabled(policy.Type); e != tc.enabled || k != tc.known {
				t.Errorf("%s, %s path, encoded: PolicyTypeEnabled = %v, %v", tc.name, path, e, k)
			}
		}
	}
}

// TestLoadProblemOrder checks that the accounts' problems come in the
// order of the accounts when they are not in id order, which is the
// order build checks them in. Problems are sorted by position, then
// message; New's have no lines, so the same message about two accounts
// keeps the order it was found in.
func TestLoadProblemOrder(t *testing.T) {
	s := &Snapshot{FormatVersion: FormatVersion, Roots: []SnapshotRoot{{ID: "r-ab12"}}}
	var ids, dups, unlinked []string
	for i := range 30 {
		id := fmt.Sprintf("%012d", (i*7919)%30+100) // not in id order
		a := SnapshotAccount{ID: id, Email: "bad", Status: "GONE"}
		switch {
		case i%5 == 4:
			a.ParentID = "ou-ab12-99999999"
			unlinked = append(unlinked, id)
		case i == 20, i == 27:
			a.ID = s.Accounts[3].ID
			dups = append(dups, a.ID)
		}
		ids = append(ids, a.ID)
		s.Accounts = append(s.Accounts, a)
	}
	_, err := New(s)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("New = %v, want a *LoadError", err)
	}
	got := map[string][]string{}
	for _, p := range le.Problems {
		got[p.Msg] = append(got[p.Msg], strings.TrimPrefix(strings.Split(p.Pos.File, ",")[0], "account "))
	}
	for msg, want := range map[string][]string{
		`bad email "bad"`:       ids,
		`unknown status "GONE"`: ids,
		// Both repeats read the same, and are said once.
		fmt.Sprintf("duplicate id %q", dups[0]): dups[:1],
	} {
		if !slices.Equal(got[msg], want) {
			t.Errorf("%s: accounts %v, want %v", msg, got[msg], want)
		}
	}
	for _, id := range unlinked {
		if msg := fmt.Sprintf(`account %s is under an unknown parent "ou-ab12-99999999"`, id); len(got[msg]) != 1 {
			t.Errorf("%s: %d times, want once", msg, len(got[msg]))
		}
	}
}
