#!/usr/bin/env bash
# Compatibility test: the built @otel-sentry/core and @otel-sentry/span-processor against the
# OpenTelemetry JS 3.x line (@opentelemetry/sdk-trace 3.x, @opentelemetry/api 1.10), which needs
# Node >= 22.15. The workspace stays on Node 20 and sdk-trace-base 2.x, so this script:
#   1. gets a Node 24 binary from the npm package `node@24` (cached between runs),
#   2. installs the 3.x packages into a fresh temporary folder, never into the workspace,
#   3. builds core and span-processor and copies their dist in,
#   4. runs test/compat/*.test.mjs there with `node --test`.
# Needs only Node and npm, and the npm registry. A warm cache makes it take seconds.
#
# Environment:
#   OTEL_SENTRY_COMPAT_CACHE  where the Node 24 binary and npm's cache are kept
#                             (default: ${XDG_CACHE_HOME:-$HOME/.cache}/otel-sentry-compat)
#   KEEP_COMPAT_DIR=1         keep the temporary folder (its path is printed)
#   COMPAT_SKIP_BUILD=1       use the dist folders as they are (when just built)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${OTEL_SENTRY_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/otel-sentry-compat}
npm_flags=(--no-audit --no-fund --loglevel=error --cache "$cache/npm")
mkdir -p "$cache"

say() { printf '[test-compat] %s\n' "$*"; }

# 1. Node 24.
node24="$cache/node24/node_modules/node/bin/node"
if ! "$node24" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  say "installing Node 24 (npm package node@24) into $cache/node24"
  rm -rf "$cache/node24"
  mkdir -p "$cache/node24"
  npm install --prefix "$cache/node24" "${npm_flags[@]}" node@24 >/dev/null
fi
say "using Node $("$node24" --version)"

# 2. The packages under test, built from the current sources (a stale dist would test old code).
for pkg in core span-processor; do
  if [ "${COMPAT_SKIP_BUILD:-0}" = 1 ] && [ -f "$root/packages/$pkg/dist/esm/index.js" ]; then
    continue
  fi
  say "building @otel-sentry/$pkg"
  (cd "$root/packages/$pkg" && node ../../scripts/build-package.mjs)
done

# 3. An isolated folder with the OpenTelemetry 3.x line.
work=$(mktemp -d "${TMPDIR:-/tmp}/otel-sentry-compat.XXXXXX")
if [ "${KEEP_COMPAT_DIR:-0}" = 1 ]; then
  say "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
cat >"$work/package.json" <<'JSON'
{ "name": "otel-sentry-compat", "private": true, "type": "module" }
JSON
say "installing @opentelemetry/sdk-trace@3 and @opentelemetry/api@1.10 into $work"
npm install --prefix "$work" "${npm_flags[@]}" \
  '@opentelemetry/api@~1.10.0' \
  '@opentelemetry/sdk-trace@^3.1.0' \
  '@opentelemetry/core@^3.1.0' \
  '@opentelemetry/context-async-hooks@^3.1.0' >/dev/null

# Copies, not links: a link would make Node resolve @opentelemetry/api from the workspace (1.9).
for pkg in core span-processor; do
  dest="$work/node_modules/@otel-sentry/$pkg"
  mkdir -p "$dest"
  cp "$root/packages/$pkg/package.json" "$dest/"
  cp -R "$root/packages/$pkg/dist" "$dest/"
done
cp "$root"/test/compat/*.test.mjs "$work/"

# 4. Run.
say "running the compat tests"
cd "$work"
"$node24" --test ./*.test.mjs
