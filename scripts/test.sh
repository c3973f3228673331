#!/usr/bin/env bash
# The test command from the README, also what CI runs (.ci/run).
# On a fresh machine it installs everything the tests need from the project's
# own files: the Python env (.venv), the mermaid parser (npm, agentspec/checks/node) and
# PostgreSQL (apt, via scripts/ci_postgres.sh; skipped with AGENTSPEC_NO_PG=1).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow`.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

if command -v npm >/dev/null 2>&1; then
  if [ ! -d agentspec/checks/node/node_modules/mermaid ]; then
    npm ci --prefix agentspec/checks/node --no-audit --no-fund --loglevel=error
  fi
else
  echo "test.sh: npm not found; mermaid checks will fail (install nodejs/npm)" >&2
fi

# libfaketime lets the replay tests prove they do not depend on the date (run 30 days ahead);
# they skip without it, so a machine without apt still runs the suite.
if ! command -v faketime >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime; } >&2 \
    || echo "test.sh: could not install faketime; the shifted-clock subprocess test will skip" >&2
fi

if [ "${AGENTSPEC_NO_PG:-0}" != "1" ]; then
  eval "$(bash scripts/ci_postgres.sh)"
  export AGENTSPEC_PG_URL AGENTSPEC_TEST_PG_URL
fi

# Both cores by default (CI has 2): the suite runs serially in about twice the time.
# Pass your own -n (e.g. -n 0) to override.
workers=(-n "${AGENTSPEC_TEST_WORKERS:-2}")
for arg in "$@"; do
  case "$arg" in -n|-n*|--numprocesses*) workers=() ;; esac
done

set +e
.venv/bin/python -m pytest "${workers[@]}" "$@"
code=$?
set -e
# pytest exits 5 when a selection ran no test; that is not a failure of the suite.
if [ "$code" -eq 5 ]; then exit 0; fi
exit "$code"
