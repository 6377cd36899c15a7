#!/usr/bin/env bash
# The sam-local CI job's steps (after `make build`), the functions reaching the embedded backend (`make backend`,
# started here) through local/env.json:
#   invoke     every file of events/ through real `sam local invoke` (tools/local_api/sam_local_events.py)
#   start-api  the e2e suite against real `sam local start-api`, E2E_TARGET=sam-local
#              (tools/local_api/sam_local_api.py); arguments after `--` go to pytest
# `make sam-local-check` runs the same two modules here, in Docker on arm64 under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:?usage: $0 invoke|start-api [-- pytest args]}
shift
case $step in
  invoke) module=tools.local_api.sam_local_events ;;
  start-api) module=tools.local_api.sam_local_api ;;
  *) echo "unknown step $step: invoke or start-api" >&2; exit 2 ;;
esac
log=$(mktemp)
.venv/bin/python -m tools.local_api.container_backend >"$log" 2>&1 &
backend=$!
trap 'kill "$backend" 2>/dev/null || true; wait "$backend" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 60); do
  grep -q "samples loaded" "$log" && break
  kill -0 "$backend" 2>/dev/null || break
  sleep 1
done
cat "$log"
grep -q "samples loaded" "$log" || { echo "the backend did not start" >&2; exit 1; }
.venv/bin/python -m "$module" "$@"
