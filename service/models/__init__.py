"""All models, imported so that Alembic sees the whole metadata."""

from service.models.apikey import ROLES, ApiKey
from service.models.audit import AuditCheckpoint, AuditEntry, AuditHead
from service.models.consent import ConsentEvent
from service.models.marketing import (
    CheckAnswer,
    MarketingCheck,
    MarketingEvent,
    MarketingGeneration,
    MarketingPermission,
    Subject,
    SubjectIdentifier,
)
from service.models.rights import SubjectRequest
from service.models.scan import ScanScreenshot, SiteScan
from service.models.site import NoticeVersion, Site

__all__ = [
    "ROLES",
    "ApiKey",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "CheckAnswer",
    "ConsentEvent",
    "MarketingCheck",
    "MarketingEvent",
    "MarketingGeneration",
    "MarketingPermission",
    "NoticeVersion",
    "ScanScreenshot",
    "Site",
    "SiteScan",
    "Subject",
    "SubjectIdentifier",
    "SubjectRequest",
]
