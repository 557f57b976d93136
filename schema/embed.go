// Package schema embeds the CUE definitions that every policy definition in
// policies/ must satisfy. The same files work with plain `cue vet`:
//
//	go tool cue vet -c schema/*.cue policies/*.cue
package schema

import "embed"

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS
