"""The promise report: each promise of the notice checked against the log, one module per
promise family (cookies, marketing, retention, rights, integrity) under the registry in
`report`."""

from service.domain.promises.base import BROKEN, HOLDS, NOT_APPLICABLE, PromiseResult, ReportContext
from service.domain.promises.report import PROMISES, promise_report

__all__ = ["BROKEN", "HOLDS", "NOT_APPLICABLE", "PROMISES", "PromiseResult", "ReportContext",
           "promise_report"]
