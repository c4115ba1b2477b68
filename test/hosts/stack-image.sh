#!/usr/bin/env bash
# The default stack image, cfpush/stack:bookworm, built without any registry:
# a Debian bookworm root (debootstrap --variant=minbase from this machine's
# Debian mirror) imported into the local Docker engine, plus the `vcap` user
# (uid/gid 2000, home /home/vcap, shell bash) that CF runs buildpack staging
# and apps as. Used by `cfpush stage --in-container` and `cfpush export`.
#
# Idempotent: an image with this tag and this script's recipe version is kept
# as it is. The root tarball is cached under $CFPUSH_HOST_CACHE/stack, so a
# removed image is re-imported in seconds instead of re-bootstrapped (~80 s).
#
# Needs root (debootstrap, chroot), a running engine (bash test/hosts/docker-host.sh)
# and the Debian mirror; installs debootstrap with apt-get when it is missing.
#   STACK_IMAGE   tag to build (default cfpush/stack:bookworm)
#   STACK_MIRROR  Debian mirror (default: the first one apt uses on this machine)
set -euo pipefail

TAG="${STACK_IMAGE:-cfpush/stack:bookworm}"
SUITE=bookworm
RECIPE=4 # bump when the root's contents change
# The web servers and interpreters the nginx, python, ruby and php buildpacks run, from Debian as on the host.
PACKAGES=nginx,python3,ruby,bundler,ruby-rack,ruby-webrick,php-cli,php-fpm,apache2-bin
CACHE="${CFPUSH_HOST_CACHE:-$HOME/.cache/cf-push}/stack"
ROOT_TAR="$CACHE/$SUITE-r$RECIPE.tar"

say() { echo "stack-image: $*"; }
die() { echo "stack-image: $*" >&2; exit 1; }

command -v docker >/dev/null || die "no docker client; run bash test/hosts/docker-host.sh first"
docker version >/dev/null 2>&1 || die "the Docker engine does not answer; start it with bash test/hosts/docker-host.sh"

if [ "$(docker image inspect -f '{{index .Config.Labels "org.cfpush.stack-recipe"}}' "$TAG" 2>/dev/null || true)" = "$RECIPE" ]; then
  say "$TAG present ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
  exit 0
fi

mirror() {
  if [ -n "${STACK_MIRROR:-}" ]; then echo "$STACK_MIRROR"; return; fi
  local m=""
  # deb822 .sources files: the first URIs line that is not a security mirror.
  m="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)"
  # One-line format.
  [ -n "$m" ] || m="$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | grep -v security |
    sed -E 's/^deb (\[[^]]*\] )?//' | awk '{print $1}' | head -n1 || true)"
  echo "${m:-http://deb.debian.org/debian}"
}

started=$SECONDS
mkdir -p "$CACHE"
if [ ! -s "$ROOT_TAR" ]; then
  [ "$(id -u)" = 0 ] || die "building the root needs root (debootstrap, chroot): sudo bash $0"
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  ROOT="$WORK/root"
  MIRROR="$(mirror)"
  say "debootstrap --variant=minbase $SUITE from $MIRROR (about 80 s)"
  # nginx, ruby, php-fpm, httpd: the nginx, ruby and php buildpacks run the
  # stack's, as the others run the host's node, go and JDK (mounted).
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # vcap: what CF stages and runs apps as (cf-reference.md §4.1, §5).
  chroot "$ROOT" groupadd -g 2000 vcap
  chroot "$ROOT" useradd -u 2000 -g 2000 -m -d /home/vcap -s /bin/bash vcap
  # Smaller and reproducible: no package caches, no apt lists (apt-get update works in a build).
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log "$ROOT"/tmp/* "$ROOT"/root/.bash_history
  tar --numeric-owner -C "$ROOT" -cf "$ROOT_TAR.tmp" . && mv "$ROOT_TAR.tmp" "$ROOT_TAR"
  rm -rf "$WORK"
  trap - EXIT
  say "root built in $((SECONDS - started))s ($(du -h "$ROOT_TAR" | cut -f1)), cached at $ROOT_TAR"
else
  say "using the cached root $ROOT_TAR"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL org.cfpush.stack=$SUITE org.cfpush.stack-recipe=$RECIPE" \
  "$ROOT_TAR" "$TAG" >/dev/null
docker run --rm --user vcap "$TAG" bash -c 'test "$(id -u)" = 2000 && test -w /home/vcap' ||
  die "$TAG was imported but user vcap (2000) with a writable /home/vcap is missing"
say "built $TAG in $((SECONDS - started))s ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
