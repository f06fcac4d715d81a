#!/usr/bin/env bash
# The whole vitest suite on Node 24, the LTS line most services run (Node 20 is past its end of
# life and stays our floor; .ci/run's main test run is on it). Same workspace, same installed
# packages (OpenTelemetry JS 2.x); only the runtime differs. The Node 24 binary comes from the
# npm package `node@24`, cached where scripts/test-compat.sh keeps it.
#
# The report is vitest's default one; the JSON report (.vitest-results.json) is left to the
# main run, whose summary closes .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${OTEL_SENTRY_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otel-sentry-compat}
node24="$cache/node24/node_modules/node/bin/node"
say() { printf '[test-node24] %s\n' "$*"; }

if ! "$node24" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  say "installing Node 24 (npm package node@24) into $cache/node24"
  rm -rf "$cache/node24"
  mkdir -p "$cache/node24"
  npm install --prefix "$cache/node24" --no-audit --no-fund --loglevel=error --cache "$cache/npm" node@24 >/dev/null
fi
say "running the whole suite on Node $("$node24" --version)"
cd "$root"
# Child processes the tests spawn (process.execPath) run on Node 24 too.
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run --reporter=default "$@"
