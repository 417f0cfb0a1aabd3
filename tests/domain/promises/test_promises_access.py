"""Who may access (issue 12, item 3): the site's keys by role with their creation date, who
created them and their last use, reported as not checkable, never as holding."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import demo_notice
from tests.domain.promises.test_promises import promise, report


def test_keys_by_role_with_their_creation_and_last_use(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import sites
    from service.domain.sites import keys
    from service.extensions import db

    with app.app_context():
        site = sites.get_site("demo")
        extra_id = keys.create_key(site, "sender", "test")[0].key_id
        keys.revoke_key(site, extra_id, "test")
        db.session.commit()
    access = promise(report(client, demo), "access_by_role")
    # the demo notice has security.text only: nothing stated on access to judge
    assert access["status"] == "not_applicable" and access["notice"] == "security.electronic"
    assert access["counts"] == {"admin": 1, "sender": 1, "auditor": 1, "revoked": 1}
    assert sorted(e["role"] for e in access["evidence"]) == ["admin", "auditor", "sender"]
    assert all(e["created_at"].endswith("Z") and e["created_by"] == "test"
               for e in access["evidence"])
    # The auditor key that asked for the report was used just now; the others never were.
    used = {e["role"]: e["last_used"] for e in access["evidence"]}
    assert used["admin"] is None and used["sender"] is None
    assert used["auditor"] is not None and used["auditor"].endswith("Z")
    assert extra_id not in str(access["evidence"])


def test_a_stated_access_rule_is_not_checkable(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import notices, sites
    from service.extensions import db

    data = demo_notice()
    words = "Vain nimetyillä työntekijöillä on pääsy tietoihin."
    data["security"]["access"] = {"fi": words, "sv": "...", "en": "..."}
    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), data, "test")
        db.session.commit()
    access = promise(report(client, demo), "access_by_role")
    assert access["status"] == "not_checkable" and access["notice"] == "security.access"
    assert access["sentence"] == words
