# Shared by bin/supply and lib/varify.

# This machine's nginx (Debian puts it in /usr/sbin, which a user's PATH may lack).
find_nginx() {
  command -v nginx 2>/dev/null && return
  for p in /usr/sbin/nginx /usr/local/sbin/nginx /usr/local/nginx/sbin/nginx; do
    [ -x "$p" ] && { echo "$p"; return; }
  done
  return 1
}

# "1.22.1" from `nginx -v` ("nginx version: nginx/1.22.1").
nginx_version() {
  "$1" -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9.]*\).*|\1|p' | head -n1
}

# The version buildpack.yml asks for (nginx: version: ...), or nothing.
requested_version() {
  [ -f "$1/buildpack.yml" ] || return 0
  awk '
    /^nginx:[[:space:]]*$/ { inside = 1; next }
    /^[^[:space:]#]/ { inside = 0 }
    inside && $1 == "version:" { v = $2; gsub(/["'\''\r]/, "", v); print v; exit }
  ' "$1/buildpack.yml"
}

# The line of buildpack.yml that holds the version (for messages).
requested_line() {
  grep -n '^[[:space:]]*version:' "$1/buildpack.yml" | head -n1 | cut -d: -f1
}
