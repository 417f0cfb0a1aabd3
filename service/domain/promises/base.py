"""What every promise check shares: the report's period, the statuses and a result with capped
evidence.

Statuses (docs/promises.md): `holds` and `broken` are Lupa's judgement over data it holds;
`not_applicable` when there is nothing to judge (no such records, or the notice says nothing
the promise could check); `kept_outside_lupa` for a retention rule over data Lupa does not hold;
`not_checkable` for a statement Lupa cannot check (an "as long as needed" rule). The last two
are never `holds` (DESIGN invariant 10)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.models import Site

HOLDS, BROKEN, NOT_APPLICABLE = "holds", "broken", "not_applicable"
KEPT_OUTSIDE_LUPA, NOT_CHECKABLE = "kept_outside_lupa", "not_checkable"
STATUSES = (HOLDS, BROKEN, NOT_APPLICABLE, KEPT_OUTSIDE_LUPA, NOT_CHECKABLE)
MAX_EVIDENCE = 20


@dataclass
class ReportContext:
    site: Site
    since: datetime | None
    until: datetime | None
    now: datetime
    cache: dict[str, Any] = field(default_factory=dict)  # scans shared by several promises

    def in_period(self, column: Any) -> list[Any]:
        conds = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column < self.until)
        return conds


@dataclass
class PromiseResult:
    key: str
    title: str
    notice: str  # where the promise is made in the notice
    status: str
    summary: str
    counts: dict[str, int] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_total: int = 0
    sentence: str | None = None  # the notice's own words for what is checked, shortened

    def add(self, item: dict[str, Any]) -> None:
        self.evidence_total += 1
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(item)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "notice": self.notice,
            "sentence": self.sentence, "status": self.status,
            "summary": self.summary, "counts": self.counts, "evidence": self.evidence,
            "evidence_total": self.evidence_total,
        }
