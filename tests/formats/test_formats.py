"""The formats registry: each kind's writers, their bytes, and content negotiation."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import MIMEAccept

from service import formats
from service.formats.recipients import csv_recipients, ndjson_recipients


def accept(header: str | None) -> MIMEAccept:
    if header is None:
        return MIMEAccept()
    from werkzeug.http import parse_accept_header

    return parse_accept_header(header, MIMEAccept)


def test_each_kind_lists_its_formats_default_first() -> None:
    assert formats.formats_of("check-answers") == ("ndjson", "csv")  # a new writer: its line here
    assert formats.formats_of("audit-entries") == ("jsonl", "csv")
    assert formats.formats_of("suppressions") == ("ndjson", "csv")


@pytest.mark.parametrize(("header", "fallback", "expected"), [
    (None, None, "ndjson"),          # no Accept: the kind's default
    (None, "csv", "csv"),            # no Accept: the caller's fallback (the body's own format)
    ("text/csv", None, "csv"),
    ("application/x-ndjson", "csv", "ndjson"),
    ("text/csv;q=0.5, application/x-ndjson", None, "ndjson"),
    ("*/*", None, "ndjson"),         # a wildcard takes the default
    ("image/png", None, "ndjson"),   # nothing acceptable: the default rather than a 406
])
def test_negotiation_picks_the_writer_the_accept_header_asks_for(
        header: str | None, fallback: str | None, expected: str) -> None:
    assert formats.negotiate("check-answers", accept(header), fallback).name == expected


def test_check_answers_are_written_with_the_outcome_as_reason() -> None:
    """Each answer: may contact or why not, and on which basis it may (consent: code 0;
    a customer relationship: 7; unless prohibited: 8)."""
    batch = (["a@example.fi", "b@example.fi", "c", "d@example.fi", "e@example.fi"],
             [0, 3, 6, 7, 8])
    ndjson = formats.writer("check-answers", "ndjson")
    assert ndjson.rows(batch) == (
        b'{"recipient":"a@example.fi","may_contact":true,"reason":null,"basis":"consent"}\n'
        b'{"recipient":"b@example.fi","may_contact":false,"reason":"prohibited","basis":null}\n'
        b'{"recipient":"c","may_contact":false,"reason":"invalid","basis":null}\n'
        b'{"recipient":"d@example.fi","may_contact":true,"reason":null,'
        b'"basis":"customer_relationship"}\n'
        b'{"recipient":"e@example.fi","may_contact":true,"reason":null,'
        b'"basis":"unless_prohibited"}\n')
    assert ndjson.tail is not None and ndjson.tail({"total": 3}) == b'{"summary":{"total":3}}\n'
    csv = formats.writer("check-answers", "csv")
    assert csv.head + csv.rows(batch) == (b"recipient,may_contact,reason,basis\n"
                                          b"a@example.fi,true,,consent\n"
                                          b"b@example.fi,false,prohibited,\n"
                                          b"c,false,invalid,\n"
                                          b"d@example.fi,true,,customer_relationship\n"
                                          b"e@example.fi,true,,unless_prohibited\n")
    assert csv.error is None and csv.tail is None  # CSV has no place for them


def test_audit_entries_and_suppressions_stream_a_header_then_rows() -> None:
    entry = {"site": "demo", "seq": 1, "ts": "t", "actor": "cli", "action": "site.created",
             "subject": None, "payload": "{}", "prev_hash": "0", "hash": "h", "v": 2,
             "payload_hash": "p"}
    csv = b"".join(formats.writer("audit-entries", "csv").stream([[entry]]))
    assert csv.splitlines() == [b"site,seq,ts,actor,action,subject,payload,prev_hash,hash,v,"
                                b"payload_hash", b"demo,1,t,cli,site.created,,{},0,h,2,p"]
    jsonl = b"".join(formats.writer("audit-entries").stream([[{"b": 1, "a": "\u00e4"}]]))
    assert jsonl == '{"a": "\u00e4", "b": 1}\n'.encode()
    rows = [{"email": "a@example.fi", "reason": "withdrawn", "subject": "s1"}]
    assert b"".join(formats.writer("suppressions", "csv").stream([rows])) == (
        b"email,phone,customer_number,reason,subject\na@example.fi,,,withdrawn,s1\n")


def test_a_registered_writer_is_offered_and_negotiated() -> None:
    from service.formats import registry

    def tsv_rows(batch: tuple[list[str], list[int]]) -> bytes:
        return "".join(f"{r}\t{c}\n" for r, c in zip(*batch, strict=True)).encode()

    trial = formats.Writer("trial-tsv", "text/x-trial-tsv", "tsv", tsv_rows)
    formats.register("check-answers", trial)
    try:
        assert "trial-tsv" in formats.formats_of("check-answers")
        chosen = formats.negotiate("check-answers", accept("text/x-trial-tsv"))
        assert chosen.rows((["a"], [0])) == b"a\t0\n"
    finally:
        del registry._WRITERS["check-answers"]["trial-tsv"]


def test_recipient_readers_skip_a_header_and_read_every_ndjson_shape() -> None:
    body = b'email\nanna@example.fi\n"quoted@example.fi"\n'
    assert list(csv_recipients(io.BytesIO(body))) == ["anna@example.fi", "quoted@example.fi"]
    nd = b'"a@example.fi"\n{"recipient": "+358401234567"}\nplain@example.fi\n{"x": 1}\n'
    assert list(ndjson_recipients(io.BytesIO(nd))) == ["a@example.fi", "+358401234567",
                                                      "plain@example.fi", ""]


# -- CSV cells a spreadsheet would run (OWASP CSV injection) ------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x.invalid\",\"a\")", "+cmd|' /C calc'!A0", "-2+3+cmd|x!A0",
            "@SUM(1+1)*cmd|x!A0", "\t=1+1", "\r=1+1", "'=already quoted"]
PLAIN = ["a@example.fi", "+358401234567", "-5", "1.5", "", "x=1", "O'Brien", "a\r=1+1",
         "a\n=1+1"]  # a CR or LF inside a cell: quoted, so no row can start at it


def _csv_cells(kind: str, value: str) -> list[str]:
    """The data cells written for one row of `kind` whose text fields all hold `value`."""
    import csv as csv_module

    batch: object
    if kind == "check-answers":
        batch = ([value], [3])
    elif kind == "audit-entries":
        batch = [{"site": value, "seq": 1, "ts": value, "actor": value, "action": value,
                  "subject": value, "payload": value, "prev_hash": value, "hash": value, "v": 2,
                  "payload_hash": value}]
    else:  # a new kind with a CSV writer: add its row here
        assert kind == "suppressions", kind
        batch = [{"email": value, "phone": value, "customer_number": value, "reason": value,
                  "subject": value}]
    body = formats.writer(kind, "csv").rows(batch).decode()
    [row] = list(csv_module.reader(io.StringIO(body, newline="")))
    return [cell for cell in row if cell not in ("", "2", "1", "false", "prohibited")] \
        if value else [""]


@pytest.mark.parametrize("kind", ["check-answers", "audit-entries", "suppressions"])
def test_every_csv_writer_quotes_cells_a_spreadsheet_would_run(kind: str) -> None:
    """OWASP: a cell starting with = + - @ tab or CR gets a leading single quote (and one
    starting with a quote one more, so that dropping one leading quote reverses it); plain
    numbers such as an E.164 phone stay as they are."""
    from service.formats import registry

    csv_kinds = {k for k, ws in registry._WRITERS.items()
                 if any(w.media_type == "text/csv" for w in ws.values())}
    assert csv_kinds == {"check-answers", "audit-entries", "suppressions"}  # a new one: above
    for value in FORMULAS:
        cells = _csv_cells(kind, value)
        assert cells and all(cell == "'" + value for cell in cells), (value, cells)
    for value in PLAIN:
        cells = _csv_cells(kind, value)
        assert all(cell == value for cell in cells), (value, cells)
