"""Backup while letters are being issued, restore into an empty instance: every letter comes
back and still verifies, its PDF byte for byte, the audit chain intact, and numbering goes on
without reusing a number. A damaged archive, a wrong master key or a database in use restore
nothing."""

from __future__ import annotations

import hashlib
import tarfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.db import Database, utcnow
from portal.letters.keys.authority import ensure_authority
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter, LetterStatus
from portal.letters.lifecycle.orders import LetterOrder
from portal.letters.lifecycle.service import revoke_letter
from portal.signing import new_master_key_text, parse_master_key
from portal.storage import storage_for
from portal.verification.pdf_check import check_pdf
from portal.verification.service import Verdict, verify_token_text
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories

EXPECTED = {
    LetterStatus.ISSUED: Verdict.VALID,
    LetterStatus.REVOKED: Verdict.REVOKED,
    LetterStatus.SUPERSEDED: Verdict.SUPERSEDED,
}


@dataclass
class Instance:
    app: object
    db: Database
    storage: Path

    def cli(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))


def _instance(url: str, folder: Path, **config) -> Instance:
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(make_test_config(url, folder, **config))
    return Instance(app, Database(url), Path(app.config["STORAGE_DIR"]))


def _order(ids: tuple[int, int], vin: str, **fields) -> LetterOrder:
    return LetterOrder(
        manufacturer_id=ids[0],
        brand_id=ids[1],
        model="Han L",
        vin=vin,
        registration_date=date(2026, 9, 1),
        transfer_registration_date=date(2026, 10, 1),
        country="DE",
        exporter_name="Exporter Co., Ltd.",
        **fields,
    )


def _seed(source: Instance) -> tuple[tuple[int, int], list[str]]:
    """Returns (manufacturer id, brand id) and spare VINs, with three letters issued: one
    valid, one revoked, one superseded by a fourth."""
    with source.app.app_context(), source.db.session() as session:
        make = Factories(session)
        manufacturer = make.organisation(OrgKind.MANUFACTURER)
        make.outlet(manufacturer, country="DE")
        issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
        ensure_authority(session, parse_master_key(source.app.config["MASTER_KEY"]))
        vins = [make.vin(manufacturer) for _ in range(40)]
        session.commit()
        ids = (manufacturer.id, manufacturer.brands[0].id)
        ctx = issuance_context(source.app, issuer)
        _kept, revoked, old = (issue_letter(session, _order(ids, vins.pop()), ctx) for _ in "abc")
        revoke_letter(
            session, revoked, reason="Sold at home", actor=issuer, master_key=ctx.master_key
        )
        issue_letter(session, _order(ids, old.vin, supersedes_id=old.id), ctx)
        source.storage.mkdir(parents=True, exist_ok=True)
        (source.storage / "master_key").write_text("must never be copied")
        session.commit()
    return ids, vins


def _issue_until(source: Instance, ids, vins: list[str], stop: threading.Event, done: list):
    with source.app.app_context():
        while vins and not stop.is_set():
            with source.db.session() as session:
                letter = issue_letter(
                    session, _order(ids, vins.pop()), issuance_context(source.app, None)
                )
                session.commit()
                done.append(letter.number)


def _backup_during_issuance(source: Instance, archive: Path) -> list[str]:
    ids, vins = _seed(source)
    stop, done = threading.Event(), []
    issuer = threading.Thread(target=_issue_until, args=(source, ids, vins, stop, done))
    issuer.start()
    try:
        while len(done) < 2 and issuer.is_alive():
            stop.wait(0.05)
        result = source.cli("backup", str(archive))
        count_at_backup = len(done)
        while len(done) < count_at_backup + 2 and issuer.is_alive():
            stop.wait(0.05)  # issuance goes on after the snapshot too
    finally:
        stop.set()
        issuer.join(timeout=600)
    assert result.exit_code == 0, result.output
    return done


def test_backup_during_issuance_restores_every_letter_verifiable(tmp_path):
    archive = tmp_path / "portal-backup.tar.gz"
    with fresh_database("bsource", tmp_path) as source_url:
        source = _instance(source_url, tmp_path / "source")
        issued_during = _backup_during_issuance(source, archive)
        with source.db.session() as session:
            all_numbers = set(session.scalars(sa.select(Letter.number)))
        source.db.engine.dispose()
        source.app.extensions["portal_db"].engine.dispose()

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert not any(name.endswith("master_key") for name in names)
    assert source.app.config["MASTER_KEY"].encode() not in blob
    assert b"must never be copied" not in blob

    with fresh_database("btarget", tmp_path, migrate=False) as target_url:
        target = _instance(target_url, tmp_path / "target")
        result = target.cli("restore", str(archive))
        assert result.exit_code == 0, result.output
        now = utcnow()
        with target.app.app_context(), target.db.session() as session:
            letters = list(session.scalars(sa.select(Letter).order_by(Letter.id)))
            assert len(letters) >= 4 + 2  # the seeded ones and those issued before the backup
            assert {letter.number for letter in letters} <= all_numbers
            assert {s for s in (letter.status for letter in letters)} == set(EXPECTED)
            for letter in letters:
                verdict = verify_token_text(session, letter.token, now=now).verdict
                assert verdict is EXPECTED[letter.status], (letter.number, verdict)
                pdf = (target.storage / letter.pdf_key).read_bytes()
                assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
                assert check_pdf(session, pdf, now=now).identical
            restored = {letter.number for letter in letters}
            last = max(letters, key=lambda letter: letter.sequence)
            ids = (last.manufacturer_id, session.scalar(sa.text("SELECT min(id) FROM brand")))
            new = issue_letter(
                session,
                _order(ids, Factories(session).vin(last.manufacturer)),
                issuance_context(target.app, None),
            )
            session.commit()
            assert new.sequence == last.sequence + 1 and new.number not in restored
        verified = target.cli("audit-verify")
        assert verified.exit_code == 0, verified.output
        assert not (target.storage / "master_key").exists()
        target.db.engine.dispose()
        target.app.extensions["portal_db"].engine.dispose()
    assert issued_during  # issuance really ran while the backup was written


@pytest.fixture
def small_archive(tmp_path) -> tuple[Path, str]:
    """Returns an archive of an instance with a few letters, and that instance's master key."""
    archive = tmp_path / "small.tar.gz"
    with fresh_database("bsmall", tmp_path) as url:
        source = _instance(url, tmp_path / "small")
        _seed(source)
        result = source.cli("backup", str(archive))
        assert result.exit_code == 0, result.output
        source.db.engine.dispose()
        source.app.extensions["portal_db"].engine.dispose()
    return archive, source.app.config["MASTER_KEY"]


def _restore_refused(tmp_path, archive: Path, **config) -> tuple[str, Instance, str]:
    with fresh_database("brefused", tmp_path, migrate=False) as url:
        target = _instance(url, tmp_path / "refused", **config)
        result = target.cli("restore", str(archive))
        assert result.exit_code == 1
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            letters = (
                connection.scalar(sa.text("SELECT count(*) FROM letter"))
                if "letter" in tables
                else 0
            )
        engine.dispose()
        target.db.engine.dispose()
        target.app.extensions["portal_db"].engine.dispose()
    assert letters == 0
    files = [p for p in target.storage.rglob("*") if p.is_file()] if target.storage.exists() else []
    assert files == []
    return result.output, target, url


def test_a_wrong_master_key_restores_nothing(tmp_path, small_archive):
    archive, _key = small_archive
    output, _target, _url = _restore_refused(tmp_path, archive, MASTER_KEY=new_master_key_text())
    assert "Nothing was restored" in output


def test_a_damaged_archive_restores_nothing(tmp_path, small_archive):
    archive, _key = small_archive
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as tar, tarfile.open(damaged, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "database/letter.jsonl":
                data = data.replace(b"Han L", b"Han X", 1)
            member.size = len(data)
            out.addfile(member, __import__("io").BytesIO(data))
    output, _target, _url = _restore_refused(tmp_path, damaged)
    assert "database/letter.jsonl does not match its checksum" in output


def test_a_database_in_use_is_not_overwritten(tmp_path, small_archive):
    archive, _key = small_archive
    with fresh_database("binuse", tmp_path) as url:
        target = _instance(url, tmp_path / "inuse")
        with target.app.app_context(), target.db.session() as session:
            Factories(session).organisation(OrgKind.EXPORTER)
            session.commit()
        result = target.cli("restore", str(archive))
        target.db.engine.dispose()
        target.app.extensions["portal_db"].engine.dispose()
    assert result.exit_code == 1
    assert "the database is not empty" in result.output


def test_backup_never_overwrites_a_file(tmp_path, small_archive):
    archive, _key = small_archive
    with fresh_database("bover", tmp_path) as url:
        source = _instance(url, tmp_path / "over")
        result = source.cli("backup", str(archive))
        source.db.engine.dispose()
        source.app.extensions["portal_db"].engine.dispose()
    assert result.exit_code == 1 and "exists already" in result.output


@pytest.mark.parametrize(("kept", "restored_to"), [("database", "folder"), ("folder", "database")])
def test_files_go_where_the_restored_instance_keeps_them(tmp_path, kept, restored_to):
    archive = tmp_path / "kinds.tar.gz"
    with fresh_database("bkinds", tmp_path) as url:
        source = _instance(url, tmp_path / "kinds-source", STORAGE=kept)
        _seed(source)
        assert source.cli("backup", str(archive)).exit_code == 0
        source.db.engine.dispose()
        source.app.extensions["portal_db"].engine.dispose()
    with fresh_database("bkindt", tmp_path, migrate=False) as url:
        target = _instance(url, tmp_path / "kinds-target", STORAGE=restored_to)
        result = target.cli("restore", str(archive))
        assert result.exit_code == 0, result.output
        with target.app.app_context(), target.db.session() as session:
            letters = list(session.scalars(sa.select(Letter)))
            stored_rows = session.scalar(sa.text("SELECT count(*) FROM stored_file"))
            for letter in letters:
                pdf = storage_for(target.app).get(letter.pdf_key)
                assert hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
                assert (
                    check_pdf(session, pdf, now=utcnow()).verification.verdict
                    is (EXPECTED[letter.status])
                )
        target.db.engine.dispose()
        target.app.extensions["portal_db"].engine.dispose()
    assert len(letters) == 4
    assert (stored_rows == 0) is (restored_to == "folder")
