#!/usr/bin/env bash
# Builds target/hello-java.jar with the JDK alone (no Maven needed): javac, then jar.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf target && mkdir -p target/classes
javac --release 17 -d target/classes src/main/java/hello/Main.java
jar --create --file target/hello-java.jar --main-class hello.Main -C target/classes .
echo "built target/hello-java.jar"
