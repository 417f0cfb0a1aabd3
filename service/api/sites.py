"""The site's settings (admin, auditor)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.models import Site
from service.schemas.common import SiteOut

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites/<site>",
                description="Sites")


@blp.route("")
class SiteView(MethodView):
    @protected_docs(blp)
    @blp.response(200, SiteOut)
    @require_role("admin", "auditor")
    def get(self, site: Site) -> Any:
        """The site's settings."""
        return site
