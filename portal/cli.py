"""Command-line tasks: flask --app portal init | create-org | create-user | seed-demo | run-demo |
run-worker | rotate-master-key | check-master-key | letter-specimens (audit-verify, backup and
restore live with their domains)."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from portal import migrations
from portal.accounts import service
from portal.accounts.roles import OrgKind, Role
from portal.db import database, utcnow
from portal.demo import demo_code, seed_demo
from portal.errors import PortalError
from portal.letters.batches.queue import QUEUE
from portal.letters.document.specimens import write_specimens
from portal.letters.keys.authority import ensure_authority
from portal.letters.keys.master_key import KeyCounts, check_master_key, reseal_stored_keys
from portal.letters.lifecycle.context import authority_profile, master_key
from portal.letters.lifecycle.public_address import DEVELOPMENT_BASE_URL, configured_base_url
from portal.revocations.service import current_revocation_list, publish_revocation_list
from portal.signing import MasterKeyError, new_master_key_text, parse_master_key
from portal.signing.certificates import certificate_pem, load_certificate_pem, sha256_fingerprint


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yields a session committed at the end, or rolled back as a whole on any error."""
    session = database().session()
    try:
        yield session
        session.commit()
    except PortalError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the newest schema."""
    migrations.upgrade(current_app.config["DATABASE_URL"])
    with unit_of_work() as session:
        ensure_authority(session, master_key(current_app), authority_profile(current_app))
        current_revocation_list(session, master_key(current_app), now=utcnow())
    click.echo("The database is up to date and the Portal's signing authority exists.")


@click.command("root-certificate")
@with_appcontext
def root_certificate_command() -> None:
    """Print the SHA-256 fingerprint and PEM of the Portal's root certificate (made if none)."""
    with unit_of_work() as session:
        authority = ensure_authority(
            session, master_key(current_app), authority_profile(current_app)
        )
        root = load_certificate_pem(authority.certificate_pem)
    click.echo(f"Subject: {root.subject.rfc4514_string()}")
    click.echo(f"SHA-256 fingerprint: {sha256_fingerprint(root)}")
    click.echo(certificate_pem(root).decode(), nl=False)


@click.command("create-org")
@with_appcontext
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True)
@click.option("--name-en", required=True, help="Legal name in English.")
@click.option("--name-zh", default="", help="Legal name in Chinese.")
@click.option("--uscc", default=None, help="Unified social credit code (18 characters).")
@click.option("--code", "short_code", default=None, help="Manufacturers: letter-number prefix.")
@click.option("--brand", "brands", multiple=True, help="Manufacturers: a brand (repeatable).")
@click.option("--wmi", "wmis", multiple=True, help="Manufacturers: a WMI owned (repeatable).")
def create_org_command(
    kind: str,
    name_en: str,
    name_zh: str,
    uscc: str | None,
    short_code: str | None,
    brands: tuple[str, ...],
    wmis: tuple[str, ...],
) -> None:
    """Create an organisation."""
    with unit_of_work() as session:
        org = service.create_organisation(
            session,
            kind=OrgKind(kind),
            name_en=name_en,
            name_zh=name_zh,
            uscc=uscc,
            short_code=short_code,
            brands=brands,
            wmis=wmis,
        )
        click.echo(f"Created {org.kind.value} {org.name_en} (id {org.id}).")


@click.command("create-user")
@with_appcontext
@click.option("--org", "org_ref", required=True, help="Organisation id, USCC or short code.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option(help="Password (asked for when not given).")
def create_user_command(org_ref: str, email: str, name: str, role: str, password: str) -> None:
    """Create a user with a password."""
    from portal.accounts.queries import organisation_by_reference

    with unit_of_work() as session:
        org = organisation_by_reference(session, org_ref)
        user = service.create_user(
            session, organisation=org, email=email, name=name, role=Role(role), password=password
        )
        click.echo(f"Created {user.email} ({user.role.value}) in {org.name_en}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo organisations and one user per role, and print their passwords."""
    app = current_app._get_current_object()
    if configured_base_url(app) is None:
        # Demo letters only: the address a real deployment sets on purpose.
        app.config["PUBLIC_BASE_URL"] = DEVELOPMENT_BASE_URL
    click.echo(f"Demo letters carry {configured_base_url(app)} in their QR codes.")
    with unit_of_work() as session:
        accounts = seed_demo(session)
    click.echo("Demo accounts (passwords and two-factor keys are new at every seed-demo):")
    for email, role, password, key in accounts:
        click.echo(f"  {role:<22} {email:<32} {password:<14} {key}")
    click.echo(
        "Accounts with a key sign in with a second factor: add the key to an authenticator\n"
        "app (FreeOTP, Aegis, Google or Microsoft Authenticator), or print the current code\n"
        "with:  flask --app portal demo-code EMAIL"
    )


@click.command("demo-code")
@with_appcontext
@click.argument("email")
def demo_code_command(email: str) -> None:
    """Print the current two-factor code of a demo account (demo accounts only)."""
    with unit_of_work() as session:
        try:
            code = demo_code(session, email)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(code)


@click.command("run-demo")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.pass_context
def run_demo_command(ctx: click.Context, host: str, port: int) -> None:
    """Set up the database, seed the demo data and serve the Portal at --host and --port;
    the demo's letters carry that address (unless PORTAL_PUBLIC_BASE_URL says otherwise)."""
    address = listening_address(host, port)
    if not current_app.config.get("PUBLIC_BASE_URL"):
        current_app.config["PUBLIC_BASE_URL"] = address
    ctx.invoke(init_command)
    ctx.invoke(seed_demo_command)
    click.echo(f"The Portal runs at {address}/ (Ctrl+C stops it).")
    # Not app.run(): under the flask command it returns at once without serving.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def listening_address(host: str, port: int) -> str:
    """Returns the URL a browser reaches a server listening on host and port at: for every
    interface (0.0.0.0, ::), this machine's name."""
    # A name for every interface, not a bind.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104  # nosec B104
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@click.command("run-worker")
@click.option("--processes", default=os.cpu_count() or 1, show_default=True, type=int)
@with_appcontext
def run_worker_command(processes: int) -> None:
    """Work on batches of letters from the queue (Redis) until stopped."""
    app = current_app._get_current_object()
    if not (app.config.get("QUEUE_URL") or app.config.get("REDIS_URL")):
        raise click.ClickException(
            "Set PORTAL_QUEUE_URL or PORTAL_REDIS_URL: without a shared queue, batches run "
            "in the web process itself (JOB_RUNNER=thread)."
        )
    # One thread a process: sealing is CPU-bound, so processes, not threads, use the cores.
    command = [
        sys.executable,
        "-m",
        "dramatiq",
        "portal.letters.batches.worker",
        "--processes",
        str(processes),
        "--threads",
        "1",
        "--queues",
        QUEUE,
    ]
    os.execv(sys.executable, command)  # noqa: S606 (our own interpreter and module)  # nosec B606


@click.command("rotate-master-key")
@with_appcontext
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the new master key (URL-safe base64 of 32 bytes).",
)
@click.option("--generate", is_flag=True, help="Make a new master key (needs --write-to).")
@click.option(
    "--write-to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --generate: the new file (mode 0600) that receives the key; never overwritten.",
)
def rotate_master_key_command(
    new_key_file: Path | None, generate: bool, write_to: Path | None
) -> None:
    """Re-seal every stored private key under a new master key, all or nothing."""
    given = new_key_file is not None and not generate and write_to is None
    generated = new_key_file is None and generate and write_to is not None
    if not (given or generated):
        raise click.UsageError("Give either --new-key-file PATH or --generate --write-to PATH.")
    current = _configured_master_key()
    text = None
    if new_key_file is not None:
        new, source = _read_master_key(new_key_file), new_key_file
    else:
        _check_can_write(write_to)
        text = new_master_key_text()
        new, source = parse_master_key(text), write_to
    written = False
    try:
        with unit_of_work() as session:
            counts = reseal_stored_keys(session, current, new)
            if text is not None:
                # Before the commit: keys sealed under a key kept nowhere would be lost.
                _write_key_file(source, text)
                written = True
    except BaseException:
        if written:
            click.echo(
                f"The new master key was written to {source} before the failure: keep it "
                "until check-master-key shows which master key opens the stored keys.",
                err=True,
            )
        raise
    click.echo(f"Re-sealed {_counted(counts)} under the new master key in {source}.")
    click.echo(_after_rotation(source))


@click.command("check-master-key")
@with_appcontext
def check_master_key_command() -> None:
    """Check that the configured master key opens every stored private key."""
    current = _configured_master_key()
    with unit_of_work() as session:
        counts = check_master_key(session, current)
    click.echo(f"The configured master key opens every stored key: {_counted(counts)}.")


def _configured_master_key() -> bytes:
    try:
        return parse_master_key(current_app.config.get("MASTER_KEY"))
    except MasterKeyError as error:  # its message never holds the key's characters
        raise click.ClickException(f"The configured master key is unusable: {error}.") from None


def _read_master_key(path: Path) -> bytes:
    try:
        return parse_master_key(path.read_text(encoding="ascii"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} does not hold a master key (not text).") from None
    except MasterKeyError as error:
        raise click.ClickException(f"{path} does not hold a master key: {error}.") from None


def _check_can_write(path: Path) -> None:
    if path.exists():
        raise click.ClickException(f"{path} exists already; a new key never overwrites a file.")
    if not path.parent.is_dir():
        raise click.ClickException(f"{path.parent} is not a folder.")


def _write_key_file(path: Path, text: str) -> None:
    """Writes the key to a new file only its owner may read, flushed to the disk."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{path} exists already; nothing was changed.") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _after_rotation(source: Path) -> str:
    instance_key = Path(current_app.instance_path) / "master_key"
    return "\n".join(
        (
            "The database now needs the new key; the running Portal still holds the old one.",
            "Next:",
            f"  1. Put the key from {source} in PORTAL_MASTER_KEY (or in {instance_key}),"
            " wherever the Portal runs.",
            "  2. Restart every web worker and every run-worker process: until then they cannot"
            " issue letters or change keys (verification keeps working).",
            "  3. Run `flask --app portal check-master-key` under the new configuration.",
            "Backups of the database made before now still need the old master key.",
        )
    )


def _counted(counts: KeyCounts) -> str:
    parts = (
        (counts.authority, "authority key"),
        (counts.seal, "seal key"),
        (counts.certificate, "certificate key"),
    )
    listed = ", ".join(f"{n} {name}{'' if n == 1 else 's'}" for n, name in parts)
    return f"{counts.total} stored key{'' if counts.total == 1 else 's'} ({listed})"


@click.command("letter-specimens")
@click.option(
    "--out", "folder", default="docs/specimens", show_default=True, type=click.Path(path_type=Path)
)
def letter_specimens_command(folder: Path) -> None:
    """Render the specimen letters' first pages as PNG (3 and 20 outlets, every script)."""
    for path in write_specimens(folder):
        click.echo(str(path))


@click.command("publish-revocations")
@with_appcontext
def publish_revocations_command() -> None:
    """Sign and publish a fresh revocation list now (the Portal also does so on every
    revocation and supersession, and when the served list is a day old)."""
    with unit_of_work() as session:
        listing = publish_revocation_list(session, master_key(current_app), now=utcnow())
        click.echo(
            f"Published the revocation list of {listing.issued_at.isoformat()}: "
            f"{listing.revoked_count} revoked, {listing.superseded_count} superseded; "
            f"next update {listing.next_update.isoformat()}."
        )


def register(app: Flask) -> None:
    """Adds the Portal's commands to `flask --app portal`."""
    from portal.audit.commands import audit_verify_command
    from portal.backup.commands import backup_command, restore_command

    for command in (
        audit_verify_command,
        backup_command,
        restore_command,
        init_command,
        root_certificate_command,
        create_org_command,
        create_user_command,
        seed_demo_command,
        run_demo_command,
        demo_code_command,
        run_worker_command,
        rotate_master_key_command,
        check_master_key_command,
        letter_specimens_command,
        publish_revocations_command,
    ):
        app.cli.add_command(command)
