"""Retention rules: what is past its time and purging it, each purge audited."""

from service.domain.retention.purge import (
    AUDIT_PAYLOAD,
    BATCH,
    CHECKS,
    MARKETING_EVIDENCE,
    RULES,
    VISITOR_CONSENT,
    Overdue,
    PurgeBatch,
    cutoff,
    overdue_consents,
    overdue_evidence,
    purge,
    rule_months,
    rules_outside_lupa,
)

__all__ = [
    "VISITOR_CONSENT",
    "CHECKS",
    "MARKETING_EVIDENCE",
    "AUDIT_PAYLOAD",
    "RULES",
    "BATCH",
    "rule_months",
    "rules_outside_lupa",
    "cutoff",
    "Overdue",
    "overdue_consents",
    "PurgeBatch",
    "purge",
    "overdue_evidence",
]
