package backup

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// validEffective is an effective-form policy that uses every key of the
// spec and breaks no rule. Tests copy it and break one thing at a time.
const validEffective = `{
  "plans": {
    "daily": {
      "regions": ["us-east-1", "eu-west-1"],
      "rules": {
        "hourly": {
          "schedule_expression": "cron(0 5 ? * * *)",
          "target_backup_vault_name": "main-vault",
          "target_logically_air_gapped_backup_vault_arn": "arn:aws:backup:$region:$account:backup-vault:lag",
          "start_backup_window_minutes": "60",
          "complete_backup_window_minutes": "120",
          "enable_continuous_backup": "false",
          "lifecycle": {
            "move_to_cold_storage_after_days": "30",
            "delete_after_days": "120",
            "opt_in_to_archive_for_supported_resources": "false"
          },
          "copy_actions": {
            "arn:aws:backup:us-west-2:$account:backup-vault:dr": {
              "target_backup_vault_arn": "arn:aws:backup:us-west-2:$account:backup-vault:dr",
              "lifecycle": {"delete_after_days": "30"}
            }
          },
          "recovery_point_tags": {
            "owner": {"tag_key": "Owner", "tag_value": "ops"}
          },
          "index_actions": {"resource_types": ["EBS"]},
          "scan_actions": {"GUARDDUTY": {"scan_mode": "INCREMENTAL_SCAN"}}
        }
      },
      "selections": {
        "tags": {
          "tagged": {
            "iam_role_arn": "arn:aws:iam::$account:role/backup",
            "tag_key": "Backup",
            "tag_value": ["On"],
            "conditions": {
              "string_equals": {
                "env": {"condition_key": "aws:ResourceTag/Env", "condition_value": "prod"}
              }
            }
          }
        },
        "resources": {
          "everything": {
            "iam_role_arn": "arn:aws:iam::$account:role/backup",
            "resource_types": ["*"],
            "not_resource_types": ["arn:aws:ec2:*:*:volume/*"]
          }
        }
      },
      "advanced_backup_settings": {
        "ec2": {"windows_vss": "enabled"},
        "s3": {"backup_acls": "enabled", "backup_object_tags": "disabled"}
      },
      "backup_plan_tags": {
        "team": {"tag_key": "Team", "tag_value": "platform"}
      },
      "scan_settings": {
        "GUARDDUTY": {
          "resource_types": ["EBS"],
          "scanner_role_arn": "arn:aws:iam::$account:role/scanner"
        }
      }
    }
  }
}`

// parse reads JSON with positions in the file "policy.json".
func parse(t testing.TB, text string) *doc.Node {
	t.Helper()
	n, err := doc.Parse("policy.json", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return n
}

// js is a JSON value without positions, for edits.
func js(text string) *doc.Node {
	n, err := doc.Parse("", []byte(text))
	if err != nil {
		panic(fmt.Sprintf("js(%s): %v", text, err))
	}
	return n
}

// at returns the node at path, following exact keys and list indexes.
func at(n *doc.Node, path ...string) *doc.Node {
	for _, p := range path {
		if n == nil {
			return nil
		}
		if n.Kind == doc.Array {
			var i int
			fmt.Sscan(p, &i)
			if i >= len(n.Items) {
				return nil
			}
			n = n.Items[i]
			continue
		}
		n = n.Get(p)
	}
	return n
}

// edit describes one change to a document.
type edit func(d *doc.Node)

// split turns "plans/daily/rules" into a path. No key used in these tests
// holds a slash.
func split(path string) []string { return strings.Split(path, "/") }

// set replaces or adds the value at path.
func set(path, value string) edit {
	return func(d *doc.Node) {
		p := split(path)
		parent := at(d, p[:len(p)-1]...)
		if parent == nil {
			panic(fmt.Sprintf("set: no parent at %s", path))
		}
		parent.Set(p[len(p)-1], js(value))
	}
}

// del removes the key at path.
func del(path string) edit {
	return func(d *doc.Node) {
		p := split(path)
		parent := at(d, p[:len(p)-1]...)
		if parent == nil || parent.Get(p[len(p)-1]) == nil {
			panic(fmt.Sprintf("del: nothing at %s", path))
		}
		parent.Delete(p[len(p)-1])
	}
}

// fill gives the map at path n entries made by mk, replacing what it had.
func fill(path string, n int, mk func(i int) (key, value string)) edit {
	return func(d *doc.Node) {
		m := doc.NewObject(doc.Pos{})
		for i := range n {
			k, v := mk(i)
			m.Fields = append(m.Fields, doc.Field{Key: k, Value: js(v)})
		}
		p := split(path)
		at(d, p[:len(p)-1]...).Set(p[len(p)-1], m)
	}
}

// strs renders n JSON strings made by mk as a list.
func strs(n int, mk func(i int) string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", mk(i))
	}
	b.WriteByte(']')
	return b.String()
}

// summary renders violations as sorted "CODE path" lines.
func summary(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Code + " " + v.PathString()
	}
	slices.Sort(out)
	return out
}

// checkWording asserts what every message and hint must be: present,
// starting in lower case (an acronym such as AWS, a quoted value or a digit
// may start it), on one line, without a trailing period.
func checkWording(t *testing.T, v Violation) {
	t.Helper()
	for what, s := range map[string]string{"message": v.Message, "hint": v.Hint} {
		if s == "" {
			t.Errorf("%s %s: empty %s (message %q)", v.Code, v.PathString(), what, v.Message)
			continue
		}
		first, _, _ := strings.Cut(s, " ")
		r := []rune(first)[0]
		if unicode.IsUpper(r) && strings.ToUpper(first) != first {
			t.Errorf("%s %s: %s starts in upper case: %q", v.Code, v.PathString(), what, s)
		}
		if strings.HasSuffix(s, ".") || strings.ContainsAny(s, "\n\r") {
			t.Errorf("%s %s: %s ends in a period or spans lines: %q", v.Code, v.PathString(), what, s)
		}
	}
}
