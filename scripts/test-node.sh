#!/usr/bin/env bash
# The whole vitest suite on another Node major: `scripts/test-node.sh 24` (the LTS line most
# services run) or `scripts/test-node.sh 22` (the LTS before it). Node 20 is past its end of life
# and stays our floor; .ci/run's main test run is on it. Same workspace, same installed packages
# (OpenTelemetry JS 2.x); only the runtime differs. The binary comes from the npm package
# `node@<major>`, cached where scripts/test-compat.sh keeps its Node 24.
#
# The report is vitest's default one; the JSON report (.vitest-results.json) is left to the
# main run, whose summary closes .ci/run. Arguments after the major go to vitest.
set -euo pipefail

major=${1:?usage: scripts/test-node.sh <major> [vitest args]}
shift
case "$major" in
  '' | *[!0-9]*) echo "test-node: the Node major must be a number, got $major" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${OTEL_SENTRY_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otel-sentry-compat}
node="$cache/node$major/node_modules/node/bin/node"
say() { printf '[test-node%s] %s\n' "$major" "$*"; }

if ! "$node" -e "process.exit(Number(process.versions.node.split('.')[0]) === $major ? 0 : 1)" 2>/dev/null; then
  say "installing Node $major (npm package node@$major) into $cache/node$major"
  rm -rf "$cache/node$major"
  mkdir -p "$cache/node$major"
  npm install --prefix "$cache/node$major" --no-audit --no-fund --loglevel=error --cache "$cache/npm" "node@$major" >/dev/null
fi
say "running the whole suite on Node $("$node" --version)"
cd "$root"
# Child processes the tests spawn (process.execPath) run on that Node too.
PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run --reporter=default "$@"
