package generate

import (
	"bytes"
	"testing"

	"github.com/orgbackup/orgbackup/internal/doc"
)

// Manifest.Encode is a faster equivalent of doc.MustFromStruct(m).Indent();
// this test keeps them equivalent.

func TestManifestEncodeMatchesFromStruct(t *testing.T) {
	m := &Manifest{FormatVersion: FormatVersion, Baselines: []ManifestBaseline{}}
	for _, name := range []string{"plain", "a <b> & \"c\"", "tab\tnew\nline", "ünïcödé \u2028", "\\back\\slash"} {
		m.Policies = append(m.Policies, ManifestPolicy{
			Name: name, Type: "BACKUP_POLICY", Description: name + " " + name,
			Document: PolicyFile(name), Pretty: PrettyFile(name), Characters: len(name), Limit: SizeLimit,
			Targets: []string{"Root", name}, Source: name + ".cue",
		})
	}
	if got, want := m.Encode(), doc.MustFromStruct(m).Indent(); !bytes.Equal(got, want) {
		t.Errorf("Encode:\n%s\nMustFromStruct(...).Indent():\n%s", got, want)
	}
}
