"""`lupa request`: data-subject requests that came by e-mail, letter or phone: record one,
list the inbox with due dates, complete one (the same domain functions as the console and
the API)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click
from flask.cli import with_appcontext

from service.cli.common import cli_actor, echo_table, fail, output_stream
from service.domain import rights, sites
from service.domain.marketing import permission_cache
from service.errors import DomainError
from service.extensions import db
from service.models.types import utcnow

IDENTIFIER_OPTIONS = (
    click.option("--email", default=None, help="The person's e-mail address."),
    click.option("--phone", default=None, help="The person's phone number."),
    click.option("--customer-number", default=None, help="The person's customer number."),
)


def identifiers(email: str | None, phone: str | None, customer_number: str | None
                ) -> dict[str, str]:
    given = {"email": email, "phone": phone, "customer_number": customer_number}
    return {k: v for k, v in given.items() if v}


def with_identifiers(f):  # type: ignore[no-untyped-def]
    for option in reversed(IDENTIFIER_OPTIONS):
        f = option(f)
    return f


@click.group("request")
def request_group() -> None:
    """Data-subject requests received by e-mail, letter or phone."""


def _received(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("a day as YYYY-MM-DD", param_hint="--received") from exc
    now = utcnow()
    return now if day == now.date() else datetime(day.year, day.month, day.day, tzinfo=UTC)


@request_group.command("create")
@click.option("--site", "slug", required=True)
@click.option("--kind", required=True, type=click.Choice(rights.KINDS))
@with_identifiers
@click.option("--via", default="email", show_default=True, type=click.Choice(rights.CHANNELS),
              help="How the request came.")
@click.option("--received", default=None, help="The day it arrived (YYYY-MM-DD; default today).")
@click.option("--note", default=None, help="What was asked (kept with the request, not audited).")
@with_appcontext
def request_create(slug: str, kind: str, email: str | None, phone: str | None,
                   customer_number: str | None, via: str, received: str | None,
                   note: str | None) -> None:
    """Record a request to complete later; prints its id as the last line of stdout."""
    found = identifiers(email, phone, customer_number)
    if len(found) != 1:
        raise click.UsageError("Give one of --email, --phone or --customer-number.")
    [(id_kind, value)] = found.items()
    try:
        req = rights.record(sites.get_site(slug), kind, id_kind, value, via, cli_actor(),
                            received_at=_received(received), note=note)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"# {kind} request received {req.received_at.date()}, due "
               f"{rights.due_at(req.received_at).date()}", err=True)
    click.echo(req.public_id)


@request_group.command("list")
@click.option("--site", "slug", required=True)
@click.option("--open", "open_only", is_flag=True, help="Only requests not completed yet.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@with_appcontext
def request_list(slug: str, open_only: bool, as_json: bool) -> None:
    """The site's requests: received, due (one month of receipt), days left, kind, status."""
    try:
        rows = rights.inbox(sites.get_site(slug), open_only=open_only)
    except DomainError as exc:
        fail(exc)
    if as_json:
        out = [{k: v for k, v in r.items() if k not in ("received", "due")} for r in rows]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    echo_table(["ID", "RECEIVED", "DUE", "DAYS LEFT", "KIND", "STATUS", "VIA"],
               [[r["id"], r["received_at"][:10], r["due_at"][:10],
                 "-" if r["days_left"] is None else str(r["days_left"]), r["kind"],
                 r["status"] + (" (late)" if r["late"] else ""), r["via"]] for r in rows])


@request_group.command("complete")
@click.option("--site", "slug", required=True)
@click.argument("request_id")
@with_identifiers
@click.option("--output", "-o", default="-", show_default=True,
              help="Where an access request's export (JSON) is written.")
@click.option("--yes", is_flag=True, help="Erase without asking.")
@with_appcontext
def request_complete(slug: str, request_id: str, email: str | None, phone: str | None,
                     customer_number: str | None, output: str, yes: bool) -> None:
    """Carry out a recorded request (rectification: give the corrected values)."""
    try:
        site = sites.get_site(slug)
        req, _ = rights.get_request(site, request_id)
        if req.kind == "erasure" and not yes:
            click.confirm("Erase this person's data for good (their key is destroyed)?",
                          abort=True)
        req, export = rights.complete(site, request_id, cli_actor(),
                                      identifiers(email, phone, customer_number) or None)
    except DomainError as exc:
        fail(exc)
    db.session.commit()
    permission_cache.after_commit(site.id)
    if export is not None:
        with output_stream(output) as out:
            out.write(json.dumps(export, ensure_ascii=False, indent=1) + "\n")
    click.echo(f"completed {req.kind} request {req.public_id}", err=True)
