"""The kinds of prohibition a customer may set (kielto-oikeus) and what each covers: rules as
data, read by the permission writes, the fold of every lookup, the customer pages and the
promise report.

Each kind is stored as one permission row with the prohibited flag: direct marketing as the
`*` / `*` row the API always had (every purpose on every channel), every other kind as the
row (`kind:<kind>`, `*`), which a purpose key can never be (keys are `[a-z][a-z0-9_]`).
A kind covers purposes by their keys (the notice has no other mark of what a purpose is)
and, for distance selling, every purpose on the phone. So a kind's prohibition follows the
notice: a research purpose added later is covered by the market-research prohibition given
before it. A leaf: no database, no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

ANY = "*"
PREFIX = "kind:"


class ProhibitionKind(StrEnum):
    """The prohibitions of the seeds (`marketing.prohibitions` of a notice)."""

    DIRECT_MARKETING = "direct_marketing"
    DISTANCE_SELLING = "distance_selling"
    MARKET_RESEARCH = "market_research"
    ADDRESS_DISCLOSURE = "address_disclosure"
    LIST_PUBLICATION = "list_publication"


@dataclass(frozen=True)
class Coverage:
    """What one kind of prohibition covers: purposes by key on every channel (None: every
    purpose), and every purpose on the given channels. `contact` is False for a use of the
    data (disclosing it, publishing a list) rather than something sent to the customer."""

    purposes: tuple[str, ...] | None
    channels: tuple[str, ...] = ()
    contact: bool = True


KINDS: dict[ProhibitionKind, Coverage] = {
    ProhibitionKind.DIRECT_MARKETING: Coverage(purposes=None),
    ProhibitionKind.DISTANCE_SELLING: Coverage(
        purposes=("distance_selling", "telemarketing", "teleselling"), channels=("phone",)),
    ProhibitionKind.MARKET_RESEARCH: Coverage(
        purposes=("research", "market_research", "opinion_research", "surveys")),
    ProhibitionKind.ADDRESS_DISCLOSURE: Coverage(
        purposes=("address_disclosure", "third_party_disclosure", "disclosure"), contact=False),
    ProhibitionKind.LIST_PUBLICATION: Coverage(purposes=("list_publication",), contact=False),
}


def row_key(kind: ProhibitionKind) -> tuple[str, str]:
    """The (purpose, channel) of the permission row that holds this kind's prohibition."""
    if kind == ProhibitionKind.DIRECT_MARKETING:
        return ANY, ANY
    return f"{PREFIX}{kind.value}", ANY


def kind_of_row(purpose: str, channel: str) -> ProhibitionKind | None:
    """The kind a prohibited row stands for; None for a plain purpose/channel prohibition."""
    if (purpose, channel) == (ANY, ANY):
        return ProhibitionKind.DIRECT_MARKETING
    if purpose.startswith(PREFIX) and channel == ANY:
        try:
            return ProhibitionKind(purpose[len(PREFIX):])
        except ValueError:
            return None
    return None


def covers(kind: ProhibitionKind, purpose: str, channel: str) -> bool:
    """Whether a prohibition of this kind covers purpose P on channel C."""
    coverage = KINDS[kind]
    return coverage.purposes is None or purpose in coverage.purposes \
        or channel in coverage.channels


@lru_cache(maxsize=1024)
def markers(purpose: str, channel: str) -> tuple[str, ...]:
    """The row purposes, besides P itself and `*`, whose prohibition covers P on C (the kind
    rows; the `*` row of direct marketing matches by itself)."""
    return tuple(row_key(kind)[0] for kind in ProhibitionKind
                 if kind != ProhibitionKind.DIRECT_MARKETING and covers(kind, purpose, channel))


def is_use(purpose: str) -> bool:
    """A purpose that a non-contact kind covers by name (disclosure, list publication): the
    customer pages show it as a prohibition, never as "what we may send you"."""
    return any(not c.contact and c.purposes is not None and purpose in c.purposes
               for c in KINDS.values())


def row_covers(row_purpose: str, row_channel: str, purpose: str, channel: str) -> bool:
    """Whether a prohibition in the row (row_purpose, row_channel) covers P on C."""
    if row_channel not in (ANY, channel):
        return False
    return row_purpose in (ANY, purpose) or row_purpose in markers(purpose, channel)
