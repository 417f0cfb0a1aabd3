"""Role checks for API views: a key of one site and role reaches nothing else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from service.domain.sites import keys
from service.errors import Forbidden
from service.extensions import db
from service.models import ApiKey, Site

F = TypeVar("F", bound=Callable[..., Any])


def require_role(*roles: str) -> Callable[[F], F]:
    """Authenticate the bearer key and swap the `site` slug argument for the key's Site."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, site: str, **kwargs: Any) -> Any:
            key = keys.authenticate(request.headers.get("Authorization"))
            _remember(key)  # first: its commit would expire what is loaded before it
            key_site = db.session.get(Site, key.site_id)
            if key_site is None or key_site.slug != site:
                # Same answer whether or not the other site exists: nothing leaks.
                raise Forbidden("This key belongs to another site.")
            keys.authorise(key, key_site, roles)
            return view(*args, site=key_site, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def authenticated_key(*roles: str) -> ApiKey:
    """The bearer key of a view with no site in its path, if its role is one of `roles`."""
    key = keys.authenticate(request.headers.get("Authorization"))
    if key.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(roles)}; the key has {key.role}.")
    _remember(key)
    return key


def _remember(key: ApiKey) -> None:
    """The key is the request's actor; its last use is committed at most once a minute, before
    anything else is loaded or changed (nothing of the view is in that commit, and nothing the
    view uses is expired by it)."""
    g.actor = f"key:{key.key_id}"
    g.api_key = key
    if keys.note_use(key):
        db.session.commit()


def protected_docs(blp: Any) -> Callable[[F], F]:
    """OpenAPI: bearer security and the 401/403 problem responses."""

    def decorate(view: F) -> F:
        view = blp.doc(security=[{"bearer": []}])(view)
        view = blp.alt_response(401, schema="ProblemSchema", description="No or bad key")(view)
        view = blp.alt_response(403, schema="ProblemSchema", description="Wrong site or role")(view)
        return view

    return decorate
