"""The notice's marketing section as Lupa enforces it: each purpose with its basis, the
channels, and the kinds of prohibition the notice offers. The one reader of
`notice.data["marketing"]`'s bases and prohibitions: notices published before they existed
lack them, and read as consent purposes offering no kind (direct marketing is always
offered: the right to object to it is the law's, GDPR art. 21(2))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain import notices
from service.domain.marketing.kinds import ProhibitionKind
from service.domain.marketing.states import Basis
from service.models import Site


@dataclass(frozen=True)
class MarketingTerms:
    purposes: dict[str, Basis]  # key -> basis, in the notice's order
    channels: list[str]
    prohibitions: tuple[ProhibitionKind, ...]  # as the notice lists them
    version: int

    def basis(self, purpose: str) -> Basis:
        return self.purposes.get(purpose, Basis.CONSENT)

    def offered_kinds(self) -> tuple[ProhibitionKind, ...]:
        """The kinds a customer may set: direct marketing, then those the notice lists."""
        rest = tuple(k for k in self.prohibitions if k != ProhibitionKind.DIRECT_MARKETING)
        return (ProhibitionKind.DIRECT_MARKETING, *rest)


def terms_of(data: dict[str, Any], version: int) -> MarketingTerms:
    """The marketing terms of one notice version's data (defaults for what it lacks)."""
    section = data.get("marketing") or {}
    return MarketingTerms(
        purposes={p["key"]: Basis(p.get("basis") or Basis.CONSENT)
                  for p in section.get("purposes", [])},
        channels=list(section.get("channels", [])),
        prohibitions=tuple(ProhibitionKind(k) for k in section.get("prohibitions") or ()),
        version=version,
    )


def current_terms(site: Site) -> MarketingTerms:
    """The marketing terms of the site's current notice."""
    version = notices.current_version(site)
    return terms_of(version.data, version.number)


def latest_terms(site: Site) -> MarketingTerms | None:
    """The marketing terms of the latest published notice, None before the first."""
    version = notices.latest_version(site)
    return None if version is None else terms_of(version.data, version.number)
