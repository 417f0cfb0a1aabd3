"""Notice versions: publish and read (admin; auditors read)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import notices
from service.extensions import db
from service.models import Site
from service.schemas.common import NoticeIn, NoticeVersionOut, NoticeVersionSummary

blp = Blueprint("notices", __name__, url_prefix="/api/v1/sites/<site>",
                description="Notice versions")


@blp.route("/notices")
class NoticeList(MethodView):
    @protected_docs(blp)
    @blp.response(200, NoticeVersionSummary(many=True))
    @require_role("admin", "auditor")
    def get(self, site: Site) -> Any:
        """Every published notice version, oldest first."""
        return notices.list_versions(site)

    @protected_docs(blp)
    @blp.arguments(NoticeIn)
    @blp.response(201, NoticeVersionOut)
    @blp.alt_response(200, schema=NoticeVersionOut, description="Unchanged: same as the latest")
    @require_role("admin")
    def post(self, body: dict[str, Any], site: Site) -> Any:
        """Publish a new notice version (immutable once published); docs/notice-format.md.

        The response's `warnings` list what GDPR art. 13/14 expects but the notice lacks.
        """
        version, created = notices.publish_notice(site, body, g.actor)
        db.session.commit()
        warnings = [gap.as_dict() for gap in notices.gaps(notices.as_format_2(version.data))]
        return {**_version_fields(version), "warnings": warnings}, (201 if created else 200)


def _version_fields(version: Any) -> dict[str, Any]:
    return {name: getattr(version, name) for name in (
        "number", "content_hash", "categories_hash", "published_at", "published_by", "data")}


@blp.route("/notices/<int:number>")
class NoticeItem(MethodView):
    @protected_docs(blp)
    @blp.response(200, NoticeVersionOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such version")
    @require_role("admin", "auditor")
    def get(self, site: Site, number: int) -> Any:
        """One notice version."""
        return notices.get_version(site, number)
