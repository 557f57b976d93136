#!/usr/bin/env bash
# The orgbackup action's main step: runs one command and reports it as the
# job summary, the step's outputs and, where there is one, a comment on the
# pull request or the drift issue. Inputs arrive as environment variables
# (action.yml), never interpolated into this script.
#
# Exit status: orgbackup's own (1 failed, 3 an effective policy would be
# invalid, 64 usage); a plan with changes (2) is a success here, reported
# as has-changes=true.
set -euo pipefail

cmd="${ORGBACKUP_COMMAND:-}"
dir="${ORGBACKUP_DIR:-policies}"
work="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/orgbackup"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
outputs="${GITHUB_OUTPUT:-/dev/null}"
mkdir -p "$work"
plan="$work/plan.json"

# output NAME VALUE: a step output. Values are one line, made here.
output() {
  printf '%s=%s\n' "$1" "${2//[$'\r\n']/ }" >> "$outputs"
}

# quoted FILE: prints FILE to the log with workflow commands switched off,
# so a name in it cannot forge ::error:: or ::add-mask:: lines.
quoted() {
  local token
  token="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  echo "::stop-commands::$token"
  cat "$1"
  echo "::$token::"
}

# plan_live: plans against the live organization into $plan; sets
# has-changes, plan-path and summary.
plan_live() {
  local rc=0
  orgbackup plan "$dir" --out "$plan" --detailed-exitcode > "$work/plan.txt" || rc=$?
  quoted "$work/plan.txt"
  case "$rc" in
    0) output has-changes false ;;
    2) output has-changes true ;;
    *) exit "$rc" ;;
  esac
  output plan-path "$plan"
  output summary "$(head -n 1 "$work/plan.txt")"
}

# validate_offline: validates (annotations on the pull request's changed
# lines, the full list in the job summary), builds, and previews against
# the snapshot in the policy directory if there is one.
validate_offline() {
  local rc=0
  orgbackup validate "$dir" --output github || rc=$?
  orgbackup validate "$dir" --output markdown >> "$summary" || true
  if [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
  orgbackup build "$dir" --out "$work/dist"
  if compgen -G "$dir/*.snapshot.json" > /dev/null; then
    orgbackup preview "$dir" --output markdown >> "$summary"
  fi
}

case "$cmd" in
  validate)
    validate_offline
    ;;
  plan)
    plan_live
    # The sticky comment on a pull request; the job summary always.
    orgbackup comment --plan "$plan"
    ;;
  status)
    validate_offline
    plan_live
    # One drift issue: opened or updated when the plan is not empty,
    # closed when it is.
    orgbackup comment --plan "$plan" --drift-issue
    ;;
  apply)
    if [ -z "${ORGBACKUP_PLAN:-}" ]; then
      echo "::error title=orgbackup::apply needs the plan input: the plan-path output of a plan step"
      exit 64
    fi
    rc=0
    # apply re-reads the organization and refuses, changing nothing, if it
    # is no longer what the plan was made from.
    orgbackup apply "$ORGBACKUP_PLAN" "$dir" --auto-approve > "$work/apply.txt" 2>&1 || rc=$?
    quoted "$work/apply.txt"
    outcome=applied
    if [ "$rc" -ne 0 ]; then
      outcome=failed
    fi
    # The outcome, on the pull request that was merged.
    orgbackup comment --plan "$ORGBACKUP_PLAN" --applied "$outcome" || true
    exit "$rc"
    ;;
  *)
    echo "::error title=orgbackup::unknown command (want validate, plan, apply or status)"
    exit 64
    ;;
esac
