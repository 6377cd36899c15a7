#!/usr/bin/env bash
# Every file of events/ through real `sam local invoke` (after `make build`), the functions reaching the embedded
# backend (`make backend`) through local/env.json. The pipeline's arm64 job runs it with AWS's own base image.
set -euo pipefail
cd "$(dirname "$0")/.."
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
.venv/bin/python -m tools.local_api.sam_local_events
