"""Role checks for API views: a key of one site and role reaches nothing else.

The key is checked before the body is read: `require_role` marks its view, and
`authenticate_first` (a before_request hook, registered by service/api/__init__.py) runs the
same check for a marked view before flask-smorest parses any argument. So a request without
a valid key gets its 401/403, never a 400/422 about a body it had no right to send."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from service.domain.sites import keys
from service.errors import Forbidden
from service.extensions import db
from service.models import ApiKey, Site

F = TypeVar("F", bound=Callable[..., Any])
ROLES_ATTRIBUTE = "_lupa_roles"  # copied to the outer decorators by functools.wraps
_DONE = "lupa.authenticated"


def _authenticate(site: str, roles: tuple[str, ...]) -> Site:
    """The key's Site when the bearer key is a live key of `site` with one of `roles`; once
    per request (the hook and the view share it, kept in the request's own environ: `g` can
    outlive a request whose streamed body is still open)."""
    done = request.environ.get(_DONE)
    if done is not None and done[0] == (site, roles):
        g.actor, g.api_key = done[2]
        return done[1]
    key = keys.authenticate(request.headers.get("Authorization"))
    _remember(key)  # first: its commit would expire what is loaded before it
    key_site = db.session.get(Site, key.site_id)
    if key_site is None or key_site.slug != site:
        # Same answer whether or not the other site exists: nothing leaks.
        raise Forbidden("This key belongs to another site.")
    keys.authorise(key, key_site, roles)
    request.environ[_DONE] = ((site, roles), key_site, (g.actor, key))
    return key_site


def require_role(*roles: str) -> Callable[[F], F]:
    """Authenticate the bearer key and swap the `site` slug argument for the key's Site."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, site: str, **kwargs: Any) -> Any:
            return view(*args, site=_authenticate(site, roles), **kwargs)

        setattr(wrapper, ROLES_ATTRIBUTE, roles)
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


def roles_of_endpoint() -> tuple[str, ...] | None:
    """The roles the view of this request requires, or None when it is public."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a MethodView: the method's function carries the mark
        name = request.method.lower()
        view = getattr(view_class, name, None) or (
            getattr(view_class, "get", None) if name == "head" else None)
    return getattr(view, ROLES_ATTRIBUTE, None)


def authenticate_first() -> None:
    """before_request: a protected view's key is checked before anything reads the body."""
    roles = roles_of_endpoint()
    site = (request.view_args or {}).get("site")
    if roles is not None and isinstance(site, str):
        _authenticate(site, roles)


def protected_docs(blp: Any) -> Callable[[F], F]:
    """OpenAPI: bearer security and the 401/403 problem responses."""

    def decorate(view: F) -> F:
        view = blp.doc(security=[{"bearer": []}])(view)
        view = blp.alt_response(401, schema="ProblemSchema", description="No or bad key")(view)
        view = blp.alt_response(403, schema="ProblemSchema", description="Wrong site or role")(view)
        return view

    return decorate
