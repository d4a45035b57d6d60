#!/usr/bin/env bash
# One entry point for a fresh machine: sets up what is missing, then runs what you asked for.
#
#   bash deploy/dev.sh demo     # local Kafka + worker + sample stream, narratives appear live
#   bash deploy/dev.sh test     # the whole test suite (unit + integration on a real broker)
#   bash deploy/dev.sh setup    # only install: venv with the project, Kafka jars
#   bash deploy/dev.sh lint     # ruff + mypy
#
# Needs Python 3.11+, Java 17+ and Maven on PATH (Debian: python3-venv openjdk-17-jdk-headless
# maven). Environment: PYTHON (interpreter, default python3.11 or python3), VENV (default .venv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
VENV="${VENV:-$root/.venv}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

log() { printf '{"component":"dev.sh","event":"%s"%s}\n' "$1" "${2:+,$2}" >&2; }

setup() {
  for tool in java mvn; do
    command -v "$tool" >/dev/null || { log error "\"reason\":\"$tool not found: install Java 17 and Maven (Debian: openjdk-17-jdk-headless maven)\""; exit 1; }
  done
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { log error "\"reason\":\"$PYTHON is older than 3.11; set PYTHON to a 3.11+ interpreter\""; exit 1; }
  stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [[ ! -f "$stamp" ]]; then
    log installing "\"venv\":\"$VENV\""
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
  bash deploy/kafka/kafka.sh fetch
  log ready
}

# The pinned AsyncAPI CLI (~1.5 GB in ~/.cache) for tests/unit/schemas/test_asyncapi.py: for
# setup and test only, not the demo. Without Node.js those tests skip (CI installs it).
fetch_asyncapi() {
  if command -v node >/dev/null && command -v npm >/dev/null; then
    bash deploy/asyncapi/asyncapi.sh fetch
  fi
}

case "${1:-}" in
  setup) setup; fetch_asyncapi ;;
  demo) setup; shift; exec "$VENV/bin/narratives" demo "$@" ;;
  test) setup; fetch_asyncapi; shift; exec "$VENV/bin/python" -m pytest tests -q -p no:cacheprovider "$@" ;;
  lint)
    setup
    "$VENV/bin/ruff" check streams agents schemas tests bench
    "$VENV/bin/ruff" format --check streams agents schemas tests bench
    "$VENV/bin/mypy"
    ;;
  *) echo "usage: $0 {demo|test|setup|lint}" >&2; exit 2 ;;
esac
