"""A subject's marketing permissions and prohibitions (admin)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import marketing
from service.domain.marketing import permission_cache, subjects
from service.errors import NotFound
from service.extensions import db
from service.models import Site
from service.schemas.marketing import (
    PermissionChangeOut,
    PermissionIn,
    ProhibitionChangeOut,
    ProhibitionIn,
)

blp = Blueprint("permissions", __name__, url_prefix="/api/v1/sites/<site>",
                description="Direct marketing: permissions (admin)")


@blp.route("/subjects/<subject_id>/permissions/<purpose>/<channel>")
class Permission(MethodView):
    @protected_docs(blp)
    @blp.arguments(PermissionIn)
    @blp.response(200, PermissionChangeOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject")
    @blp.alt_response(422, schema="ProblemSchema", description="Not in the notice / bad evidence")
    @require_role("admin")
    def put(self, body: dict[str, Any], site: Site, subject_id: str, purpose: str,
            channel: str) -> Any:
        """Grant, withdraw, prohibit or lift (`*` = every purpose or channel, not for grants)."""
        subject = subjects.get_subject(site, subject_id)
        evidence = _evidence(body["evidence"])
        changed = marketing.set_permission(site, subject, purpose, channel, body["state"],
                                           g.actor, evidence)
        db.session.commit()
        permission_cache.after_commit(site.id)
        return {"changed": changed,
                "permissions": marketing.permission_views(site, subject),
                "prohibitions": marketing.prohibitions_of(subject)}


def _evidence(ev: dict[str, Any]) -> marketing.Evidence:
    return marketing.Evidence(source=ev["source"], notice_version=ev.get("notice_version"),
                              ip=ev.get("ip"), confirmed_at=ev.get("confirmed_at"))


@blp.route("/subjects/<subject_id>/prohibitions/<kind>")
class Prohibition(MethodView):
    @protected_docs(blp)
    @blp.arguments(ProhibitionIn)
    @blp.response(200, ProhibitionChangeOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such subject or kind")
    @blp.alt_response(422, schema="ProblemSchema", description="Bad evidence")
    @require_role("admin")
    def put(self, body: dict[str, Any], site: Site, subject_id: str, kind: str) -> Any:
        """Set or lift one kind of prohibition (direct_marketing, distance_selling,
        market_research, address_disclosure, list_publication), as the customer asked."""
        subject = subjects.get_subject(site, subject_id)
        try:
            which = marketing.ProhibitionKind(kind)
        except ValueError as exc:
            raise NotFound(f"No prohibition kind {kind!r}; one of "
                           f"{', '.join(k.value for k in marketing.ProhibitionKind)}.") from exc
        changed = marketing.set_prohibition(site, subject, which, body["state"], g.actor,
                                            _evidence(body["evidence"]))
        db.session.commit()
        permission_cache.after_commit(site.id)
        return {"changed": changed,
                "prohibition_kinds": [k.value for k in marketing.kinds_in_force(subject)],
                "prohibitions": marketing.prohibitions_of(subject)}
