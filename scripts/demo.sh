#!/usr/bin/env bash
# Run the embedded demo (SQLite, no Redis): http://localhost:8000/demo
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_venv.sh" test
cd "$ROOT"
exec "$VENV/bin/lupa" demo "$@"
