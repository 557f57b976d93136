#!/usr/bin/env bash
# Builds orgbackup from the action's own source, at the commit the workflow
# pinned, and puts it on PATH. Nothing is downloaded but the Go modules
# go.sum names, checked against it (-mod=readonly).
set -euo pipefail

bin="${RUNNER_TEMP:?}/orgbackup-bin"
mkdir -p "$bin"

# The ref the workflow pinned (`uses: orgbackup/orgbackup@<sha>`) becomes
# the version, and a full commit SHA also the commit `orgbackup init` pins
# the workflows it writes to. Anything unexpected is not passed to the
# linker.
ref="${ORGBACKUP_ACTION_REF:-}"
version=local
commit=
if [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then
  version="$ref"
  commit="$ref"
elif [[ "$ref" =~ ^[A-Za-z0-9._/-]{1,100}$ ]]; then
  version="$ref"
fi

cd "${GITHUB_ACTION_PATH:?}"
CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath \
  -ldflags "-X github.com/orgbackup/orgbackup/internal/cli.Version=$version -X github.com/orgbackup/orgbackup/internal/cli.Commit=$commit" \
  -o "$bin/orgbackup" ./cmd/orgbackup
echo "$bin" >> "${GITHUB_PATH:?}"
"$bin/orgbackup" version
