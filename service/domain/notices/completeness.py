"""What GDPR art. 13/14 expects of a notice but a valid notice lacks: warnings, never errors.

The table in docs/notice-format.md ("Warnings") is this module in words; keep them together.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from service.domain.notices.rules import LUPA_RETENTION_STARTS

LISTED_RIGHTS = ("access", "rectification", "erasure", "restriction", "objection", "portability")


@dataclass(frozen=True)
class Gap:
    """One missing piece: where, which article expects it, and what is missing."""

    path: str
    article: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "article": self.article, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.article})"


def gaps(data: dict[str, Any]) -> list[Gap]:
    """The warnings for canonical format-2 notice data, in page order."""
    return [*_identity(data), *_purposes(data), *_sections(data), *_retention(data),
            *_rights(data), *_cookies(data), *_marketing(data)]


def _identity(data: dict[str, Any]) -> Iterator[Gap]:
    people = [data.get("controller") or {}, data.get("contact") or {}]
    if not any(p.get(k) for p in people for k in ("address", "email", "phone")):
        yield Gap("controller", "GDPR art. 13(1)(a)",
                  "No address, e-mail or phone for the controller or the contact person.")
    if "dpo" not in data:
        yield Gap("dpo", "GDPR art. 13(1)(b)",
                  "No data protection officer (needed only if one is designated).")


def _purposes(data: dict[str, Any]) -> Iterator[Gap]:
    if not data.get("purposes"):
        yield Gap("purposes", "GDPR art. 13(1)(c)", "No purposes of processing.")
    for pos, purpose in enumerate(data.get("purposes", []), start=1):
        if purpose["legal_basis"] == "legitimate_interest" and "legitimate_interest" not in purpose:
            yield Gap(f"purposes[{pos}].legitimate_interest", "GDPR art. 13(1)(d)",
                      "The legitimate interest pursued is not described.")


def _sections(data: dict[str, Any]) -> Iterator[Gap]:
    if "recipients" not in data and "disclosures" not in data:
        yield Gap("recipients", "GDPR art. 13(1)(e)", "No recipients or disclosures.")
    transfers = data.get("transfers")
    if transfers is None:
        yield Gap("transfers", "GDPR art. 13(1)(f)",
                  "Nothing said about transfers outside the EU/EEA.")
    elif transfers.get("outside_eea") and not transfers.get("countries"):
        yield Gap("transfers.countries", "GDPR art. 13(1)(f)",
                  "Transfers outside the EU/EEA without their countries and safeguards.")
    if "requirement" not in data:
        yield Gap("requirement", "GDPR art. 13(2)(e)",
                  "Not said whether giving the data is a statutory or contractual requirement.")
    profiling = data.get("profiling")
    if profiling is None:
        yield Gap("profiling", "GDPR art. 13(2)(f)",
                  "Nothing said about automated decision-making and profiling.")
    elif profiling["used"] and "text" not in profiling:
        yield Gap("profiling.text", "GDPR art. 13(2)(f)",
                  "Profiling is used but its logic and consequences are not described.")
    if "data_content" not in data:
        yield Gap("data_content", "GDPR art. 14(1)(d)", "No categories of personal data.")
    if "sources" not in data:
        yield Gap("sources", "GDPR art. 14(2)(f)", "No sources of the data.")
    if "security" not in data:
        yield Gap("security", "GDPR art. 32 (customary in a Finnish notice)",
                  "Nothing said about how the data is protected.")


def _retention(data: dict[str, Any]) -> Iterator[Gap]:
    if not data.get("retention"):
        yield Gap("retention", "GDPR art. 13(2)(a)", "No retention periods.")
    for pos, rule in enumerate(data.get("retention", []), start=1):
        if "data" not in rule and rule["key"] not in LUPA_RETENTION_STARTS:
            yield Gap(f"retention[{pos}].data", "GDPR art. 13(2)(a)",
                      f"The rule {rule['key']!r} does not say in words which data it covers.")


def _rights(data: dict[str, Any]) -> Iterator[Gap]:
    keys = {r["key"] for r in data.get("rights", [])}
    for key in LISTED_RIGHTS:
        if key not in keys:
            yield Gap("rights", "GDPR art. 13(2)(b)", f"The right {key!r} is not described.")
    marketing = data.get("marketing") or {}
    consent = any(p["legal_basis"] == "consent" for p in data.get("purposes", [])) or any(
        p.get("basis") == "consent" for p in marketing.get("purposes", []))
    if consent and "withdraw_consent" not in keys:
        yield Gap("rights", "GDPR art. 13(2)(c)",
                  "Processing is based on consent but the right to withdraw it is not described.")
    if "complaint" not in keys:
        yield Gap("rights", "GDPR art. 13(2)(d)",
                  "The right to lodge a complaint with a supervisory authority is not described.")


def _cookies(data: dict[str, Any]) -> Iterator[Gap]:
    for pos, cat in enumerate(data.get("cookie_categories", []), start=1):
        at = f"cookie_categories[{pos}]"
        if cat["type"] != "necessary" and not cat.get("cookies") and not cat.get("vendors"):
            yield Gap(at, "GDPR art. 13(2)(a), ePrivacy art. 5(3)",
                      "A category that asks for consent lists no cookies and no vendors.")
        for cpos, cookie in enumerate(cat.get("cookies", []), start=1):
            missing = [k for k in ("duration", "purpose") if k not in cookie]
            if missing:
                yield Gap(f"{at}.cookies[{cpos}]", "GDPR art. 13(2)(a), ePrivacy art. 5(3)",
                          f"The cookie {cookie['name']!r} has no {' or '.join(missing)}.")


def _marketing(data: dict[str, Any]) -> Iterator[Gap]:
    marketing = data.get("marketing") or {}
    if marketing.get("purposes") and not marketing.get("channels"):
        yield Gap("marketing.channels", "Lupa",
                  "Marketing purposes without channels: pre-send checks have nothing to answer.")
