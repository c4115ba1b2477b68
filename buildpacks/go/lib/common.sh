# Shared by bin/finalize and bin/release: the binary's name is the last
# element of the module path (or "app" without go.mod).
go_binary_name() {
  local name=""
  [ -f "$1/go.mod" ] && name="$(sed -n 's/^module[[:space:]]*//p' "$1/go.mod" | head -n1 | tr -d '"\r' | sed 's/[[:space:]].*$//')"
  name="${name##*/}"
  # Major-version suffixes (example.com/app/v2) name the module, not the program.
  if [[ "$name" =~ ^v[0-9]+$ ]] && [ -f "$1/go.mod" ]; then
    name="$(sed -n 's/^module[[:space:]]*//p' "$1/go.mod" | head -n1 | tr -d '"\r' | awk -F/ '{print $(NF-1)}')"
  fi
  echo "${name:-app}" | tr -c 'A-Za-z0-9._\n-' '_'
}
