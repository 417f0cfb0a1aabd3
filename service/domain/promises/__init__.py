"""The promise report: each promise of the notice in force checked against the log, derived
from the notice (`derive`), one module per promise family (cookies, marketing, prohibitions,
transfers, retention, access, rights, integrity), run by `report`."""

from service.domain.promises.base import (
    BROKEN,
    HOLDS,
    KEPT_OUTSIDE_LUPA,
    NOT_APPLICABLE,
    NOT_CHECKABLE,
    STATUSES,
    PromiseResult,
    ReportContext,
)
from service.domain.promises.report import promise_report, promises_of

__all__ = ["BROKEN", "HOLDS", "KEPT_OUTSIDE_LUPA", "NOT_APPLICABLE", "NOT_CHECKABLE",
           "STATUSES", "PromiseResult", "ReportContext", "promise_report", "promises_of"]
