# Shared by the ruby buildpack's scripts.

# This machine's ruby: "RUBY<TAB>VERSION" (the real binary, not an rbenv or asdf
# shim: at runtime HOME is the app folder, where a shim finds nothing).
find_ruby() {
  command -v ruby >/dev/null 2>&1 || return 1
  ruby -e 'require "rbconfig"; print RbConfig.ruby, "\t", RUBY_VERSION'
}

# The kind of app release starts: rails, rack, or nothing (a Procfile or command says).
ruby_app_kind() {
  if [ -f "$1/config/application.rb" ] && [ -f "$1/bin/rails" ]; then echo rails
  elif [ -f "$1/config.ru" ]; then echo rack
  fi
}
