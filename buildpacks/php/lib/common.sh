# Shared by the php buildpack's scripts.

# One php run (each costs ~50 ms) for everything supply needs: this PHP's
# facts and .bp-config/options.json's keys, as shell assignments to eval
# (lists one item per line). Exits 2 with json_decode's message when the
# options file is not JSON.
php_facts() {
  php -r '
    $o = [];
    if (is_file($argv[1])) {
      $o = json_decode(file_get_contents($argv[1]), true);
      if (!is_array($o)) { fwrite(STDERR, json_last_error_msg()); exit(2); }
    }
    $v = function ($x) { return is_array($x) ? implode("\n", $x) : (string) $x; };
    $out = [
      "PHP_BIN" => PHP_BINARY, "PHP_VER" => PHP_VERSION, "PHP_MM" => PHP_MAJOR_VERSION . "." . PHP_MINOR_VERSION,
      "EXT_DIR" => ini_get("extension_dir"),
      "LOADED" => " " . strtolower(implode(" ", array_merge(get_loaded_extensions(), get_loaded_extensions(true)))) . " ",
    ];
    foreach (["WEB_SERVER", "WEBDIR", "LIBDIR", "PHP_VERSION", "APP_START_CMD", "PHP_EXTENSIONS", "ZEND_EXTENSIONS"] as $k) $out["OPT_$k"] = $v($o[$k] ?? "");
    foreach ($out as $k => $x) echo $k, "=", escapeshellarg($x), "\n";
  ' "$1/.bp-config/options.json"
}
