"""flask rotate-master-key and check-master-key, as an operator runs them: all or nothing,
the new key only ever in a file, and the check that tells when the switch is complete."""

from __future__ import annotations

import stat

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.signing import new_master_key_text, parse_master_key
from tests.letters.key_world import opening, sealed_keys

SUMMARY = "7 stored keys (1 authority key, 3 seal keys, 3 certificate keys)"


def _rotated(session) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "master_key.rotated")
    )


def _key_file(tmp_path, text: str):
    path = tmp_path / "new_master_key"
    path.write_text(text + "\n")
    return path


def test_rotating_to_a_key_file_reseals_every_key_and_says_what_to_do_next(
    app, runner, session, key_world, tmp_path
):
    old_text, new_text = app.config["MASTER_KEY"], new_master_key_text()
    path = _key_file(tmp_path, new_text)
    result = runner.invoke(args=["rotate-master-key", "--new-key-file", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Re-sealed {SUMMARY} under the new master key in {path}." in result.output
    assert "in PORTAL_MASTER_KEY" in result.output
    assert "Restart every web worker and every run-worker process" in result.output
    assert "check-master-key" in result.output
    assert new_text.rstrip("=") not in result.output and old_text not in result.output
    assert opening(session, parse_master_key(new_text)) == [True] * 7
    assert opening(session, parse_master_key(old_text)) == [False] * 7
    assert _rotated(session) == 1


def test_check_master_key_fails_until_the_configuration_holds_the_new_key(
    app, runner, key_world, tmp_path
):
    assert runner.invoke(args=["check-master-key"]).exit_code == 0
    new_text = new_master_key_text()
    path = _key_file(tmp_path, new_text)
    assert runner.invoke(args=["rotate-master-key", "--new-key-file", str(path)]).exit_code == 0
    stale = runner.invoke(args=["check-master-key"])
    assert stale.exit_code == 1
    assert "7 of 7 stored keys do not open under the master key" in stale.output
    app.config["MASTER_KEY"] = new_text
    switched = runner.invoke(args=["check-master-key"])
    assert switched.exit_code == 0, switched.output
    assert f"The configured master key opens every stored key: {SUMMARY}." in switched.output


def test_generate_writes_the_new_key_to_a_file_only_its_owner_may_read(
    runner, session, key_world, tmp_path
):
    target = tmp_path / "master_key.new"
    result = runner.invoke(args=["rotate-master-key", "--generate", "--write-to", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text().strip()
    assert text.rstrip("=") not in result.output
    assert opening(session, parse_master_key(text)) == [True] * 7


def test_generate_never_overwrites_a_file_and_changes_nothing(runner, session, key_world, tmp_path):
    target = tmp_path / "master_key.new"
    target.write_text("the operator's notes\n")
    before = sealed_keys(session)
    result = runner.invoke(args=["rotate-master-key", "--generate", "--write-to", str(target)])
    assert result.exit_code == 1
    assert "exists already; a new key never overwrites a file" in result.output
    assert target.read_text() == "the operator's notes\n"
    session.expire_all()
    assert sealed_keys(session) == before and _rotated(session) == 0


def test_a_wrong_configured_master_key_is_refused_and_nothing_changes(
    app, runner, session, key_world, tmp_path
):
    before = sealed_keys(session)
    app.config["MASTER_KEY"] = new_master_key_text()
    target = tmp_path / "master_key.new"
    result = runner.invoke(args=["rotate-master-key", "--generate", "--write-to", str(target)])
    assert result.exit_code == 1
    assert "7 of 7 stored keys do not open under the master key" in result.output
    assert "seal key of " in result.output and "Nothing was changed." in result.output
    assert not target.exists()
    session.expire_all()
    assert sealed_keys(session) == before and _rotated(session) == 0


def test_a_key_file_that_holds_no_master_key_is_refused_without_echoing_it(
    runner, session, key_world, tmp_path
):
    secret_looking = "Q" * 43 + "!"
    path = _key_file(tmp_path, secret_looking)
    before = sealed_keys(session)
    result = runner.invoke(args=["rotate-master-key", "--new-key-file", str(path)])
    assert result.exit_code == 1
    assert "does not hold a master key" in result.output and "got 44 characters" in result.output
    assert "QQQQ" not in result.output
    assert sealed_keys(session) == before


def test_the_configured_key_as_the_new_one_is_refused(app, runner, session, key_world, tmp_path):
    path = _key_file(tmp_path, app.config["MASTER_KEY"])
    result = runner.invoke(args=["rotate-master-key", "--new-key-file", str(path)])
    assert result.exit_code == 1
    assert "the one configured now" in result.output
    assert _rotated(session) == 0


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--generate"],
        ["--write-to", "{tmp}/k"],
        ["--new-key-file", "{key}", "--generate", "--write-to", "{tmp}/k"],
        ["--new-key-file", "{key}", "--write-to", "{tmp}/k"],
    ],
)
def test_one_source_of_the_new_key_is_required(runner, tmp_path, options):
    key = _key_file(tmp_path, new_master_key_text())
    args = [o.format(tmp=tmp_path, key=key) for o in options]
    result = runner.invoke(args=["rotate-master-key", *args])
    assert result.exit_code == 2
    assert "Give either --new-key-file PATH or --generate --write-to PATH." in result.output
    assert not (tmp_path / "k").exists()


def test_a_generated_key_is_kept_when_the_commit_fails_after_writing_it(
    runner, session, key_world, tmp_path, monkeypatch
):
    before = sealed_keys(session)

    def failing_commit(self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sa.orm.Session, "commit", failing_commit)
    target = tmp_path / "master_key.new"
    result = runner.invoke(args=["rotate-master-key", "--generate", "--write-to", str(target)])
    monkeypatch.undo()
    assert isinstance(result.exception, RuntimeError)
    assert f"The new master key was written to {target} before the failure" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    session.expire_all()
    assert sealed_keys(session) == before
