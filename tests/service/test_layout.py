"""The shape of the package (STYLE.md, docs/conventions.md): domain packages only, modules and
functions small enough to read, and the import-linter layer contracts."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# A longer function says why in a comment on its first lines carrying this marker.
LONG_MARKER = "# long:"


def _modules() -> list[Path]:
    return sorted(SERVICE.rglob("*.py"))


def test_domain_holds_packages_only() -> None:
    flat = [p.name for p in (SERVICE / "domain").glob("*.py") if p.name != "__init__.py"]
    assert flat == []
    for package in (SERVICE / "domain").iterdir():
        if package.is_dir() and package.name != "__pycache__":
            init = package / "__init__.py"
            assert init.exists(), package
            assert ast.get_docstring(ast.parse(init.read_text("utf-8"))), \
                f"{package.name}/__init__.py must say what the package owns"


def test_no_module_over_the_limit() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text("utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_over_the_limit_without_a_reason() -> None:
    long = []
    for path in _modules():
        source = path.read_text("utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                head = "\n".join(lines[node.lineno - 1:node.lineno + 6])
                if length > MAX_FUNCTION_LINES and LONG_MARKER not in head:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_the_layer_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed")
    out = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "0 broken" in out.stdout


def test_test_modules_have_unique_names() -> None:
    """The test folders are not packages: two test files with one name cannot both be
    collected in one run (pytest's "import file mismatch")."""
    from collections import Counter

    tests = Path(__file__).resolve().parents[1]
    names = Counter(p.name for p in tests.rglob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []
