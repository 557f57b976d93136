// Command benchgen writes the synthetic policies/ directory the benchmarks
// use, or a synthetic org snapshot, to try orgbackup or cue on it by hand:
//
//	go run ./internal/bench/benchgen -n 500 /tmp/bench/policies
//	go run ./cmd/orgbackup build /tmp/bench/policies --out /tmp/bench/dist
//	go tool cue export schema/*.cue /tmp/bench/policies/*.cue --out json
//
//	go run ./internal/bench/benchgen -accounts 100000 -ous 2000 -org-policies 555 /tmp/bench/org.snapshot.json
//	go run ./cmd/orgbackup preview policies --org /tmp/bench/org.snapshot.json --output json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/orgbackup/orgbackup/internal/bench"
	"github.com/orgbackup/orgbackup/internal/orgtest"
)

func main() {
	n := flag.Int("n", bench.DefaultPolicies, "number of policies")
	seed := flag.Uint64("seed", 1, "seed; the same seed gives the same bytes")
	accounts := flag.Int("accounts", 0, "write an org snapshot of this many accounts to FILE instead")
	ous := flag.Int("ous", 500, "with -accounts: number of OUs")
	orgPolicies := flag.Int("org-policies", 200, "with -accounts: number of policies, nine in ten of them backup policies")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchgen [-n N] [-seed S] DIR\n       benchgen -accounts N [-ous N] [-org-policies N] [-seed S] FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if *accounts > 0 {
		data := orgtest.Snapshot(int64(*seed), *accounts, *ous, *orgPolicies)
		if err := os.WriteFile(flag.Arg(0), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
		return
	}
	st, err := bench.Generate(flag.Arg(0), bench.Options{Policies: *n, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Println(st)
}
