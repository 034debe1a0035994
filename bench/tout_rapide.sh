#!/usr/bin/env bash
# Every bench script in its quick mode (small volume): they must keep running (issue 19).
# Fails (exit 1) when one fails; each runs on its own throwaway database (SQLite unless DATABASE_URL).
#   bench/tout_rapide.sh            (from the repository root, or anywhere: it finds it)
set -u
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export BENCH_RAPIDE=1
echecs=()
for script in bench/bench_*.py; do
  echo "=== $script (rapide)"
  debut=$(date +%s)
  if "$PYTHON" "$script" --rapide; then
    echo "--- $script : ok en $(( $(date +%s) - debut )) s"
  else
    echo "--- $script : ÉCHEC (code $?)"
    echecs+=("$script")
  fi
done
if [ ${#echecs[@]} -gt 0 ]; then
  echo "Échec : ${echecs[*]}"
  exit 1
fi
echo "Tous les bancs tournent en mode rapide."
