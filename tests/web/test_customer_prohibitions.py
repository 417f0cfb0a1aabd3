"""The customer's preferences page with a notice of bases and kinds (issue 12): "what we may
send you" lists only what is sent (not disclosure or list publication), ticks a customer's
soft opt-in until they object, and apart from it each kind of prohibition the notice offers
is shown with its state, set and lifted by the customer; in fi, sv and en."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.marketing.test_bases import answer, bases, relationship  # noqa: F401
from tests.marketing_helpers import BASE, admin, new_subject, preferences_path


def preferences(client: Any, demo: dict, email: str) -> str:
    """A preference link mailed to the address on request (senders get none)."""
    return preferences_path(client, email)


@pytest.fixture()
def customer(client: Any, bases: dict) -> str:  # noqa: F811
    sid = new_subject(client, bases, email="sivu@example.fi")
    relationship(client, bases, sid, "past")
    return preferences(client, bases, "sivu@example.fi")


def test_sends_and_prohibitions_are_apart(client: Any, bases: dict,  # noqa: F811
                                          customer: str) -> None:
    page = client.get(customer + "?lang=en").get_data(as_text=True)
    sends, _, rest = page.partition('id="prohibitions-title">Prohibitions</h2>')
    assert 'value="newsletter:email" checked' in sends  # a customer's soft opt-in
    assert 'value="offers:email">' in sends  # consent: not ticked without a grant
    assert "list_publication:" not in sends and "third_party_disclosure:" not in sends
    assert "We send this to our customers until you object." in sends
    for title in ("All direct marketing", "Distance selling and telephone sales",
                  "Market and opinion research", "Disclosure of your address",
                  "Publication in a list"):
        assert title in rest
    assert "This prohibition is in force." not in rest
    fi = client.get(customer + "?lang=fi").get_data(as_text=True)
    assert "Kiellot" in fi and "Julkaiseminen luettelona" in fi and "Mitä saamme" in fi
    sv = client.get(customer + "?lang=sv").get_data(as_text=True)
    assert "Förbud" in sv and "Utlämnande av adressuppgifter" in sv


def test_the_customer_sets_and_lifts_each_kind(client: Any, bases: dict,  # noqa: F811
                                               customer: str) -> None:
    assert answer(client, bases, "sivu@example.fi", "list_publication", "post") == (
        None, "unless_prohibited")
    client.post(customer, data={"action": "prohibit:list_publication", "lang": "en"})
    page = client.get(customer + "?lang=en").get_data(as_text=True)
    section = page.split('id="prohibition-list_publication"')[1].split("</section>")[0]
    assert "This prohibition is in force." in section and 'value="lift:list_publication"' \
        in section
    assert answer(client, bases, "sivu@example.fi", "list_publication", "post") == (
        "prohibited", None)
    assert answer(client, bases, "sivu@example.fi", "newsletter") == (
        None, "customer_relationship")  # a list prohibition is not an objection to mail
    sid = client.post(f"{BASE}/subjects", json={"email": "sivu@example.fi"},
                      headers=admin(bases)).get_json()["id"]
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(bases)).get_json()
    assert detail["prohibition_kinds"] == ["list_publication"]
    assert detail["history"][-1]["actor"] == f"subject:{sid}"
    client.post(customer, data={"action": "lift:list_publication"})
    assert answer(client, bases, "sivu@example.fi", "list_publication", "post") == (
        None, "unless_prohibited")


def test_unticking_a_soft_opt_in_is_an_objection(client: Any, bases: dict,  # noqa: F811
                                                 customer: str) -> None:
    client.post(customer, data={"action": "save", "perm": ["newsletter:sms"]})
    assert answer(client, bases, "sivu@example.fi", "newsletter") == ("withdrawn", None)
    assert answer(client, bases, "sivu@example.fi", "newsletter", "sms") == (
        None, "customer_relationship")
    assert answer(client, bases, "sivu@example.fi", "offers") == ("no_permission", None)


def test_only_offered_kinds_can_be_set(client: Any, demo: dict) -> None:
    """The demo notice v1 offers no kind: the customer may prohibit all direct marketing
    (the law's right) but no other kind."""
    new_subject(client, demo, email="v1sivu@example.fi")
    url = preferences(client, demo, "v1sivu@example.fi")
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "All direct marketing" in page and "Publication in a list" not in page
    client.post(url, data={"action": "prohibit:list_publication"})
    sid = client.post(f"{BASE}/subjects", json={"email": "v1sivu@example.fi"},
                      headers=admin(demo)).get_json()["id"]
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    assert detail["prohibition_kinds"] == []
    client.post(url, data={"action": "prohibit_all"})
    detail = client.get(f"{BASE}/subjects/{sid}", headers=admin(demo)).get_json()
    assert detail["prohibition_kinds"] == ["direct_marketing"]
