# Version comparisons shared by the built-in buildpacks. The one source is
# buildpacks/lib/version.sh; build.mjs copies it into each buildpack's lib/
# (a buildpack folder must be whole on its own), where git ignores the copy.

# version_lt A B: true when dotted version A is older than B (1.21 < 1.21.4 < 1.22).
version_lt() {
  [ "$1" = "$2" ] && return 1
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]
}

# version_prefix_matches WANT HAVE: a request that names major.minor only
# (1.21, 1.21.x) is met by any patch of it.
version_prefix_matches() {
  local want="${1%.x}" have="$2"
  [ "$have" = "$want" ] || [[ "$have" == "$want".* ]]
}
