# orgbackup: AWS Organizations backup policies as code.
# `make` lists the targets. `make test` is the one test command (CI runs it).

GO       ?= go
BIN      := bin/orgbackup
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X github.com/orgbackup/orgbackup/internal/cli.Version=$(VERSION) -X github.com/orgbackup/orgbackup/internal/cli.Commit=$(COMMIT)
# make test fuzzes each target briefly, so that fuzzing keeps its budget
# without dominating the run: a number of executions, about 3 s of each
# target on an idle 2-core machine. A duration (-fuzztime=3s) races Go's
# fuzzing coordinator at its deadline on a loaded machine, which then fails
# with "context deadline exceeded" and no failing input (golang/go#75804,
# fixed in Go 1.27); a count has no deadline to race. FUZZTIME, if set,
# applies to every target (a duration or a count). CI's scheduled job runs
# fuzz-long.
FUZZTIME ?=
FUZZ_LOAD  ?= 100x
FUZZ_DOC   ?= 20000x
FUZZ_MERGE ?= 1000x
FUZZ_CRON  ?= 10000x
FUZZ_ORG   ?= 10000x
FUZZ_INERT ?= 2000x
FUZZTIME_LONG ?= 5m
PKGS     := ./...

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/orgbackup
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/orgbackup

.PHONY: example
example: build ## run orgbackup on the bundled example (validate, build, preview, offline plan)
	$(BIN) validate policies
	$(BIN) build policies --out dist
	$(BIN) preview policies
	$(BIN) plan policies --org policies/example-org.snapshot.json

.PHONY: test
test: lint schema-check unit race fuzz ## everything CI runs: lint, schema check, tests, the race detector, bounded fuzzing

.PHONY: unit
unit: ## go test (unit, golden and end-to-end testscript tests)
	$(GO) test -count=1 $(PKGS)

.PHONY: race
race: ## the tests of the code that runs on several goroutines, under the race detector
	$(GO) test -race -count=1 -run '^(TestDocWithoutBytes|TestComputeMatchesEachAccount|TestGroupsAsByContent|TestPreviewJSONStreamed|TestAccountChunks|TestLoadProblemOrder)$$' ./internal/inherit ./internal/effective ./internal/plan ./internal/render ./internal/org

.PHONY: lint
lint: ## go vet, staticcheck and gofmt
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: schema-check
schema-check: ## plain `cue vet` of the schema and the example policies, with the pinned cue
	$(GO) tool cue vet -c schema/*.cue policies/*.cue

.PHONY: fuzz
fuzz: ## run each fuzz target briefly, as make test does (FUZZTIME=1m for longer)
	$(GO) test -run='^$$' -fuzz='^FuzzLoad$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_LOAD)) ./internal/loader
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_DOC)) ./internal/doc
	$(GO) test -run='^$$' -fuzz='^FuzzMerge$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_MERGE)) ./internal/inherit
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_CRON)) ./internal/cron
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_ORG)) ./internal/org
	$(GO) test -run='^$$' -fuzz='^FuzzInert$$' -fuzztime=$(or $(FUZZTIME),$(FUZZ_INERT)) ./internal/render

.PHONY: fuzz-long
fuzz-long: ## run each fuzz target for FUZZTIME_LONG (default 5m), as CI does on a schedule
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME_LONG)

.PHONY: golden
golden: ## rewrite golden files and testscript expectations; review with git diff
	UPDATE_GOLDEN=1 $(GO) test -count=1 $(PKGS)

.PHONY: bench
bench: ## benchmarks: validate, build vs plain cue export; 1,000 policies; 100,000-account preview; org snapshot at AWS's rates
	$(GO) test -run='^$$' -bench=. -benchtime=5x -count=1 ./internal/bench/ ./internal/plan/
	$(GO) test -run='^$$' -bench=AtRates -benchtime=1x -count=1 ./internal/cli/

.PHONY: clean
clean: ## remove build output
	rm -rf bin dist
