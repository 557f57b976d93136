// Command benchgen writes the synthetic policies/ directory the benchmarks
// use, to try orgbackup or cue on it by hand:
//
//	go run ./internal/bench/benchgen -n 500 /tmp/bench/policies
//	go run ./cmd/orgbackup build /tmp/bench/policies --out /tmp/bench/dist
//	go tool cue export schema/*.cue /tmp/bench/policies/*.cue --out json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/orgbackup/orgbackup/internal/bench"
)

func main() {
	n := flag.Int("n", bench.DefaultPolicies, "number of policies")
	seed := flag.Uint64("seed", 1, "seed; the same seed gives the same bytes")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchgen [-n N] [-seed S] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	st, err := bench.Generate(flag.Arg(0), bench.Options{Policies: *n, Seed: *seed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Println(st)
}
