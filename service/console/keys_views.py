"""Console: the site's API keys; list, create (the secret shown once, never stored or put in
the session), revoke with a confirmation."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from service.console.common import actor, bp, note, render, signed_in
from service.domain.sites import keys
from service.errors import DomainError
from service.extensions import db
from service.models import ROLES, ApiKey, Site


def _page(site: Site, key: ApiKey, status: int = 200, **extra: Any) -> Any:
    return render("console/keys.html", site, status, page="keys", key=key,
                  keys=keys.list_keys(site), roles=ROLES, **extra)


@bp.get("/<site>/keys")
@signed_in
def keys_page(site: Site, key: ApiKey) -> Any:
    return _page(site, key)


@bp.post("/<site>/keys")
@signed_in
def create_key(site: Site, key: ApiKey) -> Any:
    label = request.form.get("label", "").strip() or None
    if label is not None and len(label) > 120:
        return _page(site, key, 422, error="label: at most 120 characters")
    try:
        new, secret = keys.create_key(site, request.form.get("role", ""), actor(key), label)
    except DomainError as exc:
        db.session.rollback()
        return _page(site, key, exc.status, error=exc.detail)
    db.session.commit()
    # Rendered, not redirected: the secret must not travel through the session cookie.
    return _page(site, key, 201, created=new, secret=secret)


@bp.post("/<site>/keys/<key_id>/revoke")
@signed_in
def revoke_key(site: Site, key: ApiKey, key_id: str) -> Any:
    if request.form.get("confirm") != "yes":
        return _page(site, key, 422, error_label="revoke_needs_confirm")
    try:
        keys.revoke_key(site, key_id, actor(key))
    except DomainError as exc:
        db.session.rollback()
        return _page(site, key, exc.status, error=exc.detail)
    db.session.commit()
    note("key_revoked", key_id=key_id)
    if key_id == key.key_id:  # revoked its own key: this site's session ends with it
        return redirect(url_for("console.login", site=site.slug), code=303)
    return redirect(url_for("console.keys_page", site=site.slug), code=303)
