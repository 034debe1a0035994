#!/usr/bin/env bash
# Makes sure the Debian libraries WeasyPrint needs (and, with --navigateur, Chromium for the
# browser tests) are present. As root on Debian: installs what is missing with apt.
# Otherwise: prints the exact apt line and stops with an error.
set -euo pipefail

paquets=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-}" = "--navigateur" ]; then
  paquets+=(chromium)
fi

manquants=()
for p in "${paquets[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    manquants+=("$p")
  fi
done

if [ ${#manquants[@]} -eq 0 ]; then
  exit 0
fi

ligne="apt-get install -y --no-install-recommends ${manquants[*]}"
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Bibliothèques système manquantes (${manquants[*]}) et apt-get introuvable : installez l'équivalent de « $ligne » pour votre système." >&2
  exit 1
fi
if [ "$(id -u)" != "0" ]; then
  echo "Bibliothèques système manquantes pour WeasyPrint. Lancez en root : sudo apt-get update && sudo $ligne" >&2
  exit 1
fi
echo "Installation des paquets Debian manquants : ${manquants[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${manquants[@]}"
