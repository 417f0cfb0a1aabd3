"""The notice page and the health endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import text

from service.domain import notices, sites
from service.errors import InvalidInput
from service.extensions import db, redis_holder
from service.web import notice_page as page_model
from service.web.notice_labels import LABELS
from service.web.notice_text import render_text

bp = Blueprint("pages", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    checks: dict[str, str] = {}
    ok = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unavailable"
        ok = False
    if redis_holder.client is not None:
        try:
            redis_holder.client.ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001
            # Redis is a cache: without it answers still come from the database.
            checks["redis"] = "unavailable (serving from the database)"
    else:
        checks["redis"] = "not configured"
    return jsonify(status="ok" if ok else "unavailable", checks=checks), (200 if ok else 503)


def notice_context(notice: dict[str, Any], lang: str) -> dict[str, Any]:
    """What templates/notice.html needs besides the version's identity (format-2 data)."""
    labels = LABELS[lang]
    return {
        "notice": notice, "lang": lang, "labels": labels,
        "sections": page_model.sections(notice, labels),
        "rights": page_model.rights(notice),
        "cookie_rows": page_model.cookie_rows,
        "md": lambda value: render_text(value, lang),
    }


@bp.get("/sites/<site>/notice")
def notice_page(site: str) -> Any:
    s = sites.get_site(site)
    lang = request.args.get("lang") or s.languages[0]
    if lang not in s.languages:
        raise InvalidInput("Unknown language.", {"lang": [f"one of {', '.join(s.languages)}"]})
    raw_version = request.args.get("version")
    if raw_version is None:
        version = notices.current_version(s)
    else:
        if not raw_version.isdigit() or len(raw_version) > 9:
            raise InvalidInput("version must be a positive integer.", {"version": ["invalid"]})
        version = notices.get_version(s, int(raw_version))
    html = render_template(
        "notice.html",
        **notice_context(notices.as_format_2(version.data), lang),
        site={"slug": s.slug, "name": s.name},
        version=version.number,
        content_hash=version.content_hash,
        published_at=version.published_at,
        languages=s.languages,
        versions=notices.version_numbers(s),
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Cache-Control"] = f"public, max-age={current_app.config['LUPA_CONFIG_MAX_AGE']}"
    return resp
