#!/usr/bin/env bash
# Run by `npm test` before `bun test`. The integration tests build a real SSH cluster of network
# namespaces: they need Linux, root, and the Debian packages of scripts/test-packages.txt. When a
# package is missing and this is root with apt, they are installed here (once: with all present
# this prints nothing and costs a few dpkg queries), with one line saying so. Where that cannot
# be done, ONE line says exactly what to run, and npm test stops before a stack trace per file.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "npm test: $*" >&2; }

if [[ "$(uname -s)" != Linux ]]; then
  say "the integration tests need Linux (network namespaces); run the unit tests alone with: npx bun test src"
  exit 1
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  say "the integration tests need Debian packages ($(sed -e 's/#.*//' "$here/test-packages.txt" | awk 'NF { printf "%s%s", s, $1; s = " " }')) and this machine has no dpkg; install their equivalents, then run npm test again"
  exit 1
fi

missing=()
while read -r p; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done < <(sed -e 's/#.*//' "$here/test-packages.txt" | awk 'NF { print $1 }')
((${#missing[@]} == 0)) && [[ "$(id -u)" == 0 ]] && exit 0

if [[ "$(id -u)" != 0 ]]; then
  if ((${#missing[@]} > 0)); then
    say "the integration tests need root and the packages ${missing[*]}; run: sudo npm test (it installs them), or the unit tests alone: npx bun test src"
  else
    say "the integration tests build network namespaces and need root; run: sudo npm test (or the unit tests alone: npx bun test src)"
  fi
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "missing Debian packages ${missing[*]} and no apt-get to install them; install them, then run npm test again"
  exit 1
fi

log="$(mktemp "${TMPDIR:-/tmp}/cluster-exec-test-deps.XXXXXX")"
say "installing the test cluster's packages: ${missing[*]} (once, with apt-get)"
if ! DEBIAN_FRONTEND=noninteractive bash "$here/test-cluster.sh" deps >"$log" 2>&1; then
  say "installing ${missing[*]} failed ($(tail -n 1 "$log")); see $log, or run: bash scripts/test-cluster.sh deps"
  exit 1
fi
rm -f "$log"
