# shellcheck shell=bash
# Sourced by local/artifact-check.sh and local/sam-local-check.sh: the arm64 tools, root and runtime packages
# they share, each made only when missing (cached under .cache/, gitignored). Needs root.
CACHE=.cache
ROOT=$CACHE/arm64-root
RUNTIME_REQS=local/lambda-runtime-requirements.txt
RUNTIME=$CACHE/lambda-runtime/$(sha256sum "$RUNTIME_REQS" | cut -c1-12)
PY=.venv/bin/python
BINFMT=/proc/sys/fs/binfmt_misc
export PATH="$PWD/.venv/bin:$PATH"  # sam build looks for python3.13 on PATH (the venv provides it)

[ "$(id -u)" -eq 0 ] || { echo "$0 needs root (apt-get, debootstrap, chroot, dockerd)" >&2; exit 2; }

# Debian's debootstrap for the root; qemu-user-static + binfmt-support run aarch64 binaries (F flag: also in
# a chroot or a container). $1: extra packages (e.g. docker.io).
ensure_tools() {
  local missing=() package
  for package in debootstrap qemu-user-static binfmt-support "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! mountpoint -q "$BINFMT"; then
    mount -t binfmt_misc binfmt_misc "$BINFMT"
    MOUNTED_BINFMT=1  # unmounted again by release_binfmt
  fi
  [ -e "$BINFMT/qemu-aarch64" ] || update-binfmts --enable qemu-aarch64
  grep -q '^flags: .*F' "$BINFMT/qemu-aarch64" \
    || { echo "qemu-aarch64 is registered without the F flag: it would not run in a chroot" >&2; exit 2; }
}

release_binfmt() {
  if [ -n "${MOUNTED_BINFMT:-}" ]; then umount "$BINFMT" || true; fi
}

# A Debian 13 arm64 root with python3.13 (about 7 minutes on an idle machine, once).
ensure_root() {
  [ -f "$ROOT/.complete" ] && return
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  mirror=${DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
  echo "building the Debian 13 arm64 root in $ROOT from $mirror (first run only)"
  rm -rf "$ROOT.partial" "$ROOT"
  mkdir -p "$CACHE"
  debootstrap --arch=arm64 --variant=minbase --include=python3.13 trixie "$ROOT.partial" "$mirror" \
    >"$CACHE/debootstrap.log"
  mv "$ROOT.partial" "$ROOT"
  touch "$ROOT/.complete"
}

# The boto3/botocore the Lambda runtime provides, as aarch64 wheels for Python 3.13 (pinned).
ensure_runtime_packages() {
  [ -f "$RUNTIME/.complete" ] && return
  rm -rf "$RUNTIME"
  "$PY" -m pip install --quiet --no-deps --target "$RUNTIME/site" --platform manylinux2014_aarch64 \
    --python-version 3.13 --implementation cp --only-binary=:all: -r "$RUNTIME_REQS"
  touch "$RUNTIME/.complete"
}

sam_build() {
  if [ -z "${SKIP_BUILD:-}" ]; then
    SAM_CLI_TELEMETRY=0 sam build --parallel --cached
  fi
}
