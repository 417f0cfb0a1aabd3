"""HTTP API under /api/v1: thin blueprints that parse, call the domain and dump."""

from __future__ import annotations

from flask import Flask

from service import problems
from service.extensions import api


def init_app(app: Flask) -> None:
    from service.api import (
        admin,
        audit,
        marketing,
        marketing_checks,
        marketing_public,
        marketing_sender,
        public,
        reports,
        rights,
    )

    api.init_app(app)
    problems.document_problems(api.spec)  # errors documented as the problem+json we send
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A Lupa API key."}
    )
    for blp in (public.blp, admin.blp, audit.blp, marketing.blp, marketing_checks.blp,
                reports.blp, marketing_sender.blp, marketing_public.blp, rights.blp):
        api.register_blueprint(blp)
