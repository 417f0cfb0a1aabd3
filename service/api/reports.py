"""Auditor reports: the promise report (each checkable promise of the notice: holds/broken)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from service.api.auth import protected_docs, require_role
from service.domain import promises
from service.models import Site
from service.schemas.reports import PromiseReportOut, ReportQuery

blp = Blueprint("reports", __name__, url_prefix="/api/v1/sites/<site>/reports",
                description="Auditor reports")


@blp.route("/promises")
class PromiseReport(MethodView):
    @protected_docs(blp)
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, PromiseReportOut)
    @require_role("auditor")
    def get(self, query: dict[str, Any], site: Site) -> Any:
        """Each promise of the notice that software can check, for a period, with evidence."""
        return promises.promise_report(site, query.get("since"), query.get("until"))
