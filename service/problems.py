"""The one place where exceptions become RFC 9457 problem+json responses, and where the
OpenAPI document is told so."""

from __future__ import annotations

import logging
from typing import Any

from apispec import BasePlugin
from flask import Flask, Response, json
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from service.errors import DomainError
from service.schemas.common import ProblemSchema

log = logging.getLogger("lupa.errors")

PROBLEM_TYPE_BASE = "https://lupa.invalid/problems/"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    slug: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or str(status)),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    resp = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    if status == 401:
        resp.headers.setdefault("WWW-Authenticate", 'Bearer realm="lupa"')
    return resp


def _http_exception(exc: HTTPException) -> Response:
    if isinstance(exc.response, Response):
        return exc.response  # built here already, e.g. the 429 with Retry-After (limits.py)
    status = exc.code or 500
    errors = None
    data = getattr(exc, "data", None)  # webargs/flask-smorest attach validation messages here
    if isinstance(data, dict) and "messages" in data:
        errors = data["messages"]
        if status == 422:
            return problem(422, "Invalid input", "The request did not validate.", "invalid-input",
                           errors)
    headers = {}
    for key, value in exc.get_headers():
        if key.lower() in {"allow", "retry-after", "www-authenticate"}:
            headers[key] = value
    slug = (exc.name or "error").lower().replace(" ", "-")
    return problem(status, exc.name or "Error", exc.description, slug, errors, headers)


def _domain_error(exc: DomainError) -> Response:
    return problem(exc.status, exc.title, exc.detail, exc.slug, exc.errors)


def _database_unavailable(exc: Exception) -> Response:
    # A lost connection, a restart or an exhausted pool: temporary, so 503 with Retry-After.
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem(503, "Service unavailable", "The database is not reachable; retry shortly.",
                   "unavailable", headers={"Retry-After": "2"})


def _value_out_of_range(exc: Exception) -> Response:
    # Defence in depth: a value the schema let through but the database cannot store.
    log.warning("value rejected by the database: %s", type(exc).__name__)
    return problem(422, "Invalid input", "A value is out of range.", "invalid-input")


def _unhandled(exc: Exception) -> Response:
    log.exception("unhandled error")
    return _http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the handlers; called after flask-smorest so that these win."""
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(DomainError, _domain_error)
    for exc_class in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                      sa_exc.DisconnectionError):
        app.register_error_handler(exc_class, _database_unavailable)
    app.register_error_handler(sa_exc.DataError, _value_out_of_range)
    app.register_error_handler(OverflowError, _value_out_of_range)
    app.register_error_handler(Exception, _unhandled)


# --- OpenAPI: document the errors as they are sent ------------------------------------------
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_content(response: Any) -> None:
    """Errors are problem+json with the Problem schema, whatever the view declared."""
    if isinstance(response, dict) and "content" in response:
        response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}}


def _rewrite_operations(operations: dict[str, Any]) -> None:
    for method, operation in operations.items():
        if method == "parameters" or not isinstance(operation, dict):
            continue
        responses = operation.setdefault("responses", {})
        for status, response in responses.items():
            if str(status)[0] in "45":
                _problem_content(response)
        if not operation.get("security"):
            # Public operations are rate limited per site and client (service/limits.py).
            responses.setdefault("429", {
                "description": "Too many requests from this client for this site",
                "headers": {"Retry-After": {"description": "Seconds to wait",
                                            "schema": {"type": "integer"}}},
                "content": {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}},
            })


class ProblemDocsPlugin(BasePlugin):  # type: ignore[misc]
    """apispec plugin: every documented error response is problem+json (RFC 9457)."""

    def operation_helper(self, path: str | None = None, operations: Any = None,
                         **_kwargs: Any) -> None:
        if operations:
            _rewrite_operations(operations)


def document_problems(spec: Any) -> None:
    """Make the OpenAPI document describe the error shape and content type actually sent.

    flask-smorest documents its own `Error` schema as application/json for its default
    responses; they become the Problem schema as application/problem+json. Call it right
    after `api.init_app`, before blueprints are registered."""
    if "Problem" not in spec.components.schemas:
        spec.components.schema("Problem", schema=ProblemSchema)
    for responses in (spec.components.responses, spec.components.responses_lazy):
        for response in responses.values():
            _problem_content(response)
    spec.components.schemas.pop("Error", None)
    plugin = ProblemDocsPlugin()
    plugin.init_spec(spec)
    spec.plugins.append(plugin)
