"""Console: an opt-out list (CSV, e.g. an e-mail service's unsubscribes) uploaded and
imported with the same rules as POST /api/v1/sites/{site}/optouts: all rows or none, each
change audited as the signed-in key; the result summarised."""

from __future__ import annotations

from typing import Any

from flask import request

from service.console.common import actor, bp, render, signed_in
from service.domain.marketing import optouts, permission_cache, permissions
from service.domain.marketing.states import OPT_OUTS
from service.errors import DomainError, InvalidInput
from service.extensions import db
from service.models import ApiKey, Site

ID_TYPES = ("auto", "email", "phone", "customer_number")
SOURCE = "console-import"


def _page(site: Site, status: int = 200, **extra: Any) -> Any:
    try:
        purposes, channels, _ = permissions.notice_marketing(site)
    except DomainError:
        purposes, channels = [], []
    return render("console/optouts.html", site, status, page="optouts", purposes=purposes,
                  channels=channels, states=[s.value for s in OPT_OUTS], id_types=ID_TYPES,
                  **extra)


@bp.before_request
def _upload_limit() -> None:
    """The upload may be as large as the API's import (the app's default is for JSON bodies);
    set before the form is parsed (the CSRF check reads it)."""
    if request.endpoint == "console.import_optouts":
        request.max_content_length = optouts.IMPORT_MAX_BYTES


@bp.get("/<site>/optouts")
@signed_in
def optouts_page(site: Site, key: ApiKey) -> Any:
    return _page(site)


def _uploaded_text() -> str:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Choose a CSV file to import.", {"file": ["missing"]})
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text (save the CSV as UTF-8).",
                           {"file": ["not UTF-8"]}) from exc


@bp.post("/<site>/optouts")
@signed_in
def import_optouts(site: Site, key: ApiKey) -> Any:
    form = request.form
    try:
        result = optouts.import_csv(
            site, _uploaded_text(), form.get("purpose", permissions.ANY),
            form.get("channel", "email"), form.get("state", ""),
            form.get("id_type", "auto") if form.get("id_type") in ID_TYPES else "auto",
            SOURCE, actor(key))
    except DomainError as exc:
        db.session.rollback()
        return _page(site, exc.status, error=exc.detail, rows=(exc.errors or {}).get("rows"))
    db.session.commit()
    permission_cache.after_commit(site.id)
    return _page(site, result=result.as_dict())
