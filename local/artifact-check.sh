#!/usr/bin/env bash
# `make artifact-check`: run every sample event through the BUILT functions, laid out as Lambda lays them out,
# under arm64 Python 3.13 (a Debian 13 arm64 root, chroot, qemu-user); see tools/artifact_check/check.py.
# Idempotent: installs what is missing, reuses the root and the runtime packages cached under .cache/, and
# leaves nothing running or mounted. Needs root. SKIP_BUILD=1 checks .aws-sam/build as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
source local/arm64-root.sh
trap release_binfmt EXIT

ensure_tools
ensure_root
ensure_runtime_packages
sam_build
"$PY" -m tools.artifact_check.check --root "$ROOT" --runtime "$RUNTIME/site" --logs "$CACHE/artifact-check-logs"
