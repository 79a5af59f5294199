"""Command-line tasks: flask --app portal init | create-org | create-user | seed-demo | run-demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from portal import migrations
from portal.accounts import service
from portal.accounts.roles import OrgKind, Role
from portal.db import database
from portal.demo import seed_demo
from portal.errors import PortalError
from portal.letters.authority import ensure_authority
from portal.letters.context import master_key
from portal.letters.runner import run_pending_jobs


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
        ensure_authority(session, master_key(current_app))
    click.echo("The database is up to date and the Portal's signing authority exists.")


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
    with unit_of_work() as session:
        accounts = seed_demo(session)
    click.echo("Demo accounts (passwords are new at every seed-demo):")
    for email, role, password in accounts:
        click.echo(f"  {role:<22} {email:<32} {password}")


@click.command("run-demo")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.pass_context
def run_demo_command(ctx: click.Context, host: str, port: int) -> None:
    """Set up the database, seed the demo data and serve the Portal."""
    ctx.invoke(init_command)
    ctx.invoke(seed_demo_command)
    click.echo(f"The Portal runs at http://{host}:{port}/ (Ctrl+C stops it).")
    # Not app.run(): under the flask command it returns at once without serving.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("run-jobs")
@with_appcontext
def run_jobs_command() -> None:
    """Run every queued batch of letters (and any a crashed runner left), then stop."""
    count = run_pending_jobs(current_app._get_current_object())
    click.echo(f"{count} batch job(s) run.")


def register(app: Flask) -> None:
    """Adds the Portal's commands to `flask --app portal`."""
    for command in (
        init_command,
        create_org_command,
        create_user_command,
        seed_demo_command,
        run_demo_command,
        run_jobs_command,
    ):
        app.cli.add_command(command)
