"""Notice versions: validate, publish immutably, look up."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from service.domain import audit
from service.domain.audit.canonical import canonical_json, sha256_hex
from service.domain.notices.convert import as_format_2
from service.domain.notices.loading import load_notice
from service.errors import NotFound
from service.extensions import db
from service.models import NoticeVersion, Site


def categories_fingerprint(data: dict[str, Any]) -> str:
    """Hash of what consent is asked for: category keys and their cookies and vendors.

    Wording changes keep it; a new category or cookie changes it and makes the widget ask again.
    """
    shape = [
        {
            "key": c["key"],
            "type": c["type"],
            "required": c["required"],
            "cookies": sorted([ck["name"], ck.get("vendor", "")] for ck in c["cookies"]),
            "vendors": sorted([v["id"], sorted(ck["name"] for ck in v["cookies"])]
                              for v in c["vendors"]),
        }
        for c in data["cookie_categories"]
    ]
    return sha256_hex(canonical_json(shape))


def validate_notice(raw: Any, languages: list[str] | None = None) -> dict[str, Any]:
    """Canonical format-2 data; InvalidInput naming every invalid field (1-based positions)."""
    return load_notice(raw, languages)


def publish_notice(site: Site, raw: Any, actor: str) -> tuple[NoticeVersion, bool]:
    """Publish a new version unless the latest has the same content; returns (version, created).

    The texts must be in the site's languages (and need be in no others).
    """
    data = validate_notice(raw, list(site.languages))
    content_hash = sha256_hex(canonical_json(data))
    latest = latest_version(site)
    if latest is not None and latest.content_hash == content_hash:
        return latest, False
    number = (latest.number if latest else 0) + 1
    version = NoticeVersion(
        site_id=site.id,
        number=number,
        content_hash=content_hash,
        categories_hash=categories_fingerprint(data),
        data=data,
        published_by=actor,
    )
    db.session.add(version)
    db.session.flush()
    audit.append(
        site,
        actor,
        "notice.published",
        {
            "version": number,
            "content_hash": content_hash,
            "categories_hash": version.categories_hash,
            "categories": [c["key"] for c in data["cookie_categories"]],
        },
    )
    return version, True


def latest_version(site: Site) -> NoticeVersion | None:
    return db.session.execute(
        select(NoticeVersion)
        .where(NoticeVersion.site_id == site.id)
        .order_by(NoticeVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def current_version(site: Site) -> NoticeVersion:
    version = latest_version(site)
    if version is None:
        raise NotFound("This site has no published notice yet.")
    return version


def version_categories(site_id: int, number: int) -> list[str]:
    """The cookie category keys of a published version, in the notice's order."""
    return list(version_category_types(site_id, number))


def version_category_types(site_id: int, number: int) -> dict[str, str]:
    """Each cookie category key of a published version with its type (necessary, preferences,
    analytics, marketing), cached per app: a published version never changes, so the hot
    consent-write path need not load the whole notice each time."""
    cache: dict[tuple[int, int], dict[str, str]] = current_app.extensions.setdefault(
        "lupa_version_category_types", {})
    types = cache.get((site_id, number))
    if types is None:
        data = db.session.execute(
            select(NoticeVersion.data).where(NoticeVersion.site_id == site_id,
                                             NoticeVersion.number == number)
        ).scalar_one_or_none()
        if data is None:
            raise NotFound(f"Notice version {number} does not exist.")
        types = {c["key"]: c["type"] for c in as_format_2(data)["cookie_categories"]}
        if len(cache) >= 4096:
            cache.clear()
        cache[(site_id, number)] = types
    return types


def get_version(site: Site, number: int) -> NoticeVersion:
    version = db.session.execute(
        select(NoticeVersion).where(
            NoticeVersion.site_id == site.id, NoticeVersion.number == number
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f"Notice version {number} does not exist.")
    return version


def list_versions(site: Site) -> list[NoticeVersion]:
    return list(
        db.session.execute(
            select(NoticeVersion)
            .where(NoticeVersion.site_id == site.id)
            .order_by(NoticeVersion.number)
        ).scalars()
    )


def version_numbers(site: Site) -> list[int]:
    return list(
        db.session.execute(
            select(NoticeVersion.number)
            .where(NoticeVersion.site_id == site.id)
            .order_by(NoticeVersion.number)
        ).scalars()
    )


def count_versions(site: Site) -> int:
    return int(
        db.session.execute(
            select(func.count()).select_from(NoticeVersion).where(NoticeVersion.site_id == site.id)
        ).scalar_one()
    )
