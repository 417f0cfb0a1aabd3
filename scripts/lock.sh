#!/usr/bin/env bash
# Regenerate the hash-pinned lock files from pyproject.toml, for Python 3.11 on Linux:
#   requirements-test.lock  runtime + the test extras (.ci/run, through scripts/_venv.sh)
#   requirements.lock       runtime only, the same versions (the Dockerfile)
# Needs uv (`pip install uv`). Versions already locked are kept while pyproject allows them;
# pass `--upgrade` (everything) or `--upgrade-package NAME` to move. Review the diff, run the
# tests, commit both files together with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"
common=(--python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes
        --custom-compile-command "scripts/lock.sh")
"$UV" pip compile -q pyproject.toml --extra test "${common[@]}" "$@" -o requirements-test.lock
pins="$(mktemp)"
trap 'rm -f "$pins"' EXIT
grep -E '^[A-Za-z0-9]' requirements-test.lock | sed 's/ \\$//' > "$pins"
"$UV" pip compile -q pyproject.toml "${common[@]}" -c "$pins" -o requirements.lock
