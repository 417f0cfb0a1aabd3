"""`lupa encryption`: check that LUPA_ENCRYPTION_KEY opens the stored identifiers, and re-wrap
every subject key from an old master key to the current one (rotation; migration from the key
Lupa once derived from LUPA_SECRET_KEY)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from service.domain.marketing import crypto, keyring
from service.extensions import db
from service.models import Site


@click.group("encryption", help="The identifier encryption key (LUPA_ENCRYPTION_KEY).")
def encryption_group() -> None:
    pass


def rewrap_all(old: bytes, actor: str, echo: Callable[[str], None]) -> tuple[int, int]:
    """Re-wrap every site's subject keys from `old` to the current master key, committing each
    batch with its audit entry; (re-wrapped, unreadable) over all sites."""
    total = unreadable = 0
    for site in db.session.execute(select(Site).order_by(Site.id)).scalars().all():
        after, done, bad = 0, 0, 0
        while True:
            batch = keyring.rewrap_batch(site, old, actor, after_id=after)
            db.session.commit()
            done, bad, after = done + batch.rewrapped, bad + batch.unreadable, batch.last_id
            if not batch.seen:
                break
        if done or bad:
            echo(f"site {site.slug}: {done} subject keys re-wrapped"
                 + (f", {bad} opened by neither key (left as they are)" if bad else ""))
        total, unreadable = total + done, unreadable + bad
    return total, unreadable


def _from_instance_file() -> bool:
    """Whether the current key is the instance folder's generated one (not the environment's
    and not one the app was given)."""
    path = current_app.config.get("LUPA_ENCRYPTION_KEY_FILE")
    if not path:
        return False
    try:
        return Path(path).read_text().strip() == str(
            current_app.config["LUPA_ENCRYPTION_KEY"]).strip()
    except OSError:
        return False


def _old_key(old_key_file: str | None, legacy: bool, old_secret_file: str | None) -> bytes:
    if bool(old_key_file) == legacy:
        raise click.UsageError("give exactly one of --old-key-file and --legacy")
    if old_key_file:
        try:
            return crypto.decode_master(Path(old_key_file).read_text())
        except ValueError as exc:
            raise click.ClickException(f"{old_key_file}: {exc} (the previous key)") from exc
    secret = (Path(old_secret_file).read_text().strip() if old_secret_file
              else str(current_app.config["SECRET_KEY"]))
    return crypto.legacy_master(secret)


@encryption_group.command("rewrap")
@click.option("--old-key-file", type=click.Path(exists=True, dir_okay=False),
              help="A file holding the previous LUPA_ENCRYPTION_KEY (base64 of 32 bytes).")
@click.option("--legacy", is_flag=True,
              help="The old key is the one Lupa derived from LUPA_SECRET_KEY when "
                   "LUPA_ENCRYPTION_KEY was unset.")
@click.option("--old-secret-key-file", type=click.Path(exists=True, dir_okay=False),
              help="With --legacy: a file holding that LUPA_SECRET_KEY, if it has changed "
                   "since (default: the current LUPA_SECRET_KEY).")
@click.option("--to-instance-key", is_flag=True,
              help="Allow the new key to be the instance folder's own (the embedded default, "
                   "when LUPA_ENCRYPTION_KEY is not set).")
@with_appcontext
def rewrap_command(old_key_file: str | None, legacy: bool,
                   old_secret_key_file: str | None, to_instance_key: bool) -> None:
    """Re-wrap every subject key under the current LUPA_ENCRYPTION_KEY (audited per batch;
    resumable; exit 1 if some key was opened by neither key)."""
    if old_secret_key_file and not legacy:
        raise click.UsageError("--old-secret-key-file goes with --legacy")
    if _from_instance_file() and not to_instance_key:
        raise click.UsageError(
            "LUPA_ENCRYPTION_KEY is not set: the keys would be re-wrapped under this instance "
            "folder's own key file, which `lupa serve` does not use. Set LUPA_ENCRYPTION_KEY "
            "as the service will have it, or pass --to-instance-key for the embedded default.")
    old = _old_key(old_key_file, legacy, old_secret_key_file)
    new_id = crypto.key_id(crypto.master_key()).hex()
    click.echo(f"re-wrapping from key {crypto.key_id(old).hex()} to key {new_id} ...", err=True)
    total, unreadable = rewrap_all(old, "cli", lambda line: click.echo(line, err=True))
    click.echo(f"{total} subject keys re-wrapped")
    if unreadable:
        raise click.ClickException(
            f"{unreadable} subject keys were opened by neither the old nor the current key; "
            "they are unchanged: run again with the key that wrapped them")


@encryption_group.command("check")
@with_appcontext
def check_command() -> None:
    """Exit 0 if LUPA_ENCRYPTION_KEY opens the stored subject keys, 1 with the fix if not."""
    problem = keyring.stored_keys_problem()
    if problem:
        raise click.ClickException(problem)
    click.echo(f"ok: key {crypto.key_id(crypto.master_key()).hex()} opens the stored keys")
