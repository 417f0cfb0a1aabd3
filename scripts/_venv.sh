# Shared by scripts/*.sh: create .venv and install Lupa (with test extras) when pyproject changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LUPA_VENV:-$ROOT/.venv}"
EXTRAS="${1:-test}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV ..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip >&2
fi
STAMP="$VENV/.lupa-installed-$EXTRAS"
HASH="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
    echo "installing Lupa and its dependencies into $VENV ..." >&2
    "$VENV/bin/pip" install -q -e "$ROOT[$EXTRAS]" >&2
    echo "$HASH" > "$STAMP"
fi
