"""What a production start (`lupa serve`, gunicorn on `service.wsgi:app`) demands of the
secrets and of the public URL before anything starts: each present, well formed, not a
placeholder, strong enough, and no value reused for two jobs. The /metrics token is one of
them unless metrics are turned off (LUPA_METRICS_ENABLED=0).

The checks catch mistakes (a placeholder left in, a short word, a seed of zeros, a URL with a
path), not malice: generate every secret with the commands in docs/operations.md. Messages
name the variable and never echo its value. Imports nothing of the service.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

MIN_BITS = 256  # 32 bytes of entropy
# Words found in placeholders ("CHANGE-ME-long-random-string", "changeme", "secret", ...): six
# letters or more, so that a random base64 value holds one only by a chance below 1 in 10^6.
PLACEHOLDER_WORDS = ("change", "replace", "placeholder", "example", "secret", "password",
                     "passwd", "default", "insecure", "sample", "generate")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Names reserved for examples (RFC 2606, RFC 6761): never a real service's public address.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid", "test")
GENERATE_TEXT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
GENERATE_KEY = "python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())'"
REQUIRED = ("LUPA_SECRET_KEY", "LUPA_SIGNING_KEY", "LUPA_ENCRYPTION_KEY", "LUPA_PUBLIC_URL")


def _periodic(value: str | bytes) -> bool:
    """True when the value is a shorter unit repeated ("abab", b"\\x07" * 32)."""
    return len(value) > 1 and value in (value + value)[1:-1]  # type: ignore[operator]


def estimated_bits(text: str) -> float:
    """A generous upper bound of a text secret's entropy, from its length and alphabet: hex
    counts 4 bits a character, base64 6, anything else log2 of the classes it uses."""
    body = text.rstrip("=")
    if not body:
        return 0.0
    if re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", body):
        per = 4.0
    elif (re.fullmatch(r"[A-Za-z0-9+/_-]+", body) and re.search(r"[a-z]", body)
          and re.search(r"[A-Z]", body)):
        per = 6.0
    else:
        alphabet = sum(size for pattern, size in ((r"[a-z]", 26), (r"[A-Z]", 26), (r"[0-9]", 10),
                                                  (r"[^a-zA-Z0-9]", 33))
                       if re.search(pattern, body))
        per = math.log2(alphabet) if alphabet > 1 else 0.0
    return len(body) * per


def _looks_like_placeholder(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in PLACEHOLDER_WORDS)


def text_secret_problem(name: str, value: str | None) -> str | None:
    """Why a free-form secret (LUPA_SECRET_KEY) is unusable, or None."""
    if not value or not value.strip():
        return f"{name} is required (generate one: {GENERATE_TEXT})"
    if _looks_like_placeholder(value):
        return f"{name} is a placeholder, not a secret (generate one: {GENERATE_TEXT})"
    bits = estimated_bits(value)
    if bits < MIN_BITS:
        return (f"{name} is too weak: about {int(bits)} bits, at least {MIN_BITS} (32 random "
                f"bytes) needed (generate one: {GENERATE_TEXT})")
    if len(set(value)) < 8 or _periodic(value):
        return (f"{name} repeats a few characters; it must be random "
                f"(generate one: {GENERATE_TEXT})")
    return None


def key_problem(name: str, value: str | None) -> str | None:
    """Why a binary key given as base64 of 32 bytes is unusable, or None."""
    if not value or not value.strip():
        return f"{name} is required: base64 of 32 random bytes (generate one: {GENERATE_KEY})"
    if _looks_like_placeholder(value):
        return f"{name} is a placeholder, not a key (generate one: {GENERATE_KEY})"
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return f"{name} must be base64 of 32 bytes (generate one: {GENERATE_KEY})"
    if len(raw) != 32:
        return (f"{name} must be base64 of 32 bytes, not {len(raw)} "
                f"(generate one: {GENERATE_KEY})")
    if raw == bytes(32):
        return f"{name} is all zeros; it must be random (generate one: {GENERATE_KEY})"
    if len(set(raw)) < 12 or _periodic(raw):
        return (f"{name} repeats a few byte values; it must be random "
                f"(generate one: {GENERATE_KEY})")
    return None


def public_url_problem(value: str | None, placeholders: bool = True) -> str | None:
    """Why LUPA_PUBLIC_URL cannot be the base of the links in mails, or None: an absolute
    http(s) URL with no path, query, fragment or user, and https unless on localhost;
    `placeholders`: also refuse domains reserved for examples (a production start does)."""
    name = "LUPA_PUBLIC_URL"
    if not value or not value.strip():
        return f"{name} is required: the public base of every link in a mail, e.g. " \
               "https://consent.example.fi"
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return f"{name} is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return f"{name} must be an absolute http(s) URL such as https://consent.example.fi"
    if parts.username is not None or parts.password is not None:
        return f"{name} must not carry a user name or password"
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.strip()[-1] in "?#":
        return f"{name} must be an origin only, with no path, query or fragment"
    if placeholders and any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS):
        return f"{name} is a placeholder (a domain reserved for examples); give the real one"
    local = host in LOCAL_HOSTS or host.endswith(".localhost")
    if parts.scheme != "https" and not local:
        return f"{name} must use https (http only for localhost)"
    return None


def _flag(value: str | None) -> bool:
    """An on/off setting, on unless it says 0, false, no or off."""
    return (value or "").strip().lower() not in ("0", "false", "no", "off")


def metrics_token_problem(value: str | None) -> str | None:
    """Why LUPA_METRICS_TOKEN cannot guard /metrics (which lists every site), or None."""
    problem = text_secret_problem("LUPA_METRICS_TOKEN", value)
    if problem:
        return f"{problem}; or turn /metrics off with LUPA_METRICS_ENABLED=0"
    return None


def serve_problems(environ: Mapping[str, str]) -> list[str]:
    """Every reason a production start must refuse, in the order of REQUIRED (then the metrics
    token, unless LUPA_METRICS_ENABLED is off); empty if none."""
    problems = [
        text_secret_problem("LUPA_SECRET_KEY", environ.get("LUPA_SECRET_KEY")),
        key_problem("LUPA_SIGNING_KEY", environ.get("LUPA_SIGNING_KEY")),
        key_problem("LUPA_ENCRYPTION_KEY", environ.get("LUPA_ENCRYPTION_KEY")),
        public_url_problem(environ.get("LUPA_PUBLIC_URL")),
    ]
    if _flag(environ.get("LUPA_METRICS_ENABLED")):
        problems.append(metrics_token_problem(environ.get("LUPA_METRICS_TOKEN")))
    out = [p for p in problems if p]
    if not (environ.get("LUPA_SMTP_HOST") or "").strip() and \
            environ.get("LUPA_MAIL_BACKEND") != "console":
        out.append("LUPA_SMTP_HOST is required to send mails (LUPA_MAIL_BACKEND=console prints "
                   "them, with their links, on the console instead: for a trial, never in "
                   "production)")
    names = (*REQUIRED[:3], "LUPA_METRICS_TOKEN")
    values = {name: (environ.get(name) or "").strip() for name in names}
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if values[first] and values[first] == values[second]:
                out.append(f"{first} and {second} must be different, independent secrets")
    return out
