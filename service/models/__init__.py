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
    SubjectKey,
)
from service.models.rights import SubjectRequest
from service.models.scan import ScanScreenshot, SiteScan
from service.models.session import AuditorSession
from service.models.site import NoticeVersion, Site
from service.models.verification import IdentifierChallenge, MessageSend

__all__ = [
    "ROLES",
    "ApiKey",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "AuditorSession",
    "CheckAnswer",
    "ConsentEvent",
    "IdentifierChallenge",
    "MarketingCheck",
    "MarketingEvent",
    "MarketingGeneration",
    "MarketingPermission",
    "MessageSend",
    "NoticeVersion",
    "ScanScreenshot",
    "Site",
    "SiteScan",
    "Subject",
    "SubjectIdentifier",
    "SubjectKey",
    "SubjectRequest",
]
