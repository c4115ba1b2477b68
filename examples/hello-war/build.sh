#!/usr/bin/env bash
# Builds target/hello-war.war with the JDK alone (no Maven needed): javac against
# the Servlet API jar (Debian's libtomcat10-java, or SERVLET_API=path/to/jar), then jar.
set -euo pipefail
cd "$(dirname "$0")"
api="${SERVLET_API:-/usr/share/java/tomcat10-servlet-api.jar}"
[ -f "$api" ] || { echo "no Servlet API jar at $api: sudo apt-get install libtomcat10-java, or set SERVLET_API" >&2; exit 1; }
rm -rf target && mkdir -p target/war/WEB-INF/classes
cp -R src/main/webapp/. target/war/
javac --release 17 -cp "$api" -d target/war/WEB-INF/classes src/main/java/hello/HelloServlet.java
jar --create --file target/hello-war.war -C target/war .
echo "built target/hello-war.war"
