"""Sites: the sites a key may read, one site's settings (admin, auditor) and their change
(admin)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import authenticated_key, protected_docs, require_role
from service.domain import sites
from service.extensions import db
from service.models import Site
from service.schemas.common import SiteOut
from service.schemas.sites import SiteUpdateIn

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="Sites")


@blp.route("")
class SiteList(MethodView):
    @protected_docs(blp)
    @blp.response(200, SiteOut(many=True))
    def get(self) -> Any:
        """The sites this key may read (admin or auditor). A key belongs to one site, so this
        is that site; every site of the installation is listed by `lupa site list`."""
        key = authenticated_key("admin", "auditor")
        return [db.session.get(Site, key.site_id)]


@blp.route("/<site>")
class SiteView(MethodView):
    @protected_docs(blp)
    @blp.response(200, SiteOut)
    @require_role("admin", "auditor")
    def get(self, site: Site) -> Any:
        """The site's settings."""
        return site

    @protected_docs(blp)
    @blp.arguments(SiteUpdateIn)
    @blp.response(200, SiteOut)
    @require_role("admin")
    def patch(self, body: dict[str, Any], site: Site) -> Any:
        """Change the name, origins or languages (only what is given). Audited as
        `site.updated` with the key; a new origin holds at once for CORS and the widget
        config (their caches are dropped at the commit)."""
        sites.update_site(site, sites.SiteChange(**body), g.actor)
        db.session.commit()
        return site
