# Shared by the php buildpack's scripts.

# A key of .bp-config/options.json (strings as they are, lists one per line), or nothing.
# Needs php; exits 2 with json_decode's message when the file is not JSON.
bp_option() {
  local f="$1/.bp-config/options.json"
  [ -f "$f" ] || return 0
  php -r '
    $o = json_decode(file_get_contents($argv[1]), true);
    if (!is_array($o)) { fwrite(STDERR, json_last_error_msg()); exit(2); }
    $v = $o[$argv[2]] ?? null;
    if (is_array($v)) { foreach ($v as $x) echo $x, "\n"; } elseif ($v !== null) { echo $v, "\n"; }
  ' "$f" "$2"
}

# The web folder: WEBDIR (default htdocs), without slashes at either end.
bp_webdir() {
  local w
  w="$(bp_option "$1" WEBDIR 2>/dev/null || true)"
  w="${w#/}" w="${w%/}"
  echo "${w:-htdocs}"
}
