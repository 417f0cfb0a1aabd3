"""What every promise check shares: the report's period and a result with capped evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.models import Site

HOLDS, BROKEN, NOT_APPLICABLE = "holds", "broken", "not_applicable"
MAX_EVIDENCE = 20


@dataclass
class ReportContext:
    site: Site
    since: datetime | None
    until: datetime | None
    now: datetime

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

    def add(self, item: dict[str, Any]) -> None:
        self.evidence_total += 1
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(item)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "notice": self.notice, "status": self.status,
            "summary": self.summary, "counts": self.counts, "evidence": self.evidence,
            "evidence_total": self.evidence_total,
        }
