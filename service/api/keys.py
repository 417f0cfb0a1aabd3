"""API keys of a site: issue and revoke (admin)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain.sites import keys
from service.extensions import db
from service.models import Site
from service.schemas.common import KeyIn, KeyOut

blp = Blueprint("keys", __name__, url_prefix="/api/v1/sites/<site>",
                description="API keys")


@blp.route("/keys")
class KeyList(MethodView):
    @protected_docs(blp)
    @blp.arguments(KeyIn)
    @blp.response(201, KeyOut)
    @require_role("admin")
    def post(self, body: dict[str, Any], site: Site) -> Any:
        """Issue a key for this site; the secret is in the answer and nowhere else."""
        key, plaintext = keys.create_key(site, body["role"], g.actor, body.get("label"))
        db.session.commit()
        return {"key_id": key.key_id, "role": key.role, "label": key.label,
                "created_at": key.created_at, "key": plaintext}


@blp.route("/keys/<key_id>")
class KeyItem(MethodView):
    @protected_docs(blp)
    @blp.response(200, KeyOut)
    @require_role("admin")
    def delete(self, site: Site, key_id: str) -> Any:
        """Revoke a key of this site."""
        key = keys.revoke_key(site, key_id, g.actor)
        db.session.commit()
        return {"key_id": key.key_id, "role": key.role, "label": key.label,
                "created_at": key.created_at}
