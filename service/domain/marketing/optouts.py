"""Opt-out import: a list of identifiers (e.g. an email service's unsubscribe CSV) becomes
withdrawals (or prohibitions) of P on C, each audited; unknown people become subjects so
that later checks say "withdrawn" rather than "unknown"."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from service.domain.marketing import permissions as marketing
from service.domain.marketing import subjects
from service.domain.marketing.identifiers import InvalidIdentifier, detect_kind, normalise
from service.domain.marketing.states import OPT_OUTS
from service.errors import InvalidInput
from service.models import Site

IMPORT_MAX_BYTES = 16 * 1024 * 1024  # an opt-out list's largest upload (API and console)
HEADER_NAMES = {"email", "email address", "e-mail", "phone", "customer_number", "recipient",
                "sähköposti", "puhelin"}


@dataclass
class ImportResult:
    rows: int = 0
    changed: int = 0
    invalid: int = 0
    created_subjects: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def csv_identifiers(lines: Iterable[str]) -> Iterator[str]:
    """The email/phone column of a CSV (by header name), else the first column."""
    column = 0
    for n, row in enumerate(csv.reader(lines)):
        if n == 0:
            names = [c.strip().lower() for c in row]
            hits = [i for i, c in enumerate(names) if c in HEADER_NAMES]
            if hits:
                column = hits[0]
                continue
        yield row[column].strip() if len(row) > column else ""


CHANNEL_KINDS = {"email": "email", "sms": "phone", "phone": "phone"}


def kind_for(id_type: str, channel: str) -> str:
    """`auto` reads an email channel's list as emails, sms/phone lists as phone numbers."""
    return CHANNEL_KINDS.get(channel, "auto") if id_type == "auto" else id_type


def parse(values: Iterable[str], id_type: str) -> list[tuple[int, str, str] | int]:
    """Normalise each value: (line, kind, value) or the line number of an invalid one."""
    out: list[tuple[int, str, str] | int] = []
    for line, raw in enumerate(values, start=1):
        try:
            kind = detect_kind(raw) if id_type == "auto" else id_type
            out.append((line, kind, normalise(kind, raw)))
        except InvalidIdentifier:
            out.append(line)
    return out


def validate_target(site: Site, purpose: str, channel: str, state: str) -> None:
    if state not in OPT_OUTS:
        raise InvalidInput("An opt-out is a withdrawal or a prohibition.", {"state": ["invalid"]})
    marketing.validate_target(site, purpose, channel, state)


def apply_one(site: Site, kind: str, value: str, purpose: str, channel: str, state: str,
              source: str, actor: str, result: ImportResult) -> None:
    subject, created = subjects.find_or_create(site, {kind: value}, actor)
    result.created_subjects += int(created)
    if marketing.set_permission(site, subject, purpose, channel, state, actor,
                                marketing.Evidence(source=source)):
        result.changed += 1


def import_csv(site: Site, text: str, purpose: str, channel: str, state: str, id_type: str,
               source: str, actor: str) -> ImportResult:
    """All rows or none: every identifier valid, then each row applied (and audited) in the
    caller's transaction; an invalid row is a 422 naming the lines, and nothing is changed."""
    validate_target(site, purpose, channel, state)
    parsed = parse(csv_identifiers(io.StringIO(text)), kind_for(id_type, channel))
    bad = [p for p in parsed if isinstance(p, int)]
    if bad:
        raise InvalidInput(f"{len(bad)} rows are not valid identifiers; nothing imported.",
                           {"rows": [f"line {n}" for n in bad[:100]]})
    result = ImportResult()
    for item in parsed:
        assert not isinstance(item, int)
        _, kind, value = item
        result.rows += 1
        apply_one(site, kind, value, purpose, channel, state, source, actor, result)
    return result
