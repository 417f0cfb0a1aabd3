"""The promise list of a site, derived from the notice version in force: each checkable
statement of the notice becomes one planned promise with the place in the notice it checks
(`retention.bookkeeping`, `cookie_categories.statistics`, `transfers`, ...) and the notice's
own words for it (in the site's first language, shortened). The promises every notice makes
(the log is whole, requests are answered in time, the records of choices and permissions are
sound) are planned for every site, with the notice's words when it has them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from service.domain import notices
from service.domain.promises import (
    access,
    cookies,
    integrity,
    live_site,
    marketing,
    prohibitions,
    retention,
    rights,
    transfers,
)
from service.domain.promises.base import PromiseResult, ReportContext
from service.models import Site

SENTENCE_MAX = 200
Check = Callable[[ReportContext], PromiseResult]


@dataclass(frozen=True)
class Planned:
    key: str
    notice: str  # the section or item of the notice it checks
    sentence: str | None  # the notice's own words for it
    check: Check

    def run(self, ctx: ReportContext) -> PromiseResult:
        result = self.check(ctx)
        result.key, result.notice, result.sentence = self.key, self.notice, self.sentence
        return result


@dataclass(frozen=True)
class Notice:
    """The notice in force (format 2 shape; {} when none is published) and the site's first
    language, for the sentences."""

    data: dict[str, Any]
    language: str

    def text(self, *values: Any) -> str | None:
        """The first present localized text of `values`, in the site's first language (else
        any), with whitespace collapsed and cut at SENTENCE_MAX characters."""
        for value in values:
            if isinstance(value, dict) and value:
                text = value.get(self.language) or next(iter(value.values()))
                return shorten(str(text)) if text else None
        return None

    def section(self, name: str) -> Any:
        return self.data.get(name) or {}


def shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SENTENCE_MAX else flat[:SENTENCE_MAX - 1].rstrip() + "…"


def notice_in_force(site: Site) -> Notice:
    version = notices.latest_version(site)
    data = notices.as_format_2(version.data) if version is not None else {}
    return Notice(data, (site.languages or ["fi"])[0])


def plan(site: Site) -> list[Planned]:
    """The promises of the site's notice in force, in the notice's order of concerns."""
    n = notice_in_force(site)
    return [*_cookie_promises(n), *_marketing_promises(n), *_transfer_promises(n),
            *_retention_promises(n), *_access_promises(n), *_fixed_promises(n)]


def _cookie_promises(n: Notice) -> list[Planned]:
    out = [Planned("consent_before_tracking", "cookie_categories",
                   n.text(n.data.get("cookie_introduction"), n.section("banner").get("text")),
                   cookies.consent_before_tracking)]
    for category in n.data.get("cookie_categories") or []:
        if category.get("type") in cookies.OPTIONAL_TRACKING:
            key = category["key"]
            sentence = " — ".join(t for t in (n.text(category.get("title")),
                                              n.text(category.get("description"))) if t)
            out.append(Planned(f"consent_before_tracking.{key}", f"cookie_categories.{key}",
                               shorten(sentence) if sentence else None,
                               partial(cookies.category_consent, category=category)))
    # The same promise as the site keeps it, seen by a browser (the latest `lupa scan`).
    out.append(Planned("cookies_observed_live", "cookie_categories", out[0].sentence,
                       live_site.observed_on_live_site))
    return out


def _marketing_promises(n: Notice) -> list[Planned]:
    section = n.section("marketing")
    purposes = section.get("purposes") or []

    def titles(basis: str) -> str | None:
        names = [t for p in purposes if p.get("basis", "consent") == basis
                 if (t := n.text(p.get("title")))]
        return shorten(", ".join(names)) if names else None

    rights_text = {r["key"]: r.get("text") for r in n.data.get("rights") or [] if "key" in r}
    out = [
        Planned("marketing_grants_have_evidence", "marketing.purposes.consent",
                titles("consent") or n.text(section.get("text")),
                marketing.marketing_grants_have_evidence),
        Planned("soft_opt_in_only_to_customers", "marketing.purposes.customer_relationship",
                titles("customer_relationship"), marketing.soft_opt_in_only_to_customers),
        Planned("no_contact_after_objection", "marketing.rights",
                n.text(rights_text.get("prohibit_marketing"), rights_text.get("withdraw_consent"),
                       rights_text.get("objection")),
                marketing.no_contact_after_objection),
    ]
    for purpose in purposes:
        key, basis = purpose["key"], purpose.get("basis") or "consent"
        sentence = " — ".join(t for t in (n.text(purpose.get("title")),
                                          n.text(purpose.get("description"))) if t)
        out.append(Planned(f"marketing.{key}", f"marketing.purposes.{key}",
                           shorten(sentence) if sentence else None,
                           partial(marketing.purpose_kept, purpose=key, basis=basis)))
    for kind in section.get("prohibitions") or []:
        out.append(Planned(f"prohibition.{kind}", f"marketing.prohibitions.{kind}",
                           n.text(rights_text.get("prohibit_marketing"), section.get("text")),
                           partial(prohibitions.prohibition_honoured, kind=kind)))
    return out


def _transfer_promises(n: Notice) -> list[Planned]:
    section = n.data.get("transfers")
    sentence = n.text(section.get("text")) if section else None
    if sentence is None and section and section.get("outside_eea") is False:
        sentence = "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle." if n.language == "fi" \
            else "No data is transferred outside the EU or the EEA."
    return [Planned("no_undeclared_transfers", "transfers", sentence,
                    partial(transfers.no_undeclared_transfers, notice=n.data))]


def _retention_promises(n: Notice) -> list[Planned]:
    out = []
    for rule in n.data.get("retention") or []:
        key = rule["key"]
        words = [t for t in (n.text(rule.get("data")),
                             n.text(rule.get("text"), rule.get("justification"))) if t]
        out.append(Planned(retention.promise_key(key), f"retention.{key}",
                           shorten(": ".join(words)) if words else None,
                           partial(retention.rule_promise, rule=rule)))
    return out


def _access_promises(n: Notice) -> list[Planned]:
    """Who may access: the notice's `security.access`, else its words on electronic data
    (where the seeds say who has access)."""
    security = n.section("security")
    part = "access" if "access" in security else "electronic"
    return [Planned("access_by_role", f"security.{part}", n.text(security.get(part)),
                    partial(access.keys_by_role, stated=part in security))]


def _fixed_promises(n: Notice) -> list[Planned]:
    rights_text = {r["key"]: r.get("text") for r in n.data.get("rights") or [] if "key" in r}
    security = n.section("security")
    return [
        Planned("requests_answered_in_time", "rights", n.text(rights_text.get("access")),
                rights.requests_answered_in_time),
        Planned("chain_verifies", "security", n.text(security.get("electronic"),
                                                     security.get("text")),
                integrity.chain_verifies),
    ]
