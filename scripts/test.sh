#!/usr/bin/env bash
# Run the test suite. SQLite and no Redis by default; set LUPA_TEST_DATABASE_URL and
# LUPA_TEST_REDIS_URL for PostgreSQL and Redis. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_venv.sh" test
cd "$ROOT"
# esbuild (the widget build test) and axe-core (the accessibility scans) come from npm.
if [ ! -d widget/node_modules ] && command -v npm >/dev/null; then
    echo "installing the widget's npm packages ..." >&2
    (cd widget && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: treating that as a failure" >&2
    exit 1
fi
exit "$rc"
