"""Helpers shared by the marketing tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.conftest import bearer

BASE = "/api/v1/sites/demo"


def admin(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["admin"])


def sender(demo: dict) -> dict[str, str]:
    return bearer(demo["keys"]["sender"])


def new_subject(client: Any, demo: dict, **identifiers: str) -> str:
    resp = client.post(f"{BASE}/subjects", json=identifiers, headers=admin(demo))
    assert resp.status_code in (200, 201), resp.get_json()
    return str(resp.get_json()["id"])


def put_permission(client: Any, demo: dict, sid: str, purpose: str, channel: str, state: str,
                   source: str = "test-form", **evidence: Any) -> Any:
    return client.put(f"{BASE}/subjects/{sid}/permissions/{purpose}/{channel}",
                      json={"state": state, "evidence": {"source": source, **evidence}},
                      headers=admin(demo))


def check(client: Any, demo: dict, recipients: list[str], purpose: str = "newsletter",
          channel: str = "email", **extra: Any) -> dict[str, Any]:
    resp = client.post(f"{BASE}/checks", json={"purpose": purpose, "channel": channel,
                                                "recipients": recipients, **extra},
                       headers=sender(demo))
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


def reasons(body: dict[str, Any]) -> list[str | None]:
    return [r["reason"] for r in body["results"]]


def count(app: Flask, table: str, where: str = "1=1") -> int:
    from service.extensions import db

    with app.app_context():
        return int(db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}"))
                   .scalar_one())


def audit_actions(app: Flask) -> list[str]:
    from service.extensions import db

    with app.app_context():
        return [a for (a,) in db.session.execute(
            sa.text("SELECT action FROM audit_entries ORDER BY id"))]


def random_population(app: Flask, n: int, seed: int = 20261202
                      ) -> tuple[int, dict[bytes, tuple[int, int]]]:
    """n subjects of the demo site with random mixes of exact and `*` permission rows,
    states, prohibitions and restriction; -> site id, {keyed hash: (subject id, the answer
    marketing.outcome_of gives for newsletter by email)}."""
    import random
    import uuid

    from service.domain import marketing, sites
    from service.domain.marketing import crypto
    from service.extensions import db
    from service.models import MarketingPermission, Subject, SubjectIdentifier
    from service.models.types import utcnow

    rng = random.Random(seed)
    patterns = [("newsletter", "email"), ("newsletter", "*"), ("*", "email"), ("*", "*"),
                ("offers", "email"), ("newsletter", "sms"), ("*", "sms")]
    states = ["none", "pending", "granted", "withdrawn"]
    expected: dict[bytes, tuple[int, int]] = {}
    with app.app_context():
        site = sites.get_site("demo")
        key = crypto.lookup_key(site.id)
        for i in range(n):
            subject = Subject(public_id=str(uuid.uuid4()), site_id=site.id,
                              restricted_at=utcnow() if rng.random() < 0.15 else None)
            db.session.add(subject)
            db.session.flush()
            digest = crypto.lookup_hash(key, "email", f"fold{i}@example.fi")
            db.session.add(SubjectIdentifier(site_id=site.id, subject_id=subject.id,
                                             kind="email", lookup_hash=digest, ciphertext=b"-"))
            rows = []
            for purpose, channel in rng.sample(patterns, rng.randint(0, 4)):
                state, prohibited = rng.choice(states), rng.random() < 0.2
                db.session.add(MarketingPermission(
                    site_id=site.id, subject_id=subject.id, purpose=purpose, channel=channel,
                    state=state, prohibited=prohibited, updated_at=utcnow()))
                rows.append((purpose, channel, state, prohibited))
            expected[digest] = (subject.id, marketing.outcome_of(
                rows, "newsletter", "email", subject.restricted_at is not None))
        db.session.commit()
        return site.id, expected


def random_population_by_basis(app: Flask, n: int, basis: str, purpose: str = "research",
                               channel: str = "phone", seed: int = 20261210
                               ) -> tuple[int, dict[bytes, tuple[int, int]]]:
    """n subjects of the demo site with random permission rows (exact, `*` and the kind rows
    that cover research by phone: market research and distance selling, and one that does
    not: list publication), restrictions and customer relationships (past, current, future,
    ended today) -> site id, {keyed hash: (subject id, marketing.outcome_of's answer for P on
    C on this basis, with relationships.is_active for today)}."""
    import random
    import uuid
    from datetime import timedelta

    from service.domain import marketing, sites
    from service.domain.marketing import crypto, relationships
    from service.extensions import db
    from service.models import MarketingPermission, Subject, SubjectIdentifier
    from service.models.types import utcnow

    rng = random.Random(seed)
    patterns = [(purpose, channel), (purpose, "*"), ("*", channel), ("*", "*"),
                ("offers", channel), (purpose, "email"), ("kind:market_research", "*"),
                ("kind:distance_selling", "*"), ("kind:list_publication", "*")]
    states = ["none", "pending", "granted", "withdrawn"]
    today = relationships.today()
    days = [None, today - timedelta(days=400), today - timedelta(days=1), today,
            today + timedelta(days=1), today + timedelta(days=30)]
    expected: dict[bytes, tuple[int, int]] = {}
    with app.app_context():
        site = sites.get_site("demo")
        key = crypto.lookup_key(site.id)
        for i in range(n):
            start, end = rng.choice(days), rng.choice(days)
            subject = Subject(public_id=str(uuid.uuid4()), site_id=site.id,
                              restricted_at=utcnow() if rng.random() < 0.1 else None,
                              relationship_start=start, relationship_end=end)
            db.session.add(subject)
            db.session.flush()
            digest = crypto.lookup_hash(key, "email", f"basis{i}@example.fi")
            db.session.add(SubjectIdentifier(site_id=site.id, subject_id=subject.id,
                                             kind="email", lookup_hash=digest, ciphertext=b"-"))
            rows = []
            for p, c in rng.sample(patterns, rng.randint(0, 4)):
                state, prohibited = rng.choice(states), rng.random() < 0.2
                db.session.add(MarketingPermission(
                    site_id=site.id, subject_id=subject.id, purpose=p, channel=c,
                    state=state, prohibited=prohibited, updated_at=utcnow()))
                rows.append((p, c, state, prohibited))
            expected[digest] = (subject.id, marketing.outcome_of(
                rows, purpose, channel, subject.restricted_at is not None, basis,
                relationships.is_active(start, end, today)))
        db.session.commit()
        return site.id, expected


def sent() -> None:
    """Wait until every mail and SMS queued so far has been handed over."""
    from service.domain.marketing import outbox

    assert outbox.wait_idle(10.0), "messages still queued after 10 s"


def printed(action: Any) -> str:
    """What the console mailer and SMS backend print while `action()` runs and its messages
    are sent (the app has no LUPA_SMTP_HOST / LUPA_SMS_URL: the demo's console backends)."""
    import contextlib
    import io

    sent()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        action()
        sent()
    return buf.getvalue()


def preferences_path(client: Any, email: str, lang: str = "en") -> str:
    """Ask for a preference link on the tokenless page and follow the mail it sends (the
    path of the link, without its query)."""
    import re

    out = printed(lambda: client.post("/sites/demo/preferences",
                                      data={"email": email, "lang": lang}))
    links = re.findall(r"http://localhost(/sites/demo/preferences/[^?\s]+)", out)
    assert len(links) == 1, out
    return links[0]
