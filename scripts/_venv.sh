# Shared by scripts/*.sh: create .venv and install Lupa (with test extras) when pyproject.toml
# or the lock changes. Dependencies come only from the hash-pinned lock (requirements-test.lock
# for `test`, requirements.lock otherwise; regenerate with scripts/lock.sh), then Lupa itself
# without dependencies.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LUPA_VENV:-$ROOT/.venv}"
EXTRAS="${1:-test}"
if [ "$EXTRAS" = "test" ]; then
    LOCK="$ROOT/requirements-test.lock"
else
    LOCK="$ROOT/requirements.lock"
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV ..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip >&2
fi
STAMP="$VENV/.lupa-installed-$EXTRAS"
HASH="$(cat "$ROOT/pyproject.toml" "$LOCK" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
    echo "installing Lupa and its locked dependencies into $VENV ..." >&2
    "$VENV/bin/pip" install -q --require-hashes -r "$LOCK" >&2
    "$VENV/bin/pip" install -q --no-deps -e "$ROOT[$EXTRAS]" >&2
    echo "$HASH" > "$STAMP"
fi
