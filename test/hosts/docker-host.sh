#!/usr/bin/env bash
# A real Docker engine for the docker tests (test/docker/), offline.
#
# 1. If `docker version` cannot reach a daemon, starts `dockerd` in the
#    background (root; log and pid under $CFPUSH_HOST_CACHE/docker) and waits
#    until it answers (at most 30 s). A daemon that is already running is used
#    as it is.
# 2. Builds the base images the tests and examples/hello-docker need without
#    any registry, skipping those already present:
#      cfpush/busybox  busybox-static + /etc/passwd with a non-root `vcap`
#                      (uid 2000) + /etc/group + /tmp 1777 (`docker import`)
#      cfpush/node     that root plus this machine's node binary and the
#                      shared libraries `ldd` lists (rebuilt when node changes)
#
# Idempotent: a second run only prints what it found. Needs, on Debian:
#   apt-get install -y --no-install-recommends docker.io busybox-static
# Stop the daemon it started with: kill "$(cat ~/.cache/cf-push/docker/dockerd.pid)"
set -euo pipefail

CACHE="${CFPUSH_HOST_CACHE:-$HOME/.cache/cf-push}"
STATE="$CACHE/docker"
LOG="$STATE/dockerd.log"
PIDFILE="$STATE/dockerd.pid"
READY_TIMEOUT=30
mkdir -p "$STATE"

say() { echo "docker-host: $*"; }
die() { echo "docker-host: $*" >&2; exit 1; }

command -v docker >/dev/null || die "no docker client; install Debian's docker.io (apt-get install -y --no-install-recommends docker.io)"

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

wait_ready() { # $1 = pid of the dockerd we started
  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    engine_up && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.3
  done
  return 1
}

start_dockerd() { # $1 = storage driver
  command -v dockerd >/dev/null || die "no dockerd; install Debian's docker.io (apt-get install -y --no-install-recommends docker.io)"
  [ "$(id -u)" = 0 ] || die "the engine is not running and starting dockerd needs root (sudo bash $0)"
  say "starting dockerd --storage-driver=$1 (log $LOG)"
  # setsid + nohup: the daemon outlives this shell and its terminal.
  setsid nohup dockerd --storage-driver="$1" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_ready "$!"
}

if engine_up; then
  say "engine already running ($(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}'))"
else
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix:///var/run/docker.sock}" != "" ]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer; unset it to start a local dockerd"
  fi
  # A dockerd we started earlier may still be coming up.
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && grep -q dockerd "/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null; then
    say "waiting for dockerd (pid $(cat "$PIDFILE")) started earlier"
    wait_ready "$(cat "$PIDFILE")" || die "dockerd (pid $(cat "$PIDFILE")) did not answer within ${READY_TIMEOUT}s; see $LOG"
  else
    started=$SECONDS
    if ! start_dockerd overlay2; then
      # overlay2 fails on some filesystems (overlay on overlay): vfs always works, slower.
      if kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        die "dockerd (pid $(cat "$PIDFILE")) did not answer within ${READY_TIMEOUT}s; see $LOG"
      fi
      say "dockerd exited with overlay2 ($(tail -1 "$LOG")); retrying with vfs"
      start_dockerd vfs || die "dockerd did not start; see $LOG"
    fi
    say "engine ready in $((SECONDS - started))s (pid $(cat "$PIDFILE"))"
  fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
label_of() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

BUSYBOX_BIN="$(command -v busybox || true)"
busybox_root() { # $1 = dir
  [ -n "$BUSYBOX_BIN" ] || die "no busybox; install busybox-static (apt-get install -y busybox-static)"
  if ldd "$BUSYBOX_BIN" >/dev/null 2>&1; then
    die "$BUSYBOX_BIN is dynamically linked; install busybox-static (apt-get install -y busybox-static)"
  fi
  local root="$1"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home/vcap,tmp,var/tmp,proc,sys,dev}
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  local applet
  for applet in $("$BUSYBOX_BIN" --list-full); do
    [ "${applet##*/}" = busybox ] && continue
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
vcap:x:2000:2000:vcap:/home/vcap:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
vcap:x:2000:
nogroup:x:65534:
EOF
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chown 2000:2000 "$root/home/vcap"
  chmod 700 "$root/root"
}

import_root() { # $1 = dir, $2 = tag, $3... = extra --change
  local dir="$1" tag="$2"; shift 2
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$@" - "$tag" >/dev/null
}

# cfpush/busybox
if have_image cfpush/busybox; then
  say "cfpush/busybox present"
else
  t=$SECONDS
  busybox_root "$WORK/busybox"
  import_root "$WORK/busybox" cfpush/busybox --change 'LABEL org.cfpush.base=busybox'
  say "built cfpush/busybox in $((SECONDS - t))s ($(docker image inspect -f '{{.Size}}' cfpush/busybox) bytes)"
fi

# cfpush/node
NODE_BIN="$(readlink -f "$(command -v node)")" || die "no node on PATH"
NODE_VERSION="$("$NODE_BIN" --version)"
if have_image cfpush/node && [ "$(label_of cfpush/node org.cfpush.node)" = "$NODE_VERSION" ]; then
  say "cfpush/node present (node $NODE_VERSION)"
else
  t=$SECONDS
  root="$WORK/node"
  busybox_root "$root"
  mkdir -p "$root/usr/local/bin"
  cp "$NODE_BIN" "$root/usr/local/bin/node"
  # Every shared library node links (and the dynamic loader), at the same path.
  for lib in $(ldd "$NODE_BIN" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  import_root "$root" cfpush/node --change "LABEL org.cfpush.base=node org.cfpush.node=$NODE_VERSION"
  docker run --rm cfpush/node node -e 'process.exit(0)' || die "cfpush/node was built but node does not run in it"
  say "built cfpush/node (node $NODE_VERSION) in $((SECONDS - t))s ($(docker image inspect -f '{{.Size}}' cfpush/node) bytes)"
fi
say "ready: $(docker version --format 'engine {{.Server.Version}}'), images cfpush/busybox cfpush/node"
