"""Data-subject requests: access/export, rectification, erasure and restriction; after an
erasure, the physical purge of what it deleted (purge.py)."""

from service.domain.rights.inbox import (
    CHANNELS,
    complete,
    due_at,
    get_request,
    inbox,
    record,
)
from service.domain.rights.purge import PurgeResult, after_erasure, purge_storage
from service.domain.rights.requests import (
    KINDS,
    access,
    erase,
    list_requests,
    rectify,
    request_dict,
    requests_of,
    restrict,
)

__all__ = [
    "PurgeResult",
    "after_erasure",
    "purge_storage",
    "KINDS",
    "request_dict",
    "access",
    "rectify",
    "restrict",
    "erase",
    "requests_of",
    "list_requests",
    "CHANNELS",
    "record",
    "complete",
    "due_at",
    "inbox",
    "get_request",
]
