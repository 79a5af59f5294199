"""flask --app portal audit-verify: walk the audit hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from portal.audit.integrity import check_chain
from portal.audit.lifecycle import inconsistent_letters
from portal.db import database


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Walk the audit chain; name the first edited, inserted or deleted entry (exit 1)."""
    session = database().session()
    try:
        report = check_chain(session)
        edited = [
            f"letter {letter.number} (id {letter.id}) reads {letter.status.value}, "
            "which its audit entries do not say"
            for letter in inconsistent_letters(session)
        ]
    finally:
        session.rollback()
        session.close()
    if report.first_break is not None:
        click.echo(f"The audit trail was tampered with: {report.first_break.message}.", err=True)
        click.echo(f"Entries checked before the break: {report.entries}.", err=True)
    for line in edited:
        click.echo(f"A letter's status was edited behind the Portal's back: {line}.", err=True)
    if report.first_break is not None or edited:
        sys.exit(1)
    click.echo(
        f"The audit trail is intact: {report.entries} entries, "
        f"the last #{report.head_seq} with hash {report.head_hash}."
    )
    click.echo("Keep this hash somewhere else: a chain rewritten from the start would differ.")
