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

# The Go version the app asks for, and where it says so: GOVERSION (CF's go
# buildpack honours it), else go.mod's toolchain line, else its go line.
# Prints "VERSION<TAB>SOURCE", or nothing.
go_requested_version() {
  local build_dir="$1" v
  if [ -n "${GOVERSION:-}" ]; then
    printf '%s\t%s\n' "${GOVERSION#go}" "GOVERSION=$GOVERSION"
    return
  fi
  [ -f "$build_dir/go.mod" ] || return 0
  v="$(sed -n 's/^toolchain[[:space:]]*go\([0-9][0-9.]*\).*/\1/p' "$build_dir/go.mod" | head -n1)"
  if [ -n "$v" ]; then
    printf '%s\t%s\n' "$v" "go.mod:$(grep -n '^toolchain' "$build_dir/go.mod" | head -n1 | cut -d: -f1) (toolchain go$v)"
    return
  fi
  v="$(sed -n 's/^go[[:space:]]*\([0-9][0-9.]*\).*/\1/p' "$build_dir/go.mod" | head -n1)"
  [ -n "$v" ] && printf '%s\t%s\n' "$v" "go.mod:$(grep -n '^go[[:space:]]' "$build_dir/go.mod" | head -n1 | cut -d: -f1) (go $v)"
  return 0
}

source "$(dirname "${BASH_SOURCE[0]}")/version.sh"
