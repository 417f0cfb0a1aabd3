"""CORS for the public, per-site endpoints: exactly the site's origins, nobody else."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request

from service.domain import sites
from service.errors import Forbidden


def own_origin() -> str:
    return request.host_url.rstrip("/")



def add_cors_headers(resp: Response) -> Response:
    """Allow exactly the site's origins; everyone else gets no CORS headers."""
    origin = request.headers.get("Origin")
    slug = (request.view_args or {}).get("site")
    resp.headers.add("Vary", "Origin")
    if not origin or not isinstance(slug, str):
        return resp
    site = g.get("cors_site")
    if site is None:
        try:
            site = sites.get_site(slug)
        except Exception:  # unknown site: no CORS grant
            return resp
    if sites.origin_allowed(site, origin, own_origin()):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
            resp.headers["Access-Control-Max-Age"] = "600"
        resp.headers["Access-Control-Expose-Headers"] = "ETag"
    return resp



def check_write_origin(site: Any) -> None:
    """Refuse a write from an origin the site does not allow (`site`: a Site or a cached
    reference to one)."""
    origin = request.headers.get("Origin")
    if origin and not sites.origin_allowed(site, origin, own_origin()):
        raise Forbidden("This origin may not record consent for this site.")

