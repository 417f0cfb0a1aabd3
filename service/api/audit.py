"""Auditor endpoints: read and export the log, verify the chain, fetch checkpoints."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from service import formats
from service.api.auth import protected_docs, require_role
from service.domain import audit
from service.errors import Conflict
from service.extensions import db
from service.formats.entries import KIND as ENTRIES
from service.formats.entries import one_by_one
from service.models import Site
from service.schemas.audit import AuditQuery, CheckpointListOut, CheckpointOut, VerifyOut

blp = Blueprint("audit", __name__, url_prefix="/api/v1/sites/<site>/audit", description="Auditor")

@blp.route("")
class AuditLog(MethodView):
    @protected_docs(blp)
    @blp.arguments(AuditQuery, location="query")
    @blp.doc(responses={"200": {"description": "Entries in chain order",
                                "content": {"application/x-ndjson": {}, "text/csv": {}}}})
    @require_role("auditor")
    def get(self, query: dict[str, Any], site: Site) -> Response:
        """Entries, oldest first, as JSON Lines (default) or CSV; streamed."""
        entries = audit.iter_entries(
            site, since=query.get("since"), action=query.get("action"),
            subject=query.get("subject"), after_seq=query["after_seq"], limit=query.get("limit"),
        )
        writer = formats.writer(ENTRIES, query["format"])
        return Response(stream_with_context(writer.stream(one_by_one(entries))),
                        mimetype=writer.media_type)


@blp.route("/verify")
class AuditVerify(MethodView):
    @protected_docs(blp)
    @blp.response(200, VerifyOut)
    @require_role("auditor")
    def get(self, site: Site) -> Any:
        """Recompute the chain and check it against the head and every signed checkpoint."""
        return audit.verify_site(site).as_dict()


@blp.route("/checkpoints")
class Checkpoints(MethodView):
    @protected_docs(blp)
    @blp.response(200, CheckpointListOut)
    @require_role("auditor")
    def get(self, site: Site) -> Any:
        """Signed checkpoints and the public keys that verify them; keep copies outside."""
        return {"public_keys": audit.public_keys_b64(),  # current and retired keys
                "checkpoints": audit.list_checkpoints(site)}

    @protected_docs(blp)
    @blp.response(201, CheckpointOut)
    @blp.alt_response(409, schema="ProblemSchema", description="The chain is empty")
    @require_role("auditor", "admin")
    def post(self, site: Site) -> Any:
        """Sign the current head now."""
        cp = audit.checkpoint_now(site)
        if cp is None:
            raise Conflict("The chain is empty.")
        db.session.commit()
        return audit.checkpoint_dict(site, cp)
