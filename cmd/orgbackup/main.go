// Command orgbackup puts AWS Organizations backup policies under git: it
// validates policy definitions written in CUE, generates the Organizations
// policy documents and member baselines, and previews effective policies.
package main

import (
	"os"

	"github.com/orgbackup/orgbackup/internal/cli"
)

func main() { os.Exit(cli.Main()) }
