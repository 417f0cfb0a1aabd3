"""Sending SMS (the codes that prove a phone number) through a small interface: an HTTP
gateway in production (LUPA_SMS_URL), the console in the demo and tests (no URL set); a
production app without a URL (LUPA_SMS_CONSOLE False: service/wsgi.py) has no backend and
sends no codes, so nothing is granted on sms or phone there.

The gateway gets a JSON POST `{"to": "+358…", "from": LUPA_SMS_FROM, "text": "…"}` with
`Authorization: Bearer LUPA_SMS_TOKEN` when a token is set; any 2xx answer is delivery
accepted, anything else (or no answer within LUPA_SMS_TIMEOUT) a failure. Most SMS
providers take this shape directly or through a small adapter."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol


class SmsFailed(RuntimeError):
    """The gateway did not accept the message (the number is never in the message)."""


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


class ConsoleSms:
    """The embedded demo: the message on the console, so its code can be typed in."""

    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"\n----- sms (LUPA_SMS_URL not set) -----\nTo: {to}\n\n{text}\n-----\n")
        sys.stdout.flush()


class HttpSms:
    def __init__(self, url: str, token: str | None, sender: str, timeout: float) -> None:
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "from": self.sender, "text": text}).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "lupa-sms"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise SmsFailed(f"the SMS gateway answered {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise SmsFailed(f"the SMS gateway could not be reached: {type(exc).__name__}") \
                from None
        if not 200 <= status < 300:
            raise SmsFailed(f"the SMS gateway answered {status}")


def backend(config: Mapping[str, Any]) -> SmsBackend | None:
    """The backend the configuration names; None: no code can be sent."""
    url = config.get("LUPA_SMS_URL")
    if not url:
        return ConsoleSms() if config.get("LUPA_SMS_CONSOLE", True) else None
    return HttpSms(str(url), config.get("LUPA_SMS_TOKEN"), str(config.get("LUPA_SMS_FROM")
                                                                  or "Lupa"),
                   float(config.get("LUPA_SMS_TIMEOUT") or 10))
