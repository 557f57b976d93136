package baseline

import (
	"github.com/orgbackup/orgbackup/internal/doc"
)

// KeyPolicy is the key policy of orgbackup's managed key in region: the
// management account administers the key; every account of the
// organization may use it, but only through AWS Backup in that Region
// (kms:ViaService), so the key encrypts vaults and nothing else.
// Grants are how AWS Backup hands the key to the services it backs up, so
// they are allowed for AWS resources only.
func KeyPolicy(managementAccount, orgID, region string) []byte {
	via := map[string]any{
		"aws:PrincipalOrgID": orgID,
		"kms:ViaService":     "backup." + region + ".amazonaws.com",
	}
	p := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid":       "OrgbackupKeyAdministration",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + managementAccount + ":root"},
				"Action":    "kms:*",
				"Resource":  "*",
			},
			map[string]any{
				"Sid":       "OrgbackupUseThroughAWSBackup",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
				"Resource":  "*",
				"Condition": map[string]any{"StringEquals": via},
			},
			map[string]any{
				"Sid":       "OrgbackupGrantsThroughAWSBackup",
				"Effect":    "Allow",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    []any{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"},
				"Resource":  "*",
				"Condition": map[string]any{
					"StringEquals": via,
					"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
				},
			},
		},
	}
	return doc.FromAny(p).Indent()
}
