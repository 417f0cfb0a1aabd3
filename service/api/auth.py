"""Role checks for API views: a key of one site and role reaches nothing else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from service.domain.sites import keys
from service.errors import Forbidden
from service.extensions import db
from service.models import Site

F = TypeVar("F", bound=Callable[..., Any])


def require_role(*roles: str) -> Callable[[F], F]:
    """Authenticate the bearer key and swap the `site` slug argument for the key's Site."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, site: str, **kwargs: Any) -> Any:
            key = keys.authenticate(request.headers.get("Authorization"))
            key_site = db.session.get(Site, key.site_id)
            if key_site is None or key_site.slug != site:
                # Same answer whether or not the other site exists: nothing leaks.
                raise Forbidden("This key belongs to another site.")
            keys.authorise(key, key_site, roles)
            g.actor = f"key:{key.key_id}"
            g.api_key = key
            return view(*args, site=key_site, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def protected_docs(blp: Any) -> Callable[[F], F]:
    """OpenAPI: bearer security and the 401/403 problem responses."""

    def decorate(view: F) -> F:
        view = blp.doc(security=[{"bearer": []}])(view)
        view = blp.alt_response(401, schema="ProblemSchema", description="No or bad key")(view)
        view = blp.alt_response(403, schema="ProblemSchema", description="Wrong site or role")(view)
        return view

    return decorate
