"""Validate a notice (either format) into the canonical format-2 data that is stored and hashed.

Errors come back flat, one path per problem with 1-based list positions
(`retention[2].months`), as docs/notice-format.md promises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import ValidationError

from service.domain.notices import rules, vendors
from service.domain.notices.convert import format_1_to_2, is_format_1
from service.errors import InvalidInput
from service.schemas.notice import LANGUAGES, NoticeSchema, required_languages
from service.schemas.notice_v1 import load_notice as load_format_1


def flatten(messages: Any, path: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"a.b[2].c": [...]}, list positions counted from 1."""
    if isinstance(messages, list | tuple):
        return {path or "notice": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in (messages or {}).items():
        if isinstance(key, int):
            sub = f"{path}[{key + 1}]"
        elif key == "_schema":
            sub = path
        else:
            sub = f"{path}.{key}" if path else str(key)
        for p, msgs in flatten(value, sub).items():
            flat.setdefault(p, []).extend(msgs)
    return flat


def languages_in(raw: Any) -> tuple[str, ...]:
    """Every language code the notice's author wrote texts in (for a check without a site).
    Vendors are left out: a published notice carries the texts of Lupa's vendor table, in
    every language Lupa speaks, whatever languages the site has."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node and set(node) <= set(LANGUAGES):
                found.update(node)
            for key, value in node.items():
                if key != "vendors":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(raw)
    return tuple(lang for lang in LANGUAGES if lang in found) or ("fi",)


def load_notice(raw: Any, languages: Iterable[str] | None = None) -> dict[str, Any]:
    """Validate and canonicalise; raise InvalidInput with every error if anything is invalid.

    `languages`: the site's; every localized text must have each of them. None: every language
    the notice itself uses.
    """
    if not isinstance(raw, dict):
        raise InvalidInput("The notice did not validate.", {"notice": ["Use an object."]})
    if is_format_1(raw):
        try:
            raw = format_1_to_2(load_format_1(raw))
        except ValidationError as exc:
            raise InvalidInput("The notice (format 1) did not validate.",
                               flatten(exc.messages)) from exc
    langs = tuple(languages) if languages is not None else languages_in(raw)
    token = required_languages.set(langs)
    try:
        data: dict[str, Any] = NoticeSchema().load(raw)
    except ValidationError as exc:
        raise InvalidInput("The notice did not validate.", flatten(exc.messages)) from exc
    finally:
        required_languages.reset(token)
    found = rules.problems(data, vendors.vendor_ids())
    if found:
        errors: dict[str, list[str]] = {}
        for path, message in found:
            errors.setdefault(path, []).append(message)
        raise InvalidInput("The notice did not validate.", errors)
    return canonical(data)


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, vendors resolved, Lupa's own cookies declared (idempotent)."""
    for rule in data["retention"]:
        if not rule.get("as_long_as_needed"):
            rule.setdefault("starts", "collection")
    categories = data["cookie_categories"]
    for cat in categories:
        cat["required"] = cat["type"] == "necessary"
        cat["vendors"] = [vendors.vendor(v) if isinstance(v, str) else v
                          for v in cat["vendors"]]
    necessary = next((c for c in categories if c["type"] == "necessary"), None)
    if necessary is None:
        necessary = {"key": "necessary", "type": "necessary", "required": True,
                     "title": dict(vendors.NECESSARY_TITLE), "cookies": [], "vendors": []}
        categories.insert(0, necessary)
    names = {c["name"] for c in necessary["cookies"]}
    necessary["cookies"] += [dict(c) for c in vendors.LUPA_COOKIES if c["name"] not in names]
    return data
