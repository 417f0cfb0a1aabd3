"""The audit log's own promise: nothing in it was altered, removed, reordered or inserted."""

from __future__ import annotations

from service.domain import audit
from service.domain.promises.base import BROKEN, HOLDS, PromiseResult, ReportContext


def chain_verifies(ctx: ReportContext) -> PromiseResult:
    """The audit log is whole: every entry, link and signed checkpoint verifies."""
    result = audit.verify_site(ctx.site)
    r = PromiseResult("chain_verifies", "The audit log has not been altered", "security",
                      HOLDS if result.ok else BROKEN,
                      f"{result.entries} entries, {result.checkpoints_checked} signed checkpoints "
                      f"matched, {result.problem_count} problems",
                      {"entries": result.entries, "checkpoints": result.checkpoints_checked,
                       "problems": result.problem_count})
    for p in result.problems:
        r.add(p.as_dict())
    r.evidence_total = result.problem_count
    return r
