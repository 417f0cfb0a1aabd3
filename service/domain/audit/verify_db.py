"""Reading a site's chain for verification: plain tuples straight from the DBAPI connection.

The ORM path (`audit.iter_entries`) builds a dict and formats a datetime per row; here the
database formats the timestamp as the hash covers it (`iso_utc`: microsecond ISO-8601 with a
Z), in the session's own transaction. Only values the SQL cannot prove it formats exactly as
`iso_utc` would (stored in another shape, year outside 1000-9999) come back raw and take the
ORM's conversion, so the text fed to the verifier is the same as before, row for row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from service.domain.audit.canonical import iso_utc
from service.domain.audit.chain_fast import Row
from service.extensions import db
from service.models import AuditEntry

BATCH = 20_000

# SQLAlchemy stores SQLite datetimes as naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff': checked
# and rewritten in Python (a regular expression is cheaper than GLOB in SQL, measured).
_SQLITE_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")
_PG_ISO = ("created_at >= TIMESTAMPTZ '1000-01-01 00:00:00+00' "
           "AND created_at < TIMESTAMPTZ '10000-01-01 00:00:00+00'")
_FORMATTED = {
    "sqlite": ("", "created_at"),
    "postgresql": (_PG_ISO,
                   """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""),
}
_COLUMNS = "seq, {ts}, actor, action, subject, payload, prev_hash, hash, hash_version, payload_hash"


def entry_query(dialect: str, bounded: bool) -> str:
    """SQL for a site's entries in chain order, all of them or (bounded) lo <= seq <= hi;
    named parameters site_id, lo, hi (%(x)s on PostgreSQL, :x on SQLite). The last column is
    the raw timestamp where the database could not format it (on SQLite the second column
    is the stored text, formatted by fetch_rows)."""
    cond, fmt = _FORMATTED[dialect]
    ts = f"CASE WHEN {cond} THEN {fmt} END" if cond else fmt
    raw = f"CASE WHEN {cond} THEN NULL ELSE created_at END" if cond else "NULL"
    p = (lambda name: f"%({name})s") if dialect == "postgresql" else (lambda name: f":{name}")
    where = f"site_id = {p('site_id')}"
    if bounded:
        where += f" AND seq >= {p('lo')} AND seq <= {p('hi')}"
    return (f"SELECT {_COLUMNS.format(ts=ts)}, {raw} FROM audit_entries WHERE {where} "
            "ORDER BY seq")


def fetch_rows(dbapi_conn: Any, dialect: str, site_id: int, bounds: tuple[int, int] | None,
               convert: Any) -> Iterator[list[Row]]:
    """Batches of rows (all, or lo <= seq <= hi) from a DBAPI connection, through a
    server-side cursor on PostgreSQL. `convert` turns a raw stored timestamp into the text
    its hash covers."""
    params: dict[str, int] = {"site_id": site_id}
    if bounds is not None:
        params.update(lo=bounds[0], hi=bounds[1])
    if dialect == "postgresql":
        cur = dbapi_conn.cursor(name="lupa_verify", binary=True)  # ~20 % faster than text
        cur.itersize = BATCH
    else:
        cur = dbapi_conn.cursor()
    try:
        cur.execute(entry_query(dialect, bounds is not None), params)
        if dialect == "sqlite":
            match = _SQLITE_ISO.fullmatch

            def iso(raw: Any) -> Any:
                if type(raw) is str and match(raw):
                    return raw[:10] + "T" + raw[11:] + "Z"
                return convert(raw)

            while batch := cur.fetchmany(BATCH):
                yield [(r[0], iso(r[1]), *r[2:10]) for r in batch]
        while batch := cur.fetchmany(BATCH):
            yield [r[:10] if r[1] is not None else (r[0], convert(r[10]), *r[2:10])
                   for r in batch]
    finally:
        cur.close()


def session_rows(site_id: int, bounds: tuple[int, int] | None = None) -> Iterator[list[Row]]:
    """Batches of rows through the session's connection (so: in its transaction)."""
    conn = db.session.connection()
    dialect = conn.dialect.name
    if dialect not in _FORMATTED:  # another backend: the ORM path, same rows
        yield from _orm_rows(site_id, bounds)
        return
    yield from fetch_rows(conn.connection.driver_connection, dialect, site_id, bounds,
                          timestamp_converter(conn.dialect))


def timestamp_converter(dialect: Any) -> Any:
    """Raw stored created_at -> the text its hash covers, exactly as the ORM path does it."""
    process = AuditEntry.__table__.c.created_at.type.dialect_impl(dialect).result_processor(
        dialect, None)

    def convert(raw: Any) -> Any:
        value = process(raw) if process is not None else raw
        return iso_utc(value) if value is not None else None

    return convert


def _orm_rows(site_id: int, bounds: tuple[int, int] | None) -> Iterator[list[Row]]:
    cols = (AuditEntry.seq, AuditEntry.created_at, AuditEntry.actor, AuditEntry.action,
            AuditEntry.subject, AuditEntry.payload, AuditEntry.prev_hash, AuditEntry.hash,
            AuditEntry.hash_version, AuditEntry.payload_hash)
    query = select(*cols).where(AuditEntry.site_id == site_id).order_by(AuditEntry.seq)
    if bounds is not None:
        query = query.where(AuditEntry.seq >= bounds[0], AuditEntry.seq <= bounds[1])
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for part in result.partitions():
        yield [(r[0], iso_utc(r[1]), *r[2:]) for r in part]
