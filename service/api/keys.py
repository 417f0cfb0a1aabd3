"""API keys of a site: list, issue and revoke (admin). Secrets are shown once, at issue."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain.sites import keys
from service.extensions import db
from service.models import ApiKey, Site
from service.schemas.common import KeyIn, KeyInfoOut, KeyOut

blp = Blueprint("keys", __name__, url_prefix="/api/v1/sites/<site>",
                description="API keys")


def key_info(key: ApiKey) -> dict[str, Any]:
    return {"key_id": key.key_id, "role": key.role, "label": key.label,
            "created_at": key.created_at, "created_by": key.created_by,
            "last_used_at": key.last_used_at, "revoked_at": key.revoked_at}


@blp.route("/keys")
class KeyList(MethodView):
    @protected_docs(blp)
    @blp.response(200, KeyInfoOut(many=True))
    @require_role("admin")
    def get(self, site: Site) -> Any:
        """The site's keys, revoked ones too, oldest first: role, label, who created each,
        last use (to the minute) and revocation; never a secret."""
        return [key_info(k) for k in keys.list_keys(site)]

    @protected_docs(blp)
    @blp.arguments(KeyIn)
    @blp.response(201, KeyOut)
    @require_role("admin")
    def post(self, body: dict[str, Any], site: Site) -> Any:
        """Issue a key for this site; the secret is in the answer and nowhere else. The
        creating key is stored with it and named in the `key.created` audit entry."""
        key, plaintext = keys.create_key(site, body["role"], g.actor, body.get("label"))
        db.session.commit()
        return key_info(key) | {"key": plaintext}


@blp.route("/keys/<key_id>")
class KeyItem(MethodView):
    @protected_docs(blp)
    @blp.response(200, KeyInfoOut)
    @blp.alt_response(404, schema="ProblemSchema", description="No such key on this site")
    @require_role("admin")
    def delete(self, site: Site, key_id: str) -> Any:
        """Revoke a key of this site (audited; revoking it again changes nothing)."""
        key = keys.revoke_key(site, key_id, g.actor)
        db.session.commit()
        return key_info(key)
