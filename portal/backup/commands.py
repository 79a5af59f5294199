"""flask --app portal backup FILE | restore FILE."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.backup.archive import BackupError
from portal.backup.restore import restore_backup
from portal.backup.snapshot import write_backup
from portal.errors import PortalError
from portal.signing import MasterKeyError, parse_master_key


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent backup archive (database, stored files, sealed keys) while the
    Portal runs. The master key is never in it: keep it apart, safely."""
    if file.exists():
        raise click.ClickException(f"{file} exists already; a backup never overwrites a file.")
    if not file.parent.is_dir():
        raise click.ClickException(f"{file.parent} is not a folder.")
    config = current_app.config
    try:
        manifest = write_backup(config["DATABASE_URL"], Path(config["STORAGE_DIR"]), file)
    except BackupError as error:
        raise click.ClickException(f"No backup was written: {error}.") from None
    rows = sum(table["rows"] for table in manifest.tables.values())
    click.echo(
        f"Wrote {file}: {manifest.letters} letters, {rows} rows in {len(manifest.tables)} "
        f"tables, {len(manifest.files)} stored files; audit chain at "
        f"#{manifest.audit_head.get('seq', 0)}."
    )
    click.echo("The master key is not in the archive: restoring needs the one in use now.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore a backup archive into this instance's empty database and storage folder."""
    config = current_app.config
    try:
        master_key = parse_master_key(config.get("MASTER_KEY"))
    except MasterKeyError as error:
        raise click.ClickException(f"The configured master key is unusable: {error}.") from None
    try:
        folder = Path(config["STORAGE_DIR"]) if config["STORAGE"] == "folder" else None
        restored = restore_backup(str(file), config["DATABASE_URL"], folder, master_key)
    except BackupError as error:
        raise click.ClickException(f"Nothing was restored: {error}.") from None
    except PortalError as error:  # the master key does not open the restored keys
        raise click.ClickException(f"Nothing was restored: {error.message}") from None
    click.echo(
        f"Restored {restored.letters} letters, {restored.files} stored files and "
        f"{restored.audit_entries} audit entries from {file}."
    )
    click.echo("Run `flask --app portal audit-verify` to check the restored audit trail.")
