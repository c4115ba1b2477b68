#!/usr/bin/env bash
# lib/release_step.sh BUILD_DIR [SOURCE_FILE]: print the default web command
# as YAML (bin/finalize writes it for bin/release). A plain `node <file>`
# start script is used directly: `npm start` adds ~300 ms and an extra
# process. lib/start_command.js applies the same rules when jq is missing
# (jq needs ~20 ms, node ~50 ms). SOURCE_FILE gets `start` when the command
# came from package.json alone (scripts.start), else `files`.
set -uo pipefail
BP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="${2:-/dev/null}"
echo files > "$source_file"
command -v jq >/dev/null 2>&1 || exec node "$BP_DIR/lib/start_command.js" "$1"
# One line, fields separated by \x1f (tabs would collapse empty fields in `read`).
fields="$(jq -r '[(.scripts.start // "" | tostring | gsub("^\\s+|\\s+$"; "")),
                  (if .scripts.prestart then "1" else "" end),
                  (.main // "" | tostring)]
                 | map(gsub("[\n\r\u001f]"; " ")) | join("\u001f")' "$1/package.json" 2>/dev/null)" \
  || exec node "$BP_DIR/lib/start_command.js" "$1"
IFS=$'\x1f' read -r start prestart main <<< "$fields"

simple='^node[[:space:]]+[A-Za-z0-9_@%+=:,./-]+([[:space:]]+[A-Za-z0-9_@%+=:,./-]+)*$'
cmd=""
if [ -n "$start" ]; then
  if [[ "$start" =~ $simple ]] && [ -z "$prestart" ]; then cmd="$start"; else cmd="npm start"; fi
  echo start > "$source_file"
elif [ -f "$1/server.js" ]; then cmd="node server.js"
elif [ -f "$1/index.js" ]; then cmd="node index.js"
elif [ -n "$main" ] && [ -f "$1/$main" ]; then cmd="node $main"
fi

echo '---'
echo 'default_process_types:'
if [ -n "$cmd" ]; then
  cmd="${cmd//\\/\\\\}"
  printf '  web: "%s"\n' "${cmd//\"/\\\"}"
else
  echo '  {}'
fi
