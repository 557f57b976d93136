# orgbackup: AWS Organizations backup policies as code.
# `make` lists the targets. `make test` is the one test command (CI runs it).

GO       ?= go
BIN      := bin/orgbackup
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X github.com/orgbackup/orgbackup/internal/cli.Version=$(VERSION) -X github.com/orgbackup/orgbackup/internal/cli.Commit=$(COMMIT)
FUZZTIME ?= 15s
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
test: lint schema-check unit fuzz ## everything CI runs: lint, schema check, tests, bounded fuzzing

.PHONY: unit
unit: ## go test (unit, golden and end-to-end testscript tests)
	$(GO) test -count=1 $(PKGS)

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
fuzz: ## run each fuzz target for FUZZTIME (default 15s)
	$(GO) test -run='^$$' -fuzz='^FuzzLoad$$' -fuzztime=$(FUZZTIME) ./internal/loader
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/doc
	$(GO) test -run='^$$' -fuzz='^FuzzMerge$$' -fuzztime=$(FUZZTIME) ./internal/inherit
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/cron
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/org
	$(GO) test -run='^$$' -fuzz='^FuzzInert$$' -fuzztime=$(FUZZTIME) ./internal/render

.PHONY: golden
golden: ## rewrite golden files and testscript expectations; review with git diff
	UPDATE_GOLDEN=1 $(GO) test -count=1 $(PKGS)

.PHONY: bench
bench: ## benchmarks: validate+build vs plain cue export, 10,000-account preview, org snapshot at AWS's rates
	$(GO) test -run='^$$' -bench=. -benchtime=5x -count=1 ./internal/bench/ ./internal/plan/
	$(GO) test -run='^$$' -bench=AtRates -benchtime=1x -count=1 ./internal/cli/

.PHONY: clean
clean: ## remove build output
	rm -rf bin dist
