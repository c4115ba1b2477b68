# Puts the host's node into a droplet. Sourced by bin/supply.
# The binary is copied once into a cache and hardlinked from there, so
# staging costs a link, not a 100 MB copy, and the droplet packer can
# recognise the unchanged file (same inode) and reuse its compressed layer.
# On a cf-push foundation the copy is shared by every app
# (CFPUSH_RUNTIME_CACHE): a new app's first staging links it too, and its
# droplet reuses the member and checksum state of every app before it.
# Elsewhere (or when a link cannot be made) the app's own build cache holds it.
# cp -p keeps the host binary's mtime: every copy then has the same tar entry.

# install_node_runtime CACHE_DIR DEST_BIN_DIR -> sets NODE_VERSION
install_node_runtime() {
  local cache_dir="$1" dest="$2" host stamp cached shared=""
  host="$(type -P node || true)"
  if [ -z "$host" ]; then
    echo "       **ERROR** node was not found on this machine's PATH." >&2
    echo "       Install Node.js (https://nodejs.org) and stage again." >&2
    return 1
  fi
  host="$(readlink -f "$host")"
  stamp="$host:$(stat -Lc '%s:%Y' "$host" 2>/dev/null || stat -Lf '%z:%m' "$host")"
  cached="$cache_dir/node-runtime"
  if [ ! -x "$cached/node" ] || [ ! -f "$cached/stamp" ] || [ "$(< "$cached/stamp")" != "$stamp" ]; then
    [ -n "${CFPUSH_RUNTIME_CACHE:-}" ] && shared_node_runtime "$host" "$stamp" && shared="$SHARED_NODE_DIR"
    rm -rf "$cached" && mkdir -p "$cached"
    if [ -n "$shared" ] && cp -l "$shared/node" "$cached/node" 2>/dev/null; then
      cp "$shared/version" "$cached/version"
    else
      echo "-----> Copying node from $host into the build cache"
      cp -p "$host" "$cached/node.tmp" && chmod 755 "$cached/node.tmp" && mv "$cached/node.tmp" "$cached/node"
      "$cached/node" --version | sed 's/^v//' > "$cached/version"
    fi
    printf '%s' "$stamp" > "$cached/stamp"
  fi
  NODE_VERSION="$(< "$cached/version")"
  [ -d "$dest" ] || mkdir -p "$dest"
  [ ! -e "$dest/node" ] || rm -f "$dest/node"
  cp -l "$cached/node" "$dest/node" 2>/dev/null || cp -p "$cached/node" "$dest/node"
}

# shared_node_runtime HOST STAMP: sets SHARED_NODE_DIR to the foundation-wide copy's folder, made once (atomically).
shared_node_runtime() {
  local host="$1" key dir tmp
  key="$(printf '%s' "$2" | cksum | cut -d' ' -f1)"
  dir="$CFPUSH_RUNTIME_CACHE/node-$key"
  if [ ! -f "$dir/version" ]; then
    mkdir -p "$CFPUSH_RUNTIME_CACHE" && tmp="$(mktemp -d "$CFPUSH_RUNTIME_CACHE/.node-XXXXXX")" || return 1
    echo "-----> Copying node from $host into the foundation's runtime cache"
    if cp -p "$host" "$tmp/node" && chmod 755 "$tmp/node" && "$tmp/node" --version | sed 's/^v//' > "$tmp/version" \
      && mv -T "$tmp" "$dir" 2>/dev/null; then :; else rm -rf "$tmp"; fi
    [ -f "$dir/version" ] || return 1
  fi
  SHARED_NODE_DIR="$dir"
}
