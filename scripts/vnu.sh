#!/usr/bin/env bash
# The Nu HTML Checker (vnu) the browser tests validate every page with (tests/e2e/vnu.py): the official
# jar from the npm registry, pinned, into .cache/vnu. Needs Java (Debian: default-jre-headless) and npm.
# Without them it says so and stops without error: the tests then skip the check, except under
# CARE_REQUIRE_SERVICES=1 where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=26.9.27
JAR=.cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar
if [ -f "$JAR" ] && grep -q "\"version\": \"$VERSION\"" .cache/vnu/node_modules/vnu-jar/package.json 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  echo "Vérificateur HTML (vnu) non installé : il faut Java et npm (apt-get install -y default-jre-headless npm)." >&2
  exit 0
fi
mkdir -p .cache/vnu
npm install --silent --no-audit --no-fund --no-save --prefix .cache/vnu "vnu-jar@$VERSION"
test -f "$JAR"
