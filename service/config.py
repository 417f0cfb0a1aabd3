"""Configuration: typed defaults overridden by LUPA_* environment variables."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from service.secret_checks import public_url_problem


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs as operators write them and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance_path: Path, name: str, make: Any) -> str:
    """Read or create a per-instance secret file, for the embedded default only."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return str(value)


def new_signing_key() -> str:
    """A fresh Ed25519 private key as base64 of its 32 raw bytes."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def new_encryption_key() -> str:
    """A fresh identifier master key (AES-256) as base64 of its 32 raw bytes."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _flag_or_none(value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    return value.strip().lower() not in ("0", "false", "no", "off")


def load_config(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the Flask config from the environment; secrets fall back to instance files (the
    embedded default: `lupa serve` and the WSGI entry refuse to start without them set)."""
    inst = Path(instance_path)
    database_url = environ.get("LUPA_DATABASE_URL") or f"sqlite:///{inst / 'lupa.db'}"
    cfg: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": environ.get("LUPA_REDIS_URL") or None,
        "SECRET_KEY": environ.get("LUPA_SECRET_KEY")
        or _instance_secret(inst, "secret_key", lambda: secrets.token_urlsafe(32)),
        "LUPA_SIGNING_KEY": environ.get("LUPA_SIGNING_KEY")
        or _instance_secret(inst, "signing_key", new_signing_key),
        # Independent of LUPA_SECRET_KEY: never derived from it (see domain/marketing/crypto.py).
        "LUPA_ENCRYPTION_KEY": environ.get("LUPA_ENCRYPTION_KEY")
        or _instance_secret(inst, "encryption_key", new_encryption_key),
        # Where the key came from when not from the environment (a re-wrap checks it).
        "LUPA_ENCRYPTION_KEY_FILE": None if environ.get("LUPA_ENCRYPTION_KEY")
        else str(inst / "encryption_key"),
        "LUPA_CHECKPOINT_EVERY": int(environ.get("LUPA_CHECKPOINT_EVERY", "100")),
        "LUPA_PROXY_COUNT": int(environ.get("LUPA_PROXY_COUNT", "0")),
        "LUPA_LOG_LEVEL": environ.get("LUPA_LOG_LEVEL", "INFO"),
        "LUPA_CONFIG_MAX_AGE": int(environ.get("LUPA_CONFIG_MAX_AGE", "60")),
        # Seconds a worker reuses a rendered widget config before asking Redis or the database.
        "LUPA_CONFIG_LOCAL_TTL": float(environ.get("LUPA_CONFIG_LOCAL_TTL", "2")),
        # None: on, except in TESTING apps (a test that pins limiting turns it on explicitly).
        "LUPA_RATELIMIT_ENABLED": _flag_or_none(environ.get("LUPA_RATELIMIT_ENABLED")),
        # Per site and client address; `;` separates several limits (flask-limiter syntax).
        "LUPA_RATELIMIT_PUBLIC_READ": environ.get("LUPA_RATELIMIT_PUBLIC_READ",
                                                  "1200/minute;100/second"),
        "LUPA_RATELIMIT_PUBLIC_WRITE": environ.get("LUPA_RATELIMIT_PUBLIC_WRITE",
                                                   "120/minute;20/second"),
        "LUPA_RATELIMIT_STRATEGY": environ.get("LUPA_RATELIMIT_STRATEGY", "fixed-window"),
        "LUPA_RATELIMIT_STORAGE_URL": environ.get("LUPA_RATELIMIT_STORAGE_URL") or None,
        "LUPA_HSTS_MAX_AGE": int(environ.get("LUPA_HSTS_MAX_AGE", "63072000")),
        # Auditor pages: seconds a session lives after sign-in whatever is done (absolute),
        # and without a request (idle); a sign-out ends it at once.
        "LUPA_AUDITOR_SESSION_MAX_AGE": int(environ.get("LUPA_AUDITOR_SESSION_MAX_AGE",
                                                        str(8 * 3600))),
        "LUPA_AUDITOR_SESSION_IDLE": int(environ.get("LUPA_AUDITOR_SESSION_IDLE",
                                                     str(30 * 60))),
        # /metrics: off when false; with a token it wants `Authorization: Bearer <token>`,
        # without one it answers only this machine (the demo). `lupa serve` wants a token.
        "LUPA_METRICS_ENABLED": _flag_or_none(environ.get("LUPA_METRICS_ENABLED")) is not False,
        "LUPA_METRICS_TOKEN": environ.get("LUPA_METRICS_TOKEN") or None,
        # Days a scan's raw record and screenshots are kept (`lupa retention purge`; the
        # latest scan of a site is always kept whole; findings and digests stay).
        "LUPA_SCAN_RETENTION_DAYS": int(environ.get("LUPA_SCAN_RETENTION_DAYS", "180")),
    }
    cfg.update(marketing_settings(environ))
    return cfg


def check_config(cfg: Mapping[str, Any]) -> None:
    """Fail early with a clear message when a setting cannot work."""
    try:
        raw = base64.b64decode(cfg["LUPA_SIGNING_KEY"], validate=True)
    except (ValueError, TypeError) as exc:
        raise ConfigError("LUPA_SIGNING_KEY must be base64 of 32 bytes") from exc
    if len(raw) != 32:
        raise ConfigError("LUPA_SIGNING_KEY must be base64 of 32 bytes (an Ed25519 seed)")
    if not cfg.get("SECRET_KEY"):
        raise ConfigError("LUPA_SECRET_KEY is required")
    try:
        encryption = base64.b64decode(str(cfg.get("LUPA_ENCRYPTION_KEY") or ""), validate=True)
    except (ValueError, TypeError) as exc:
        raise ConfigError("LUPA_ENCRYPTION_KEY must be base64 of 32 bytes") from exc
    if len(encryption) != 32:
        raise ConfigError("LUPA_ENCRYPTION_KEY must be base64 of 32 bytes")
    if cfg.get("LUPA_PUBLIC_URL") and (
            problem := public_url_problem(cfg["LUPA_PUBLIC_URL"], placeholders=False)):
        raise ConfigError(problem)
    sms_url = str(cfg.get("LUPA_SMS_URL") or "")
    if sms_url and not (urlsplit(sms_url).scheme in ("http", "https")
                        and urlsplit(sms_url).hostname):
        raise ConfigError("LUPA_SMS_URL must be an http(s) URL of the SMS gateway")
    if (cfg.get("LUPA_MAIL_BACKEND") or "smtp") not in ("smtp", "console"):
        raise ConfigError("LUPA_MAIL_BACKEND must be smtp or console")
    for name in ("LUPA_SMS_CODE_ATTEMPTS", "LUPA_SMS_CODE_MAX_AGE", "LUPA_RIGHTS_LINK_MAX_AGE"):
        if int(cfg.get(name, 1)) < 1:
            raise ConfigError(f"{name} must be at least 1")
    if int(cfg.get("LUPA_MESSAGES_PER_RECIPIENT_HOUR", 1)) < 1:
        raise ConfigError("LUPA_MESSAGES_PER_RECIPIENT_HOUR must be at least 1")
    if int(cfg.get("LUPA_CHECKPOINT_EVERY", 1)) < 1:
        raise ConfigError("LUPA_CHECKPOINT_EVERY must be at least 1")


def marketing_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Direct marketing: identifier encryption, signed links, SMTP for double opt-in."""
    return {
        # Absolute base of links in mails and List-Unsubscribe, never the request's Host;
        # unset: no link can be built (`lupa serve` requires it, the demo sets its own).
        "LUPA_PUBLIC_URL": (environ.get("LUPA_PUBLIC_URL") or "").rstrip("/") or None,
        "LUPA_OPTIN_MAX_AGE": int(environ.get("LUPA_OPTIN_MAX_AGE", str(48 * 3600))),
        "LUPA_UNSUBSCRIBE_MAX_AGE": int(environ.get("LUPA_UNSUBSCRIBE_MAX_AGE",
                                                    str(400 * 86400))),
        "LUPA_PREFERENCES_MAX_AGE": int(environ.get("LUPA_PREFERENCES_MAX_AGE",
                                                    str(30 * 86400))),
        # Unset host: confirmation mails are printed to the console (the demo and tests);
        # `lupa serve` refuses to start without a host unless LUPA_MAIL_BACKEND=console
        # (a trial: links in mails end up in the log; never in production).
        "LUPA_SMTP_HOST": environ.get("LUPA_SMTP_HOST") or None,
        "LUPA_MAIL_BACKEND": environ.get("LUPA_MAIL_BACKEND") or None,
        "LUPA_SMTP_PORT": int(environ.get("LUPA_SMTP_PORT", "587")),
        "LUPA_SMTP_USER": environ.get("LUPA_SMTP_USER") or None,
        "LUPA_SMTP_PASSWORD": environ.get("LUPA_SMTP_PASSWORD") or None,
        "LUPA_SMTP_SECURITY": environ.get("LUPA_SMTP_SECURITY", "starttls"),  # starttls|ssl|none
        "LUPA_SMTP_FROM": environ.get("LUPA_SMTP_FROM", "Lupa <no-reply@localhost>"),
        "LUPA_SMTP_TIMEOUT": float(environ.get("LUPA_SMTP_TIMEOUT", "10")),
        # Download and erasure from the customer pages need a link mailed at most this long ago.
        "LUPA_RIGHTS_LINK_MAX_AGE": int(environ.get("LUPA_RIGHTS_LINK_MAX_AGE", "3600")),
        # Mails and SMS to one recipient (address or number) per hour, across every worker.
        "LUPA_MESSAGES_PER_RECIPIENT_HOUR": int(environ.get("LUPA_MESSAGES_PER_RECIPIENT_HOUR",
                                                            "5")),
        # SMS codes that prove a phone number: an HTTP gateway (JSON POST), or the console when
        # no URL is set in the demo and tests; a production app (service/wsgi.py, what
        # `lupa serve` runs) sets LUPA_SMS_CONSOLE False: no URL, no codes sent.
        # See domain/marketing/sms.py.
        "LUPA_SMS_URL": environ.get("LUPA_SMS_URL") or None,
        "LUPA_SMS_CONSOLE": True,
        "LUPA_SMS_TOKEN": environ.get("LUPA_SMS_TOKEN") or None,
        "LUPA_SMS_FROM": environ.get("LUPA_SMS_FROM", "Lupa"),
        "LUPA_SMS_TIMEOUT": float(environ.get("LUPA_SMS_TIMEOUT", "10")),
        "LUPA_SMS_CODE_MAX_AGE": int(environ.get("LUPA_SMS_CODE_MAX_AGE", "600")),
        "LUPA_SMS_CODE_ATTEMPTS": int(environ.get("LUPA_SMS_CODE_ATTEMPTS", "5")),
        # Largest site (identifiers) whose whole answer set a large check may read into the
        # worker's memory at once (~25 bytes each; 0: never). See domain/checks/snapshot.py.
        "LUPA_CHECK_SNAPSHOT_MAX": int(environ.get("LUPA_CHECK_SNAPSHOT_MAX", "1500000")),
    }
