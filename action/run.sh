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
# has-changes, plan-path and summary. It returns plan's exit status: 0 no
# changes, 2 changes, 1 a plan with errors (still saved, so that it can be
# reported) or no plan at all (the organization could not be read).
plan_live() {
  local rc=0
  rm -f "$plan"
  orgbackup plan "$dir" --out "$plan" --detailed-exitcode > "$work/plan.txt" || rc=$?
  quoted "$work/plan.txt"
  case "$rc" in
    0) output has-changes false ;;
    2) output has-changes true ;;
  esac
  if [ -s "$plan" ]; then
    output plan-path "$plan"
    output summary "$(head -n 1 "$work/plan.txt")"
  fi
  return "$rc"
}

# succeeded RC: plan's exit status 0 (no changes) and 2 (changes) are a
# success; anything else ends the step with it.
succeeded() {
  case "$1" in
    0 | 2) ;;
    *) exit "$1" ;;
  esac
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
    rc=0
    plan_live || rc=$?
    # The sticky comment on a pull request (also for a plan with errors,
    # which the reviewer must see); the job summary always.
    if [ -s "$plan" ]; then
      orgbackup comment "$dir" --plan "$plan"
    fi
    succeeded "$rc"
    ;;
  status)
    validate_offline
    rc=0
    plan_live || rc=$?
    # status reports what a plan cannot see: effective policies AWS found
    # invalid, failed stack instances, failed backup, copy and restore
    # jobs. It exits 1 when something needs attention.
    status_rc=0
    orgbackup status "$dir" --output markdown > "$work/status.md" || status_rc=$?
    cat "$work/status.md" >> "$summary"
    status_args=()
    if [ -s "$work/status.md" ]; then
      status_args=(--status "$work/status.md")
    fi
    if [ "$status_rc" -ne 0 ]; then
      status_args+=(--status-failed)
    fi
    # One drift issue: opened or updated when the plan is not empty or has
    # errors or status needs attention, closed when all is well.
    if [ -s "$plan" ]; then
      orgbackup comment "$dir" --plan "$plan" --drift-issue "${status_args[@]}"
    fi
    succeeded "$rc"
    if [ "$status_rc" -ne 0 ]; then
      exit "$status_rc"
    fi
    ;;
  apply)
    if [ -z "${ORGBACKUP_PLAN:-}" ]; then
      echo "::error title=orgbackup::apply needs the plan input: the plan-path output of a plan step"
      exit 64
    fi
    log="$work/apply.log.jsonl"
    output apply-log "$log"
    rc=0
    # apply re-reads the organization and refuses, changing nothing, if it
    # is no longer what the plan was made from.
    orgbackup apply "$ORGBACKUP_PLAN" "$dir" --auto-approve --log "$log" > "$work/apply.txt" 2>&1 || rc=$?
    quoted "$work/apply.txt"
    outcome=applied
    if [ "$rc" -ne 0 ]; then
      outcome=failed
    fi
    # The outcome, on the pull request that was merged. apply writes no
    # log when it refuses before its first call.
    log_args=()
    if [ -f "$log" ]; then
      log_args=(--log "$log")
    fi
    orgbackup comment "$dir" --plan "$ORGBACKUP_PLAN" --applied "$outcome" --apply-output "$work/apply.txt" "${log_args[@]}" || true
    exit "$rc"
    ;;
  *)
    echo "::error title=orgbackup::unknown command (want validate, plan, apply or status)"
    exit 64
    ;;
esac
