"""Fresh, strong secrets and a public URL for a benchmark's own `service.wsgi:app`, which,
like `lupa serve`, refuses to start without them or with weak or placeholder values."""

from __future__ import annotations

import base64
import secrets


def production_env(public_url: str = "http://127.0.0.1") -> dict[str, str]:
    """LUPA_SECRET_KEY, LUPA_SIGNING_KEY, LUPA_ENCRYPTION_KEY, LUPA_METRICS_TOKEN (independent),
    LUPA_PUBLIC_URL, and mails on the console (LUPA_MAIL_BACKEND=console: a benchmark has no
    SMTP server)."""
    return {"LUPA_SECRET_KEY": secrets.token_urlsafe(32),
            "LUPA_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "LUPA_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "LUPA_METRICS_TOKEN": secrets.token_urlsafe(32),
            "LUPA_PUBLIC_URL": public_url, "LUPA_MAIL_BACKEND": "console"}
