"""Request bodies: JSON is nested at most MAX_DEPTH levels deep, checked before any parser
sees it (Python's parser recurses, and a body of 30,000 `[` would end in a RecursionError, a
500). `JsonDepthRequest` is the app's request class: every JSON body read through
`get_data` / `get_json` (flask-smorest's arguments included) is checked first."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask import Request

from service.errors import DomainError

MAX_DEPTH = 32
_ESCAPE = re.compile(rb"\\.", re.S)  # a backslash escape: an escaped quote ends no string
_OTHER = bytes(c for c in range(256) if c not in b'[]{}"')  # deleted before the count
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class TooDeep(DomainError):
    status = 400
    title = "Bad request"
    slug = "json-too-deep"


def depth_exceeds(body: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """True when the JSON text nests arrays and objects more than `limit` levels deep."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # the common case: no scan
    if b"\\" in data:
        data = _ESCAPE.sub(b"", data)
    # quotes and brackets only, then the brackets outside strings (every other piece)
    outside = b"".join(data.translate(None, _OTHER).split(b'"')[::2])
    return max(accumulate(map(_STEP.__getitem__, outside)), default=0) > limit


def check_depth(body: bytes | str, limit: int = MAX_DEPTH) -> None:
    if depth_exceeds(body, limit):
        raise TooDeep(f"The JSON body is nested more than {limit} levels deep.")


def loads(text: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """json.loads for untrusted text: ValueError (never RecursionError) when too deep."""
    if depth_exceeds(text, limit):
        raise ValueError(f"nested more than {limit} levels deep")
    return json.loads(text)


class JsonDepthRequest(Request):
    """Flask's request whose JSON bodies are refused (400) when nested too deep."""

    _depth_checked = False

    def get_data(self, cache: bool = True, as_text: bool = False,  # type: ignore[override]
                 parse_form_data: bool = False) -> Any:
        if self.is_json and not self._depth_checked:
            check_depth(super().get_data(cache=True, parse_form_data=parse_form_data))
            self._depth_checked = True
        return super().get_data(cache, as_text, parse_form_data)  # type: ignore[call-overload]
