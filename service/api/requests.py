"""Data-subject requests (admin): access, rectification, restriction, erasure."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import rights
from service.domain.marketing import permission_cache, subjects
from service.extensions import db
from service.models import Site
from service.schemas.rights import RequestIn, RequestListOut, RequestListQuery, RequestResultOut

blp = Blueprint("requests", __name__, url_prefix="/api/v1/sites/<site>",
                description="Data-subject requests (admin)")


@blp.route("/subjects/<subject_id>/requests")
class SubjectRequests(MethodView):
    @protected_docs(blp)
    @blp.arguments(RequestIn)
    @blp.response(201, RequestResultOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject")
    @blp.alt_response(409, schema="ProblemSchema", description="Erased, or identifier taken")
    @require_role("admin")
    def post(self, body: dict[str, Any], site: Site, subject_id: str) -> Any:
        """Record and carry out a request; access returns the export in the response."""
        subject = subjects.get_subject(site, subject_id)
        kind, received = body["kind"], body.get("received_at")
        export = None
        if kind == "access":
            req, export = rights.access(site, subject, g.actor, received_at=received)
        elif kind == "rectification":
            req = rights.rectify(site, subject, body["identifiers"], g.actor, received_at=received)
        elif kind in ("restriction", "restriction_lifted"):
            req = rights.restrict(site, subject, g.actor, lift=kind == "restriction_lifted",
                                  received_at=received)
        else:
            req = rights.erase(site, subject, g.actor, received_at=received)
        db.session.commit()
        permission_cache.after_commit(site.id)
        if kind == "erasure":  # committed: now make its deletions physical, and say if they are
            rights.after_erasure(site, subject, req)
            db.session.commit()
        out: dict[str, Any] = {"request": rights.request_dict(req, subject)}
        if export is not None:
            out["export"] = export
        return out

    @protected_docs(blp)
    @blp.response(200, RequestListOut)
    @require_role("admin")
    def get(self, site: Site, subject_id: str) -> Any:
        """The subject's requests with their dates."""
        subject = subjects.get_subject(site, subject_id)
        return {"requests": [rights.request_dict(r, subject) for r in rights.requests_of(subject)]}


@blp.route("/requests")
class SiteRequests(MethodView):
    @protected_docs(blp)
    @blp.arguments(RequestListQuery, location="query")
    @blp.response(200, RequestListOut)
    @require_role("admin", "auditor")
    def get(self, query: dict[str, Any], site: Site) -> Any:
        """Every request of the site (`open=true`: not completed yet)."""
        return {"requests": rights.list_requests(site, query["open"])}
