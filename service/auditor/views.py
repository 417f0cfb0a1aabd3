"""Auditor pages: thin views over the audit, promise and chart domain functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from marshmallow import ValidationError

from service import charts, formats
from service.auditor.session import (
    NotSignedIn,
    csrf_token,
    csrf_valid,
    current_key,
    sign_in,
    sign_out,
)
from service.domain import audit, promises, sites
from service.domain.audit import export
from service.domain.sites import keys
from service.domain.statistics import monthly
from service.errors import NotFound
from service.extensions import db
from service.formats.entries import KIND as ENTRIES
from service.formats.entries import one_by_one
from service.models import Site
from service.models.types import utcnow
from service.page_session import strict_headers
from service.schemas.audit import AuditQuery
from service.schemas.reports import ReportQuery

bp = Blueprint("auditor", __name__, url_prefix="/auditor", template_folder="templates",
               static_folder="static", static_url_path="/static")

PAGE_SIZE = 50
F = TypeVar("F", bound=Callable[..., Any])


bp.after_request(strict_headers)


@bp.app_context_processor
def _context() -> dict[str, Any]:
    return {"csrf_token": csrf_token}


def _site(slug: str) -> Site:
    try:
        return sites.get_site(slug)
    except NotFound:
        abort(404)


def signed_in(view: F) -> F:
    """The site's auditor session, or a redirect to its sign-in page; POSTs need CSRF."""

    @wraps(view)
    def wrapper(site: str, **kwargs: Any) -> Any:
        s = _site(site)
        try:
            key = current_key(s)
        except NotSignedIn:
            if request.method != "GET":
                abort(403)
            return redirect(url_for("auditor.login", site=s.slug))
        if keys.note_use(key):  # at most once a minute, before the view's own work
            db.session.commit()
            db.session.refresh(s)  # a streamed download reads it after the session ends
        if request.method == "POST" and not csrf_valid(request.form.get("csrf_token")):
            abort(403)
        return view(s, key, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.route("/<site>/login", methods=["GET", "POST"])
def login(site: str) -> Any:
    s = _site(site)
    error = None
    status = 200
    if request.method == "POST":
        if not csrf_valid(request.form.get("csrf_token")):
            error, status = "The form expired; please try again.", 400
        elif sign_in(s, request.form.get("key", "")):
            db.session.commit()
            return redirect(url_for("auditor.overview", site=s.slug), code=303)
        else:
            error, status = "That is not an auditor key of this site.", 401
    return render_template("auditor/login.html", site=s, error=error), status


@bp.post("/<site>/logout")
@signed_in
def logout(site: Site, key: Any) -> Any:
    sign_out()
    db.session.commit()
    return redirect(url_for("auditor.login", site=site.slug), code=303)


@bp.get("/<site>/")
@bp.get("/<site>")  # registered first: the URL url_for builds
@signed_in
def overview(site: Site, key: Any) -> Any:
    now = utcnow()
    verification = audit.verify_site(site)
    report = promises.promise_report(site)
    consent = monthly.consent_series(site, now)
    marketing = monthly.marketing_series(site, now)
    return render_template(
        "auditor/overview.html", site=site, key=key, verification=verification, report=report,
        consent=consent, acceptance_svg=charts.acceptance_chart(consent),
        marketing=marketing, marketing_labels=charts.MARKETING_SERIES,
        marketing_svg=charts.bar_chart("Opt-ins, withdrawals and prohibitions per month",
                                       list(marketing), marketing, charts.MARKETING_SERIES),
        checkpoints=audit.list_checkpoints(site)[-5:],
    )


def _filters() -> tuple[dict[str, Any], dict[str, Any]]:
    """Log filters from the query string (empty fields ignored) and the errors, if any."""
    raw = {k: v for k, v in request.args.items()
           if v.strip() and k in ("since", "action", "subject", "after_seq")}
    try:
        return AuditQuery().load(raw), {}
    except ValidationError as exc:
        return {"after_seq": 0}, dict(exc.messages)  # type: ignore[arg-type]


@bp.get("/<site>/log")
@signed_in
def log(site: Site, key: Any) -> Any:
    query, errors = _filters()
    rows = [] if errors else list(audit.iter_entries(
        site, since=query.get("since"), action=query.get("action"),
        subject=query.get("subject"), after_seq=query.get("after_seq", 0), limit=PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    args: dict[str, Any] = {k: v for k, v in request.args.items()
                            if k != "after_seq" and v.strip()}
    return render_template(
        "auditor/log.html", site=site, rows=rows, errors=errors, args=args,
        next_url=(url_for("auditor.log", site=site.slug, **args, after_seq=rows[-1]["seq"])
                  if more else None),
    ), (422 if errors else 200)


@bp.get("/<site>/export.<fmt>")
@signed_in
def export_log(site: Site, key: Any, fmt: str) -> Any:
    if fmt == "bundle":
        lines = (export.write_line(obj) for obj in export.export_lines(site))
        return Response(stream_with_context(lines), mimetype="application/x-ndjson",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{site.slug}-audit-bundle.jsonl"'})
    if fmt not in formats.formats_of(ENTRIES):
        abort(404)
    query, errors = _filters()
    if errors:
        abort(422)
    entries = audit.iter_entries(site, since=query.get("since"), action=query.get("action"),
                                 subject=query.get("subject"))
    writer = formats.writer(ENTRIES, fmt)
    body = writer.stream(one_by_one(entries))
    return Response(stream_with_context(body), mimetype=writer.media_type, headers={
        "Content-Disposition": f'attachment; filename="{site.slug}-audit.{fmt}"'})


@bp.get("/<site>/checkpoints.json")
@signed_in
def download_checkpoints(site: Site, key: Any) -> Any:
    """The signed checkpoints with the public keys that verify them, as a file to keep outside
    (the body of GET /api/v1/sites/{site}/audit/checkpoints; `lupa audit verify --checkpoint`
    reads it)."""
    body = json.dumps({"public_keys": audit.public_keys_b64(),
                       "checkpoints": audit.list_checkpoints(site)}, indent=1)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="{site.slug}-checkpoints-{stamp}.json"'})


@bp.post("/<site>/checkpoint")
@signed_in
def checkpoint(site: Site, key: Any) -> Any:
    audit.checkpoint_now(site)
    db.session.commit()
    return redirect(url_for("auditor.overview", site=site.slug) + "#checkpoints", code=303)


@bp.get("/<site>/report")
@signed_in
def report(site: Site, key: Any) -> Any:
    raw = {k: v for k, v in request.args.items() if k in ("since", "until") and v.strip()}
    try:
        query = ReportQuery().load(raw)
    except ValidationError as exc:
        return render_template("auditor/report_page.html", site=site, report=None,
                               errors=exc.messages, args=raw), 422
    data = promises.promise_report(site, query.get("since"), query.get("until"))
    return render_template("auditor/report_page.html", site=site, report=data, errors={},
                           args=raw)


def standalone_report_html(report: dict[str, Any]) -> str:
    """The printable report as one self-contained HTML file (CSS inlined), for the CLI."""
    css = (Path(__file__).parent / "static" / "auditor.css").read_text("utf-8")
    return render_template("auditor/report_page.html", site=None, report=report, errors={},
                           args={}, standalone=True, inline_css=css)
