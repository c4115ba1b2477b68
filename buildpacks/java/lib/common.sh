# Shared by the java buildpack's scripts.

# A MANIFEST.MF attribute (continuation lines joined, CRs dropped).
manifest_attr() {
  local mf="$1/META-INF/MANIFEST.MF"
  [ -f "$mf" ] || return 0
  tr -d '\r' < "$mf" | awk -v key="$2" '
    /^ / { if (cur) { val = val substr($0, 2) }; next }
    { if (cur) { print val; cur = 0; exit } }
    index($0, key ": ") == 1 { cur = 1; val = substr($0, length(key) + 3) }
    END { if (cur) print val }
  '
}

# This machine's java: "JAVA_HOME<TAB>VERSION" (17.0.15), or nothing.
find_java() {
  local java home v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"
  else java="$(command -v java 2>/dev/null)" || return 1
  fi
  java="$(readlink -f "$java")"
  home="$(dirname "$(dirname "$java")")"
  v="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^[[:space:]]*java\.version = //p' | head -n1)"
  [ -n "$v" ] || v="$("$java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  printf '%s\t%s\n' "$home" "$v"
}

# 17 from 17.0.15, 8 from 1.8.0_392.
java_major() {
  case "$1" in 1.*) echo "$1" | cut -d. -f2 ;; *) echo "$1" | cut -d. -f1 ;; esac
}

# This machine's Tomcat jars (Debian's libtomcat10-java, or $CATALINA_HOME/lib
# and bin/ of an unpacked Tomcat), one per line, or nothing.
find_tomcat_jars() {
  local home="${CATALINA_HOME:-}"
  if [ -n "$home" ] && [ -f "$home/lib/catalina.jar" ]; then
    find -L "$home/lib" "$home/bin" -maxdepth 1 -name '*.jar' ! -name '*-i18n-*' | sort
    return
  fi
  # CFPUSH_TOMCAT_JARS: where the distribution keeps its jars (Debian: /usr/share/java).
  local d="${CFPUSH_TOMCAT_JARS:-/usr/share/java}" v
  for v in 11 10; do
    [ -f "$d/tomcat$v-catalina.jar" ] || continue
    # The unversioned names Debian links to the current release; translations and ant tasks are not needed.
    find "$d" -maxdepth 1 -name "tomcat$v-*.jar" ! -name '*-[0-9]*.jar' ! -name '*-i18n-*' ! -name '*-ant.jar' | sort
    # Jasper compiles JSPs with the Eclipse compiler (a dependency of the Debian package).
    [ -f "$d/eclipse-jdt-core.jar" ] && echo "$d/eclipse-jdt-core.jar"
    return
  done
}
