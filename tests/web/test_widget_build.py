"""The committed widget build: reproducible from widget/src, consistent, small, served right."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
BUILT = ROOT / "service" / "static" / "widget"
GZIP_BUDGET = 7000  # bytes, JS + CSS first load (the 7 KB; Osano's is 8,044)


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUILT / "manifest.json").read_text("utf-8"))
    return data


def sri(data: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def test_rebuilding_from_source_reproduces_the_committed_files(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (WIDGET / "node_modules" / "esbuild").exists():
        pytest.fail("widget/node_modules missing: run `cd widget && npm ci`")
    subprocess.run([node, "build.mjs", "--out", str(tmp_path)], cwd=WIDGET, check=True,
                   capture_output=True)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in BUILT.iterdir())
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (BUILT / name).read_bytes(), (
            f"{name} differs from a fresh build: run `cd widget && node build.mjs` and commit"
        )


def test_manifest_names_and_integrity_match_the_files() -> None:
    m = manifest()
    for kind in ("js", "css"):
        hashed = (BUILT / m[kind]["file"]).read_bytes()
        assert hashed == (BUILT / f"widget.{kind}").read_bytes()
        assert m[kind]["integrity"] == sri(hashed)
        assert m[kind]["file"] == f"widget.{hashlib.sha256(hashed).hexdigest()[:12]}.{kind}"
    js = (BUILT / "widget.js").read_text("utf-8")
    # The script loads exactly the CSS beside it, and on demand the subscribe sender and the
    # embeds' code, by SRI (SHA-256 for those two: the first load carries their hashes).
    assert m["css"]["file"] in js and m["css"]["integrity"] in js
    for kind, marker in (("subscribe", b"__lupaSend"), ("embeds", b"__lupaEmbeds")):
        lazy = (BUILT / m[kind]["file"]).read_bytes()
        assert m[kind]["integrity"] == sri(lazy, "sha256")
        assert m[kind]["file"] in js and m[kind]["integrity"] in js
        assert marker in lazy
    # ... and the embeds' code loads its own stylesheet, by SRI.
    emb_css = (BUILT / m["embeds_css"]["file"]).read_bytes()
    assert m["embeds_css"]["integrity"] == sri(emb_css)
    embeds = (BUILT / m["embeds"]["file"]).read_text("utf-8")
    assert m["embeds_css"]["file"] in embeds and m["embeds_css"]["integrity"] in embeds
    assert m["embeds_css"]["file"] not in js


def test_first_load_fits_the_size_budget() -> None:
    total = sum(
        len(gzip.compress((BUILT / f"widget.{kind}").read_bytes(), 9)) for kind in ("js", "css")
    )
    assert total <= GZIP_BUDGET, f"{total} B gzip > {GZIP_BUDGET} B"


def test_widget_module_imports_only_flask_and_stdlib() -> None:
    """The widget's files are served without the rest of the service (only its own
    stdlib-only manifest module)."""
    def imports_of(*path: str) -> set[str]:
        source = (ROOT.joinpath(*path)).read_text("utf-8")
        return set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.M))

    stdlib = {"__future__", "json", "re", "secrets", "functools", "pathlib", "typing"}
    widget = imports_of("service", "web", "widget.py")
    assert {m.split(".")[0] for m in widget - {"service.assets"}} <= stdlib | {"flask"}
    assert {m.split(".")[0] for m in imports_of("service", "assets.py")} <= stdlib


def test_plain_names_are_short_cached_with_a_content_etag(client: Any) -> None:
    m = manifest()
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_etag()[0] == m["js"]["integrity"]
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    css = client.get("/widget.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_hashed_names_are_immutable(client: Any) -> None:
    m = manifest()
    mimetypes = {"js": "text/javascript", "css": "text/css", "subscribe": "text/javascript",
                 "embeds": "text/javascript", "embeds_css": "text/css"}
    for kind, mimetype in mimetypes.items():
        response = client.get(f"/{m[kind]['file']}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Access-Control-Allow-Origin"] == "*"  # SRI across origins
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        algorithm = m[kind]["integrity"].split("-")[0]
        assert sri(response.get_data(), algorithm) == m[kind]["integrity"]
    assert client.get("/widget.0123456789ab.js").status_code == 404
    assert client.get("/widget.abc.exe").status_code == 404
    assert client.get("/widget-subscribe.0123456789ab.js").status_code == 404
    assert client.get("/widget-embeds.0123456789ab.js").status_code == 404
    assert client.get("/widget-embeds.0123456789ab.css").status_code == 404
    embeds_js = m["embeds"]["file"].removesuffix(".js")
    assert client.get(f"/{embeds_js}.exe").status_code == 404
    assert client.get(f"/{embeds_js}.css").status_code == 404  # another file's digest


def test_demo_page_has_a_strict_csp_and_its_stand_ins(client: Any, demo: Any) -> None:
    response = client.get("/demo")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    html = response.get_data(as_text=True)
    assert 'data-site="demo"' in html and f'nonce="{nonce.group(1)}"' in html
    assert 'type="text/plain" data-category="analytics"' in html
    assert 'type="text/plain" data-category="marketing"' in html
    for name in ("fake-ga.js", "fake-pixel.js"):
        assert client.get(f"/demo/static/{name}").status_code == 200
    assert client.get("/demo/static/../web/widget.py").status_code == 404


def test_readme_and_config_publish_the_current_sri(client: Any, demo: Any) -> None:
    built = manifest()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f'/{built["js"]["file"]}" integrity="{built["js"]["integrity"]}"' in readme, \
        "README's SRI snippet is stale: copy it from service/static/widget/manifest.json"
    widget = client.get("/api/v1/sites/demo/config").get_json()["widget"]
    assert widget == {kind: {"file": f"/{built[kind]['file']}",
                             "integrity": built[kind]["integrity"]} for kind in ("js", "css")}
    assert client.get(widget["js"]["file"]).status_code == 200
