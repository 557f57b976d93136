// Package schema embeds the CUE definitions that every policy definition in
// policies/ must satisfy. The same files work with plain `cue vet`:
//
//	go tool cue vet -c schema/*.cue policies/*.cue
package schema

import (
	"embed"
	"io/fs"
	"strings"
)

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS

// File is one of the schema's CUE files.
type File struct {
	Name string // as embedded, without a directory
	Data []byte
}

// Files returns the schema's CUE files in the order of their names: the
// loader compiles them, and tests read them as the loader does.
func Files() ([]File, error) {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		data, err := fs.ReadFile(FS, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: e.Name(), Data: data})
	}
	return out, nil
}
