#!/usr/bin/env bash
# `make sam-local-check`: the pinned SAM CLI for real, in Docker, on arm64 (qemu): `sam local invoke` with every
# sample event, then `sam local start-api` with the e2e suite (E2E_TARGET=sam-local skips each test that needs a
# layer sam local does not emulate, with the reason: tests/e2e/targets.py). Offline: the base image SAM CLI looks for,
# public.ecr.aws/lambda/python:3.13-arm64, is built locally from the arm64 root (local/lambda-image/), and
# `--skip-pull-image` keeps SAM CLI from pulling. The functions talk to `make backend` through local/env.json.
# Everything runs in a network namespace of its own, with its own Docker daemon (private socket, data and exec
# roots): Docker's iptables rules and bridge live in that namespace, the host's firewall is never touched, and
# SAM CLI's readiness check sees the emulator's real port (a userland proxy would accept connections before
# anything listens). The daemon, the backend and SAM CLI are stopped and the namespace deleted, whatever
# happens. Needs root.
# STEPS="invoke start-api" (default both) chooses what runs; PYTEST_ARGS (e.g. "-k 'waf or method'") is passed
# to the e2e suite's pytest, word-split as a shell would.
set -euo pipefail
cd "$(dirname "$0")/.."
source local/arm64-root.sh

IMAGE=public.ecr.aws/lambda/python:3.13-arm64
NS=sam-local-check-$$
BRIDGE_CIDR=${SAM_LOCAL_BRIDGE_CIDR:-10.213.7.1/24}
BRIDGE_IP=${BRIDGE_CIDR%/*}
API_PORT=${SAM_LOCAL_API_PORT:-3001}
STEPS=${STEPS:-invoke start-api}
STATE=/tmp/sam-local-check.$$
LOGS=$CACHE/sam-local-logs
CONTEXT=$CACHE/lambda-image-context
export SAM_CLI_TELEMETRY=0
# SAM CLI puts these in the functions' environment; the backend accepts any.
export AWS_ACCESS_KEY_ID=AKIASAMLOCALCHECK000 AWS_SECRET_ACCESS_KEY=sam-local-check AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

DOCKERD_PID="" BACKEND_PID="" API_PID="" MADE_NS="" MOUNTED_NETNS_DIR=""
# The network namespace only (dockerd needs the host's cgroup mounts). nsenter replaces itself with the command,
# so `$!` of a backgrounded `$IN_NS ...` is the command's own PID (a backgrounded shell function's is not).
IN_NS=(nsenter "--net=/run/netns/$NS")
in_ns() { "${IN_NS[@]}" "$@"; }
stop() {  # a PID we started; wait for it so that nothing outlives this script
  [ -n "$1" ] && kill "$1" 2>/dev/null && { for _ in $(seq 60); do kill -0 "$1" 2>/dev/null || return 0; sleep 1; done; kill -9 "$1" 2>/dev/null; } || true
}
cleanup() {
  set +e
  stop "$API_PID"  # it stops SAM CLI, which removes its warm containers
  if [ -n "$DOCKERD_PID" ]; then
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
    stop "$DOCKERD_PID"
    # dockerd leaves its data root bind-mounted on itself
    mountpoint -q "$PWD/$CACHE/docker-data" && umount "$PWD/$CACHE/docker-data"
  fi
  stop "$BACKEND_PID"
  if [ -n "$MADE_NS" ]; then
    # anything still running in our own namespace was started by this script (e.g. an orphaned SAM CLI)
    ip netns pids "$NS" | xargs -r kill -9 2>/dev/null
    ip netns delete "$NS"
  fi
  # `ip netns add` bind-mounts /run/netns the first time; undo that if it was ours and nothing else uses it
  [ -n "$MOUNTED_NETNS_DIR" ] && [ -z "$(ip netns list)" ] && umount /run/netns
  rm -rf "$STATE"
  release_binfmt
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap runs on Ctrl-C or kill too

ensure_tools docker.io
ensure_root
ensure_runtime_packages
mkdir -p "$STATE" "$LOGS"

# --- a private Docker daemon in a private network namespace (Docker's own iptables rules apply there only).
mountpoint -q /run/netns || MOUNTED_NETNS_DIR=1
ip netns add "$NS"
MADE_NS=1
in_ns ip link set lo up
"${IN_NS[@]}" dockerd --bip "$BRIDGE_CIDR" --userland-proxy=false --data-root "$PWD/$CACHE/docker-data" \
  --exec-root "$STATE/exec" --pidfile "$STATE/dockerd.pid" -H "unix://$STATE/docker.sock" \
  --containerd-namespace sam-local-check --containerd-plugins-namespace sam-local-check-plugins \
  >"$LOGS/dockerd.log" 2>&1 &
DOCKERD_PID=$!
export DOCKER_HOST="unix://$STATE/docker.sock"
# Waits while the process lives: on a busy machine, and niced, start-up can take minutes.
for _ in $(seq 600); do docker info >/dev/null 2>&1 && break; kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
docker info >/dev/null

# --- the base image, rebuilt only when its inputs change.
inputs=$(cat local/lambda-image/* "$RUNTIME_REQS" "$ROOT/.complete" | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "local.inputs"}}' "$IMAGE" 2>/dev/null)" != "$inputs" ]; then
  echo "building $IMAGE (arm64) from $ROOT"
  rm -rf "$CONTEXT" && mkdir -p "$CONTEXT"
  tar -C "$ROOT" -cf "$CONTEXT/rootfs.tar" --exclude=./.complete --exclude=./var/task --exclude=./opt \
    --exclude=./var/check --exclude=./var/lang --exclude=./var/runtime --exclude='./proc/*' --exclude='./sys/*' .
  "$PY" -m pip install --quiet --no-deps --target "$CONTEXT/runtime" --platform manylinux2014_aarch64 \
    --python-version 3.13 --implementation cp --only-binary=:all: -r local/lambda-image/requirements.txt
  cp -a "$RUNTIME/site" "$CONTEXT/sdk"
  cp local/lambda-image/Dockerfile local/lambda-image/bootstrap "$CONTEXT/"
  docker build --platform linux/arm64 --label "local.inputs=$inputs" -t "$IMAGE" "$CONTEXT" >"$LOGS/image-build.log"
  rm -rf "$CONTEXT"
fi

sam_build
# Emulated, a cold start takes about a minute, and the template's 10 s Timeout would end every first invoke.
# SAM CLI takes the timeout from the template only: it runs a copy of the built one with the Globals raised.
QEMU_TEMPLATE=.aws-sam/build/template.qemu.yaml
sed -E 's/^(    Timeout: )[0-9]+$/\1900/' .aws-sam/build/template.yaml >"$QEMU_TEMPLATE"
grep -q '^    Timeout: 900$' "$QEMU_TEMPLATE" || { echo "no Globals Timeout found in the built template" >&2; exit 1; }

# --- the backend the functions reach as host.docker.internal (the bridge's address).
"${IN_NS[@]}" "$PY" -m tools.local_api.container_backend --host "$BRIDGE_IP" >"$LOGS/backend.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 600); do
  grep -q "samples loaded" "$LOGS/backend.log" && break
  kill -0 "$BACKEND_PID" 2>/dev/null || break
  sleep 1
done
grep -q "samples loaded" "$LOGS/backend.log" || { cat "$LOGS/backend.log"; exit 1; }

status=0
minutes() { echo "$(( (SECONDS - $1 + 30) / 60 ))"; }
if [[ " $STEPS " == *" invoke "* ]]; then
  echo "--- sam local invoke, every event"
  started=$SECONDS
  in_ns "$PY" -m tools.local_api.sam_local_events --backend "http://$BRIDGE_IP:3010" --skip-pull-image \
    --template "$QEMU_TEMPLATE" || status=1
  echo "--- sam local invoke: $(minutes "$started") min"
fi

if [[ " $STEPS " == *" start-api "* ]]; then
  echo "--- sam local start-api + the e2e suite (E2E_TARGET=sam-local)"
  started=$SECONDS
  eval "pytest_args=(${PYTEST_ARGS:-})"  # a knob of whoever runs this script, split as their shell would
  # In the background, so that a signal reaches the cleanup at once: it stops this by PID, and it stops SAM CLI.
  in_ns "$PY" -m tools.local_api.sam_local_api --backend "http://$BRIDGE_IP:3010" --port "$API_PORT" \
    --log "$LOGS/start-api.log" --skip-pull-image --template "$QEMU_TEMPLATE" -- "${pytest_args[@]}" &
  API_PID=$!
  wait "$API_PID" || status=1
  API_PID=""
  echo "--- sam local start-api + e2e: $(minutes "$started") min"
fi
exit $status
