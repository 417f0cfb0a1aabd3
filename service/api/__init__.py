"""HTTP API under /api/v1: thin blueprints that parse, call the domain and dump."""

from __future__ import annotations

from flask import Flask

from service import problems
from service.api import (
    audit,
    auth,
    checks,
    config,
    consents,
    keys,
    notices,
    optouts,
    permissions,
    reports,
    requests,
    signups,
    sites,
    subjects,
    suppressions,
    unsubscribe_links,
)
from service.extensions import api


def init_app(app: Flask) -> None:
    api.init_app(app)
    # A protected view's key is checked before flask-smorest reads its body (api/auth.py).
    app.before_request(auth.authenticate_first)
    problems.document_problems(api.spec)  # errors documented as the problem+json we send
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A Lupa API key."}
    )
    # One blueprint per resource; the public ones first, as the OpenAPI document lists them.
    for module in (config, consents, signups, sites, notices, keys, subjects, permissions,
                   requests, checks, suppressions, optouts, unsubscribe_links, audit, reports):
        api.register_blueprint(module.blp)
