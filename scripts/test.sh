#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite: lint, types, unit, integration
# (real Redis, PostgreSQL, Celery worker processes) and end-to-end (Debian's headless Chromium
# with axe-core, the Nu Html Checker on Java). Safe to run again: it only installs what is missing.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -k feeds   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# 1. System packages: Chromium (browser tests), Java (Nu checker), Redis and PostgreSQL servers.
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v java >/dev/null || need+=(default-jre-headless)
command -v redis-server >/dev/null || need+=(redis-server)
command -v npm >/dev/null || need+=(npm)
command -v pg_ctlcluster >/dev/null || command -v pg_ctl >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  say "Installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# 2. PostgreSQL must answer on 127.0.0.1:5432 (trust or PUBLISHER_TEST_PG_URL).
if [ -z "${PUBLISHER_TEST_PG_URL:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  say "Starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432; set PUBLISHER_TEST_PG_URL" >&2; exit 1; }
fi

# 3. Python: a virtual environment with the project and its test extras.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv"
  "$PY" -m venv .venv
fi
say "Installing the project and test dependencies"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# 4. Browser-side checkers from npm, pinned by tests/e2e/package-lock.json (no browser download).
say "Installing axe-core and the Nu Html Checker"
npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error

# 5. The checks.
say "ruff"
.venv/bin/ruff check publisher channels tests benchmarks scripts
.venv/bin/ruff format --check publisher channels tests benchmarks scripts
say "mypy"
.venv/bin/mypy publisher  # publisher/channels is the channels/ folder
say "pytest"
# Four processes, each taking whole test files (module-scoped servers are started once). Most of
# the suite waits on real servers, workers and a browser, so even on two cores four processes
# keep both busy: about 9 minutes, against 15 with two and 26 with one. Running the tests
# under that load is also how races show. PYTEST_WORKERS=0 runs them in one process.
.venv/bin/pytest -n "${PYTEST_WORKERS:-4}" --dist loadfile "$@"
