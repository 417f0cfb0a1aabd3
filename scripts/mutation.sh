#!/usr/bin/env bash
# Mutation testing of one rule module against the tests that cover it (mutmut 3); modules and
# their tests are listed in pyproject.toml under [tool.lupa.mutation]. See docs/mutation.md.
#   bash scripts/mutation.sh chain [marketing ...] [--max-children N]    bash scripts/mutation.sh --list
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_venv.sh" test
exec "$VENV/bin/python" "$ROOT/scripts/mutation.py" "$@"
