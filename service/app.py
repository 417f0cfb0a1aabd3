"""Application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect
from werkzeug.middleware.proxy_fix import ProxyFix

from service import api, auditor, cache, cli, console, database, limits, logs, metrics, problems
from service.bodies import JsonDepthRequest
from service.config import check_config, load_config, normalise_database_url
from service.extensions import db, migrate, redis_holder
from service.web import customer, demo, pages, widget

MAX_BODY_BYTES = 64 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, instance_path=os.environ.get("LUPA_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.request_class = JsonDepthRequest  # JSON bodies nested too deep: 400 before parsing
    app.config.update(load_config(os.environ, app.instance_path))
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
        API_TITLE="Lupa",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        LUPA_VERIFY_KEYS=[k.strip() for k in os.environ.get("LUPA_VERIFY_KEYS", "").split(",")],
    )
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    check_config(app.config)
    if app.config["LUPA_PROXY_COUNT"]:
        n = int(app.config["LUPA_PROXY_COUNT"])
        # X-Forwarded-Host is not trusted: links come from LUPA_PUBLIC_URL, never from a host
        # a client names (x_host=0).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0)  # type: ignore[method-assign]

    logs.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    redis_holder.init_app(app)
    api.init_app(app)

    app.register_blueprint(pages.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(demo.bp)
    auditor.init_app(app)
    console.init_app(app)

    @app.get("/")
    def index() -> Any:
        return redirect("/demo")

    metrics.init_app(app)
    limits.init_app(app)
    customer.init_app(app)  # after limits: its forms share the public write budget
    cache.init_app(app)
    app.after_request(limits.security_headers)

    problems.init_app(app)
    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    """The Alembic folder: LUPA_MIGRATIONS_DIR, beside the package, or ./migrations."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.environ.get("LUPA_MIGRATIONS_DIR", ""),
        os.path.join(os.path.dirname(here), "migrations"),
        os.path.join(os.getcwd(), "migrations"),
    ]
    for path in candidates:
        if path and os.path.isdir(path):
            return path
    return candidates[1]
