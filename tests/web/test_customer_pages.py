"""The customer pages as a person meets them (issue 14 item 2): the site's name and a link
back, a stylesheet under the strict CSP, the language kept across every link and form, the
purposes as a list with the notice's titles and descriptions, a used confirm link that says
what it did (and grants nothing again), expired and invalid links that say what to do next,
and mails that state their link's lifetime in the recipient's language."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from tests.conftest import demo_notice
from tests.marketing_helpers import (
    BASE,
    check,
    new_subject,
    preferences_path,
    printed,
    put_permission,
    reasons,
)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def signup(client: Any, lang: str = "en", **overrides: Any) -> str:
    """Sign up for the newsletter by e-mail; the printed mail's text."""
    body = {"email": "sivu.tilaaja@example.fi", "purposes": ["newsletter"],
            "channels": ["email"], "notice_version": 1, "language": lang, **overrides}
    return printed(lambda: client.post(f"{BASE}/signups", json=body,
                                       headers={"Origin": "https://shop.example"}))


def confirm_path(mail: str) -> str:
    match = re.search(r"http://localhost(/sites/demo/confirm/[^?\s]+)\?lang=(\w\w)", mail)
    assert match, mail
    return match.group(1)


def links_and_actions(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


@pytest.mark.parametrize(("lang", "sentence"), [
    ("en", "The link works for 2 days."),
    ("fi", "Linkki on voimassa 2 päivän ajan."),
    ("sv", "Länken gäller i 2 dagar."),
])
def test_the_confirmation_mail_states_the_links_lifetime(client: Any, demo: dict, lang: str,
                                                         sentence: str) -> None:
    """LUPA_OPTIN_MAX_AGE defaults to 48 hours: two days, in the signup's language."""
    assert sentence in signup(client, lang)


def test_a_lifetime_that_is_not_whole_days_is_said_in_hours_or_minutes(
        app: Flask, client: Any, demo: dict) -> None:
    app.config["LUPA_OPTIN_MAX_AGE"] = 5400
    assert "The link works for 90 minutes." in signup(client, "en")
    app.config["LUPA_OPTIN_MAX_AGE"] = 3600
    assert "Linkki on voimassa 1 tunnin ajan." in signup(client, "fi",
                                                         email="toinen@example.fi")


@pytest.mark.parametrize(("lang", "sentences"), [
    ("en", ("The link works for 30 days.", "works for 1 hour after it was sent")),
    ("fi", ("Linkki on voimassa 30 päivän ajan.", "onnistuu sillä 1 tunnin ajan")),
    ("sv", ("Länken gäller i 30 dagar.", "går i 1 timme efter att länken skickades")),
])
def test_the_preference_mail_states_the_links_lifetimes(client: Any, demo: dict, lang: str,
                                                        sentences: tuple[str, str]) -> None:
    """LUPA_PREFERENCES_MAX_AGE defaults to 30 days, LUPA_RIGHTS_LINK_MAX_AGE (download and
    erase) to an hour."""
    new_subject(client, demo, email="tuttu@example.fi")
    mail = printed(lambda: client.post("/sites/demo/preferences",
                                       data={"email": "tuttu@example.fi", "lang": lang}))
    for sentence in sentences:
        assert sentence in mail


def test_the_language_is_kept_in_every_link_and_form(client: Any, demo: dict) -> None:
    new_subject(client, demo, email="tuttu@example.fi", phone="+358401234567")
    mail = printed(lambda: client.post("/sites/demo/preferences",
                                       data={"email": "tuttu@example.fi", "lang": "sv"}))
    assert re.search(r"/sites/demo/preferences/\S+\?lang=sv\b", mail), mail
    path = preferences_path(client, "tuttu@example.fi", lang="sv")
    # The code form appears after asking for a code; the page is asked for without ?lang=,
    # the form's hidden field carries it.
    answers: list[Any] = []
    printed(lambda: answers.append(client.post(path, data={"action": "verify_phone",
                                                           "lang": "sv"})))
    html = answers[0].get_data(as_text=True)
    assert 'id="phone-code"' in html
    own = [u for u in links_and_actions(html) if u.startswith("/sites/")]
    # save, prohibit all, ask for a code, enter the code, download, erase
    assert len(own) == 6 and any("/verify/" in u for u in own), own
    for url in own:
        assert url.endswith("?lang=sv"), url
    switcher = [u for u in links_and_actions(html) if u.startswith("?lang=")]
    assert sorted(switcher) == ["?lang=en", "?lang=fi"]
    # A form posted to its action without the hidden field still answers in Swedish.
    resp = client.post(path + "?lang=sv", data={"action": "save"})
    assert resp.headers["Content-Language"] == "sv" and "Dina val har sparats." in \
        resp.get_data(as_text=True)


def test_the_confirm_page_keeps_the_language(client: Any, demo: dict) -> None:
    path = confirm_path(signup(client, "sv"))
    html = client.get(path + "?lang=sv").get_data(as_text=True)
    assert f'action="{path}?lang=sv"' in html
    assert 'href="/sites/demo/preferences?lang=sv"' in html
    done = client.post(f"{path}?lang=sv").get_data(as_text=True)
    assert "Tack! Din prenumeration är bekräftad." in done


def test_purposes_are_a_list_with_the_notices_titles_and_descriptions(client: Any,
                                                                      demo: dict) -> None:
    new_subject(client, demo, email="tuttu@example.fi")
    path = preferences_path(client, "tuttu@example.fi")
    html = client.get(path + "?lang=en").get_data(as_text=True)
    purposes = html.split('<ul class="purposes">')[1].split("</ul>")[0]
    items = purposes.split('<li class="purpose">')[1:]
    # The demo notice's purposes that are sent (disclosure and list publication are uses,
    # governed by prohibitions), in its order, each with its four channels.
    expected = [("Newsletter", "A newsletter with cleaning tips and news, at most once a "
                 "month."), ("Offers", "Campaigns and offers on our services."),
                ("Market and opinion research", "Surveys in which we ask customers about "
                 "their opinions and needs in order to develop our services."),
                ("Distance selling", "Selling our services by telephone or other means of "
                 "distance communication.")]
    assert len(items) == 4
    for item, (title, description) in zip(items, expected, strict=True):
        assert f">{title}</h3>" in item and description in item
        assert item.count('type="checkbox"') == 4  # email, sms, phone, post
        assert f"<legend class=\"visually-hidden\">Channels: {title}</legend>" in item
    assert "Disclosure to partners" not in purposes
    fi = client.get(path + "?lang=fi").get_data(as_text=True)
    assert ">Uutiskirje</h3>" in fi and "Kampanjat ja tarjoukset palveluistamme." in fi


def test_prohibitions_show_their_state(client: Any, demo: dict) -> None:
    new_subject(client, demo, email="tuttu@example.fi")
    path = preferences_path(client, "tuttu@example.fi")
    html = client.get(path + "?lang=en").get_data(as_text=True)
    section = html.split('id="prohibition-direct_marketing"')[1].split("</li>")[0]
    assert "Not in force." in section and 'value="prohibit_all"' in section
    html = client.post(path + "?lang=en", data={"action": "prohibit_all"}).get_data(as_text=True)
    assert "You have prohibited all direct marketing." in html and 'value="lift"' in html


def test_a_used_confirm_link_says_what_it_did(client: Any, demo: dict) -> None:
    path = confirm_path(signup(client))
    assert "I confirm" in client.get(path + "?lang=en").get_data(as_text=True)
    client.post(path + "?lang=en")
    today = datetime.now(UTC).date()
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert "I confirm" not in html and "<form" not in html
    assert f"You confirmed this on {today.day} {MONTHS[today.month - 1]} {today.year}." in html
    assert "<strong>Newsletter</strong> – email: <span class=\"state state-active\">active" \
        in html
    fi = client.get(path + "?lang=fi").get_data(as_text=True)
    assert f"Vahvistit tämän {today.day}.{today.month}.{today.year}." in fi
    assert "Vahvistan" not in fi and "voimassa" in fi


def test_a_used_confirm_link_grants_nothing_again(client: Any, demo: dict) -> None:
    """Withdrawn after confirming: the old link shows it stopped, and a POST through it does
    not grant it again."""
    path = confirm_path(signup(client))
    client.post(path)
    sid = new_subject(client, demo, email="sivu.tilaaja@example.fi")
    assert put_permission(client, demo, sid, "newsletter", "email", "withdrawn").status_code \
        == 200
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert 'state-stopped">stopped since' in html
    client.post(path + "?lang=en")
    assert reasons(check(client, demo, ["sivu.tilaaja@example.fi"])) == ["withdrawn"]


def test_an_invalid_link_says_what_to_do_next(client: Any, demo: dict) -> None:
    path = confirm_path(signup(client))
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    resp = client.get(tampered + "?lang=en")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "This link is not valid." in html and "Open the link straight from the mail" in html
    assert '<a class="button" href="/sites/demo/preferences?lang=en">Ask for a new link</a>' \
        in html
    sv = client.get(tampered + "?lang=sv").get_data(as_text=True)
    assert "Länken är inte giltig." in sv and "Be om en ny länk" in sv


def test_an_expired_link_says_so_and_what_to_do_next(app: Flask, client: Any,
                                                     demo: dict) -> None:
    path = confirm_path(signup(client))
    app.config["LUPA_OPTIN_MAX_AGE"] = 1
    time.sleep(2.1)
    resp = client.get(path + "?lang=fi")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 410
    assert "Linkki on vanhentunut." in html and "Pyydä uusi linkki sähköpostiisi." in html
    assert 'href="/sites/demo/preferences?lang=fi"' in html


def test_the_site_is_named_and_linked_back(app: Flask, client: Any, demo: dict) -> None:
    """The link back is the site's first origin, or the notice's controller website."""
    html = client.get("/sites/demo/preferences?lang=en").get_data(as_text=True)
    assert '<a class="site-name" href="https://shop.example">Demo Oy</a>' in html
    assert "Back to the website: Demo Oy" in html
    from service.domain import notices, sites
    from service.extensions import db

    notice = demo_notice()
    notice["controller"]["website"] = "https://www.shop.example/"
    with app.app_context():
        notices.publish_notice(sites.get_site("demo"), notice, "test")
        db.session.commit()
    html = client.get("/sites/demo/preferences?lang=en").get_data(as_text=True)
    assert '<a class="site-name" href="https://www.shop.example/">Demo Oy</a>' in html


def test_styled_from_a_stylesheet_under_a_strict_csp(client: Any, demo: dict) -> None:
    resp = client.get("/sites/demo/preferences?lang=en")
    html = resp.get_data(as_text=True)
    csp = resp.headers["Content-Security-Policy"]
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style=" not in html and "<style" not in html and "<script" not in html
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert href and href.group(1).endswith("/customer.css")
    css = client.get(href.group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".purposes" in css.get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_a_one_language_site_offers_no_switcher(app: Flask, client: Any, demo: dict) -> None:
    from service.domain import notices, sites
    from service.extensions import db

    with app.app_context():
        site = sites.create_site("yksi", "Yksi Oy", ["https://yksi.example"], "test", ["fi"])
        notices.publish_notice(site, demo_notice(), "test")
        db.session.commit()
    html = client.get("/sites/yksi/preferences?lang=en").get_data(as_text=True)
    assert '<html lang="fi">' in html and "?lang=" not in html.split("</header>")[0]
    both = client.get("/sites/demo/preferences?lang=fi").get_data(as_text=True)
    assert 'href="?lang=sv"' in both and 'href="?lang=en"' in both
