"""Data-subject requests: access/export, rectification, erasure and restriction."""

from service.domain.rights.inbox import (
    CHANNELS,
    complete,
    due_at,
    get_request,
    inbox,
    record,
)
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
