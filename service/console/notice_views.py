"""Console: the notice editor. The current version as TOML in a text area; "Check" validates
the draft against the site's languages (errors by field, `lupa notice check`'s warnings) and
shows what changed from the published version, marking what makes the banner ask again;
"Publish" publishes it (audited as the signed-in key)."""

from __future__ import annotations

import tomllib
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from service.console.common import actor, bp, note, render, signed_in
from service.domain import notices
from service.domain.notices import diff, toml_out
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.models import ApiKey, Site
from service.page_session import strict_headers
from service.web.pages import notice_context

DRAFT_MAX = 512 * 1024


def _page(site: Site, draft: str | None = None, status: int = 200, **extra: Any) -> Any:
    latest = notices.latest_version(site)
    if draft is None:
        draft = toml_out.dumps(notices.as_format_2(latest.data)) if latest else ""
    return render("console/notice.html", site, status, page="notice", latest=latest,
                  draft=draft, **extra)


@bp.before_request
def _draft_limit() -> None:
    """A notice is larger than the app's default JSON body limit (set before the form is read)."""
    if request.endpoint in ("console.check_notice", "console.publish_notice"):
        request.max_content_length = DRAFT_MAX + 64 * 1024


@bp.get("/<site>/notice")
@signed_in
def notice_page(site: Site, key: ApiKey) -> Any:
    return _page(site)


def _parse(site: Site, draft: str) -> dict[str, Any]:
    """The draft as canonical format-2 data, or InvalidInput naming the problems."""
    if len(draft) > DRAFT_MAX:
        raise InvalidInput("The notice is too long.", {"notice": ["too long"]})
    try:
        raw = tomllib.loads(draft)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"Not valid TOML: {exc}", {"toml": [str(exc)]}) from exc
    return notices.validate_notice(raw, list(site.languages))


@bp.post("/<site>/notice/check")
@signed_in
def check_notice(site: Site, key: ApiKey) -> Any:
    draft = request.form.get("notice", "")
    try:
        data = _parse(site, draft)
    except DomainError as exc:
        return _page(site, draft, 422, error=exc.detail, field_errors=exc.errors or {})
    latest = notices.latest_version(site)
    before = notices.as_format_2(latest.data) if latest else None
    changes, asks_again = diff.diff(before, notices.as_format_2(data))
    return _page(site, draft, checked=True, changes=changes, asks_again=asks_again,
                 warnings=notices.gaps(notices.as_format_2(data)))


@bp.post("/<site>/notice/publish")
@signed_in
def publish_notice(site: Site, key: ApiKey) -> Any:
    draft = request.form.get("notice", "")
    try:
        data = _parse(site, draft)
        version, created = notices.publish_notice(site, data, actor(key))
    except DomainError as exc:
        db.session.rollback()
        return _page(site, draft, 422, error=exc.detail, field_errors=exc.errors or {})
    db.session.commit()
    note("notice_published" if created else "unchanged_notice", version=version.number)
    return redirect(url_for("console.notice_page", site=site.slug), code=303)


@bp.post("/<site>/notice/preview")
@signed_in
def preview_notice(site: Site, key: ApiKey) -> Any:
    """The draft as the public notice page will show it (the same template and context), in
    the language asked for; nothing is stored."""
    draft = request.form.get("notice", "")
    lang = request.form.get("preview_lang", "")
    lang = lang if lang in site.languages else site.languages[0]
    try:
        data = notices.as_format_2(_parse(site, draft))
    except DomainError as exc:
        return _page(site, draft, 422, error=exc.detail, field_errors=exc.errors or {})
    latest = notices.latest_version(site)
    number = (latest.number if latest else 0) + 1
    html = render_template("notice.html", **notice_context(data, lang),
                           site={"slug": site.slug, "name": site.name},
                           version=f"{number} (preview)", content_hash=None, published_at=None,
                           languages=[lang], versions=[])
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Language"] = lang
    return strict_headers(resp)
