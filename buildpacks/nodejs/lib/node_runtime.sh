# Puts the host's node into a droplet. Sourced by bin/supply.
# The binary is copied once into the build cache and hardlinked from there,
# so re-staging costs a link, not a 100 MB copy, and the droplet packer can
# recognise the unchanged file (same inode) and reuse its compressed layer.
# cp -p keeps the host binary's mtime: every app's copy then has the same tar
# entry, so a foundation compresses it once for all apps.

# install_node_runtime CACHE_DIR DEST_BIN_DIR -> sets NODE_VERSION
install_node_runtime() {
  local cache_dir="$1" dest="$2" host stamp cached
  host="$(command -v node || true)"
  if [ -z "$host" ]; then
    echo "       **ERROR** node was not found on this machine's PATH." >&2
    echo "       Install Node.js (https://nodejs.org) and stage again." >&2
    return 1
  fi
  host="$(readlink -f "$host")"
  stamp="$host:$(stat -Lc '%s:%Y' "$host" 2>/dev/null || stat -Lf '%z:%m' "$host")"
  cached="$cache_dir/node-runtime"
  if [ ! -x "$cached/node" ] || [ "$(cat "$cached/stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "-----> Copying node from $host into the build cache"
    rm -rf "$cached" && mkdir -p "$cached"
    cp -p "$host" "$cached/node.tmp" && chmod 755 "$cached/node.tmp" && mv "$cached/node.tmp" "$cached/node"
    "$cached/node" --version | sed 's/^v//' > "$cached/version"
    printf '%s' "$stamp" > "$cached/stamp"
  fi
  NODE_VERSION="$(cat "$cached/version")"
  mkdir -p "$dest"
  rm -f "$dest/node"
  cp -l "$cached/node" "$dest/node" 2>/dev/null || cp -p "$cached/node" "$dest/node"
}
