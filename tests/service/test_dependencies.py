"""Dependencies (issue 13 item 7): pyproject's floors are past known advisories, and what CI
and the image install comes only from hash-pinned locks that satisfy pyproject."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
TEST = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]]
# The first release with the fix of each advisory (name -> (version, advisories)).
FIXED_IN = {
    "gunicorn": ("23.0", "CVE-2024-1135, CVE-2024-6827"),
    "cryptography": ("44.0.1", "CVE-2024-26130, CVE-2024-12797"),
    "flask": ("3.1.1", "CVE-2025-47278"),
    "werkzeug": ("3.0.6", "CVE-2024-49766, CVE-2024-49767"),
    "jinja2": ("3.1.6", "CVE-2024-56201, CVE-2024-56326, CVE-2025-27516"),
    "orjson": ("3.9.15", "CVE-2024-27454"),
    "aiosmtpd": ("1.4.6", "CVE-2024-27305, CVE-2024-34083"),
}


def locked(name: str) -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes) of a lock file."""
    out: dict[str, tuple[Version, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", (ROOT / name).read_text("utf-8")):
        first = block.split(" ", 1)[0]
        if "==" not in first:
            continue
        pkg, version = first.split("==")
        out[canonicalize_name(pkg)] = (Version(version.split(";")[0]),
                                       re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return out


@pytest.mark.parametrize("name", sorted(FIXED_IN))
def test_no_version_below_an_advisory_fix_is_allowed(name: str) -> None:
    fixed, advisories = FIXED_IN[name]
    [req] = [r for r in RUNTIME + TEST if canonicalize_name(r.name) == name]
    floors = [Version(s.version) for s in req.specifier if s.operator in (">=", "==", "~=")]
    assert floors and min(floors) >= Version(fixed), (name, str(req.specifier), advisories)


@pytest.mark.parametrize("lock,requirements", [
    ("requirements.lock", RUNTIME), ("requirements-test.lock", RUNTIME + TEST)])
def test_each_lock_pins_every_requirement_with_hashes_within_pyproject(
        lock: str, requirements: list[Requirement]) -> None:
    pins = locked(lock)
    assert pins and all(hashes for _, hashes in pins.values()), lock
    for req in requirements:
        name = canonicalize_name(req.name)
        assert name in pins, (lock, name)
        assert req.specifier.contains(pins[name][0], prereleases=True), (lock, req, pins[name])
        for extra in req.extras:  # psycopg[binary]
            assert canonicalize_name(f"{req.name}-{extra}") in pins, (lock, req)


def test_the_runtime_lock_has_the_test_locks_versions() -> None:
    runtime, test = locked("requirements.lock"), locked("requirements-test.lock")
    assert {k: v[0] for k, v in runtime.items()} == {k: test[k][0] for k in runtime}


def test_ci_and_the_image_install_only_from_the_locks() -> None:
    venv = (ROOT / "scripts" / "_venv.sh").read_text("utf-8")
    assert "--require-hashes -r \"$LOCK\"" in venv and "requirements-test.lock" in venv
    assert "--no-deps -e" in venv
    assert "source scripts/_venv.sh test" in (ROOT / ".ci" / "run").read_text("utf-8")
    docker = (ROOT / "Dockerfile").read_text("utf-8")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in docker
    installs = re.findall(r"^RUN .*pip install[^\n]*", docker, re.M)
    assert all("--no-deps" in line for line in installs), installs
