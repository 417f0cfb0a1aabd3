"""The auditor's scan pages: the timeline of a site's scans (`lupa scan`), one scan's findings,
visits and screenshots, and its raw record (whose SHA-256 is in the audit entry)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, abort, render_template

from service.auditor.views import bp, signed_in
from service.domain import scan
from service.errors import NotFound
from service.models import Site

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@bp.get("/<site>/scans")
@signed_in
def scans(site: Site, key: Any) -> Any:
    return render_template("auditor/scans.html", site=site, scans=scan.list_scans(site, 100))


def _scan(site: Site, scan_id: int) -> Any:
    try:
        return scan.get_scan(site, scan_id)
    except NotFound:
        abort(404)


@bp.get("/<site>/scans/<int:scan_id>")
@signed_in
def scan_detail(site: Site, key: Any, scan_id: int) -> Any:
    row = _scan(site, scan_id)
    return render_template("auditor/scan.html", site=site, scan=row,
                           visits=(row.record or {}).get("visits") or [])


@bp.get("/<site>/scans/<int:scan_id>/record.json")
@signed_in
def scan_record(site: Site, key: Any, scan_id: int) -> Any:
    row = _scan(site, scan_id)
    if row.record is None:
        abort(410)
    # The canonical form: its SHA-256 is the audit entry's record_sha256.
    body = json.dumps(row.record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{site.slug}-scan-{row.id}.json"'})


@bp.get("/<site>/scans/<int:scan_id>/screenshots/<sha>.png")
@signed_in
def scan_screenshot(site: Site, key: Any, scan_id: int, sha: str) -> Any:
    if not SHA256.match(sha):
        abort(404)
    try:
        png = scan.screenshot(site, scan_id, sha)
    except NotFound:
        abort(404)
    return Response(png, mimetype="image/png")
