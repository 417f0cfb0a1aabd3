"""Console: sign-in and sign-out, the site switcher, and the site's settings (name,
languages, origins with a test of what the widget configuration answers an origin)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for

from service.console.common import actor, bp, note, render, signed_in, site_or_404
from service.console.session import sign_in, sign_out
from service.domain import sites
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.models import ApiKey, Site
from service.page_session import csrf_valid


@bp.route("/<site>/login", methods=["GET", "POST"])
def login(site: str) -> Any:
    s = site_or_404(site)
    error, status = None, 200
    if request.method == "POST":
        if not csrf_valid(request.form.get("csrf_token")):
            error, status = "expired", 400
        elif sign_in(s, request.form.get("key", "")):
            db.session.commit()
            return redirect(url_for("console.settings", site=s.slug), code=303)
        else:
            error, status = "bad_key", 401
    return render("console/login.html", s, status, error=error)


@bp.post("/<site>/logout")
@signed_in
def logout(site: Site, key: ApiKey) -> Any:
    sign_out()
    return redirect(url_for("console.login", site=site.slug), code=303)


@bp.get("/<site>/")
@bp.get("/<site>")  # registered first: the URL url_for builds
@signed_in
def settings(site: Site, key: ApiKey, test: dict[str, Any] | None = None,
             error: str | None = None, status: int = 200) -> Any:
    return render("console/settings.html", site, status, page="settings", key=key, test=test,
                  error=error, all_langs=sites.LANGUAGES)


def _apply(site: Site, key: ApiKey, change: sites.SiteChange) -> Any:
    """Apply, commit and say so; invalid input re-renders the page with the reason (422)."""
    try:
        changed = sites.update_site(site, change, actor(key))
    except DomainError as exc:
        db.session.rollback()
        status = 422 if isinstance(exc, InvalidInput) else exc.status
        return settings.__wrapped__(site, key, error=exc.detail, status=status)  # type: ignore
    db.session.commit()
    note("saved" if changed else "no_change")
    return redirect(url_for("console.settings", site=site.slug), code=303)


def _languages_from_form() -> list[str]:
    """Each language's place (1-3, or empty: not used), in the order of the places."""
    places = []
    for lang in sites.LANGUAGES:
        value = request.form.get(f"lang_{lang}", "")
        if value.isdigit():
            places.append((int(value), sites.LANGUAGES.index(lang), lang))
    return [lang for _, _, lang in sorted(places)]


@bp.post("/<site>/settings")
@signed_in
def update_settings(site: Site, key: ApiKey) -> Any:
    return _apply(site, key, sites.SiteChange(name=request.form.get("name", ""),
                                              languages=_languages_from_form()))


@bp.post("/<site>/origins/add")
@signed_in
def add_origin(site: Site, key: ApiKey) -> Any:
    return _apply(site, key, sites.SiteChange(add_origins=[request.form.get("origin", "")]))


@bp.post("/<site>/origins/remove")
@signed_in
def remove_origin(site: Site, key: ApiKey) -> Any:
    return _apply(site, key, sites.SiteChange(remove_origins=[request.form.get("origin", "")]))


@bp.post("/<site>/origins/test")
@signed_in
def test_origin(site: Site, key: ApiKey) -> Any:
    origin = request.form.get("origin", "").strip()
    return settings.__wrapped__(site, key, test=origin_test(site, origin))  # type: ignore


def origin_test(site: Site, origin: str) -> dict[str, Any]:
    """What `GET /api/v1/sites/{site}/config` answers a page at `origin`: the public endpoint
    itself is asked (with that Origin header, inside this process), so the answer is the one
    a browser would get: its status and whether CORS grants that origin."""
    try:
        clean = sites.normalise_origin(origin)
    except InvalidInput:
        return {"outcome": "test_invalid", "origin": origin[:200], "fields": {}}
    resp = current_app.test_client().get(f"/api/v1/sites/{site.slug}/config",
                                         headers={"Origin": clean}, base_url=request.host_url)
    if resp.status_code != 200:
        return {"outcome": "test_no_notice", "origin": clean,
                "fields": {"status": resp.status_code}}
    granted = resp.headers.get("Access-Control-Allow-Origin") == clean
    version = (resp.get_json() or {}).get("notice", {}).get("version")
    return {"outcome": "test_ok" if granted else "test_refused", "origin": clean,
            "fields": {"origin": clean, "version": version}, "allowed": granted}


@bp.get("/")
def switch() -> Any:
    """The switcher's form: to a site's console (its sign-in page if not signed in to it)."""
    slug = request.args.get("site", "").strip().lower()
    if not sites.SLUG_RE.match(slug):
        abort(404)
    return redirect(url_for("console.settings", site=slug), code=303)
