#!/usr/bin/env bash
# The pinned AsyncAPI CLI (deploy/asyncapi/package.json + package-lock.json), installed once
# into ~/.cache/narrative-detector/asyncapi/<lock hash> with `npm ci`, never into the tree.
#
#   bash deploy/asyncapi/asyncapi.sh fetch                          # install if missing
#   bash deploy/asyncapi/asyncapi.sh validate schemas/asyncapi.yaml # any CLI command
#
# Needs Node.js 18+ and npm (Debian: nodejs npm). The version is pinned to the newest CLI
# that still runs on the Node.js 18/20 of Debian and of this project's machines (5.x and 6.x
# need Node.js 24). Install scripts are skipped: the CLI's only one enables shell
# completion, and a dependency's would phone home. Usage metrics are switched off.
# Environment: ASYNCAPI_CACHE (default ~/.cache/narrative-detector/asyncapi).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${ASYNCAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/narrative-detector/asyncapi}"
prefix="$CACHE/$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
bin="$prefix/node_modules/.bin/asyncapi"

log() { printf '{"component":"asyncapi.sh","event":"%s"%s}\n' "$1" "${2:+,$2}" >&2; }

fetch() {
  [[ -x "$bin" && -f "$prefix/.installed" ]] && return 0
  for tool in node npm; do
    command -v "$tool" >/dev/null || { log error "\"reason\":\"$tool not found: install Node.js 18+ and npm (Debian: nodejs npm)\""; exit 1; }
  done
  log installing "\"prefix\":\"$prefix\""
  rm -rf "$prefix"
  mkdir -p "$prefix"
  cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$prefix/"
  (cd "$prefix" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  touch "$prefix/.installed"
  # Installs of earlier pins are ~1.5 GB each: keep only this one.
  find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -path "$prefix" -exec rm -rf {} +
}

# No usage metrics, no update check, no first-run prompt: the CLI must behave the same in CI.
export ASYNCAPI_METRICS=false ASYNCAPI_CLI_SKIP_NEW_VERSION_CHECK=true CI="${CI:-true}"

case "${1:-}" in
  fetch) fetch ;;
  "") echo "usage: $0 fetch | <asyncapi command> [args...]" >&2; exit 2 ;;
  *) fetch; exec "$bin" "$@" ;;
esac
