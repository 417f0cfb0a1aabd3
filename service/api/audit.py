"""Auditor endpoints: read and export the log, verify the chain, fetch checkpoints."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, json, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import audit
from service.extensions import db
from service.schemas.audit import AuditQuery, CheckpointListOut, CheckpointOut, VerifyOut

blp = Blueprint("audit", __name__, url_prefix="/api/v1/sites/<site>/audit", description="Auditor")

CSV_COLUMNS = ["site", "seq", "ts", "actor", "action", "subject", "payload", "prev_hash", "hash",
               "v", "payload_hash"]


def jsonl_lines(entries: Iterator[dict[str, Any]]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(entry, ensure_ascii=False) + "\n"


def csv_lines(entries: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


@blp.route("")
class AuditLog(MethodView):
    @protected_docs(blp)
    @blp.arguments(AuditQuery, location="query")
    @blp.doc(responses={"200": {"description": "Entries in chain order",
                                "content": {"application/x-ndjson": {}, "text/csv": {}}}})
    @require_role("auditor")
    def get(self, query: dict[str, Any], site: Any) -> Response:
        """Entries, oldest first, as JSON Lines (default) or CSV; streamed."""
        entries = audit.iter_entries(
            site, since=query.get("since"), action=query.get("action"),
            subject=query.get("subject"), after_seq=query["after_seq"], limit=query.get("limit"),
        )
        if query["format"] == "csv":
            return Response(stream_with_context(csv_lines(entries)), mimetype="text/csv")
        return Response(stream_with_context(jsonl_lines(entries)), mimetype="application/x-ndjson")


@blp.route("/verify")
class AuditVerify(MethodView):
    @protected_docs(blp)
    @blp.response(200, VerifyOut)
    @require_role("auditor")
    def get(self, site: Any) -> Any:
        """Recompute the chain and check it against the head and every signed checkpoint."""
        return audit.verify_site(site).as_dict()


@blp.route("/checkpoints")
class Checkpoints(MethodView):
    @protected_docs(blp)
    @blp.response(200, CheckpointListOut)
    @require_role("auditor")
    def get(self, site: Any) -> Any:
        """Signed checkpoints and the public keys that verify them; keep copies outside."""
        return {"public_keys": audit.public_keys_b64(),  # current and retired keys
                "checkpoints": audit.list_checkpoints(site)}

    @protected_docs(blp)
    @blp.response(201, CheckpointOut)
    @blp.alt_response(409, schema="ProblemSchema", description="The chain is empty")
    @require_role("auditor", "admin")
    def post(self, site: Any) -> Any:
        """Sign the current head now."""
        from service.errors import Conflict

        cp = audit.checkpoint_now(site)
        if cp is None:
            raise Conflict("The chain is empty.")
        db.session.commit()
        return audit.checkpoint_dict(site, cp)
