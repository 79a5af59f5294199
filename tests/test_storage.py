"""File storage, in a folder or in the database: safe keys, and files that go with their
transaction when it rolls back."""

from __future__ import annotations

import pytest

from portal.db import database
from portal.storage import DatabaseStorage, FileStorage, StorageError, storage_for


@pytest.fixture(params=["folder", "database"])
def store(request, app, tmp_path):
    if request.param == "folder":
        return FileStorage(tmp_path)
    return DatabaseStorage(database().sessionmaker)


def test_put_get_delete(store):
    store.put("letters/2026/a.pdf", b"%PDF-1.7")
    assert store.get("letters/2026/a.pdf") == b"%PDF-1.7"
    assert store.exists("letters/2026/a.pdf")
    store.put("letters/2026/a.pdf", b"%PDF-2.0")
    assert store.get("letters/2026/a.pdf") == b"%PDF-2.0"
    store.delete("letters/2026/a.pdf")
    assert not store.exists("letters/2026/a.pdf")
    with pytest.raises(StorageError):
        store.get("letters/2026/a.pdf")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "letters/../../x", "nokey", ""])
def test_rejects_keys_that_leave_the_root(store, key):
    with pytest.raises(StorageError):
        store.put(key, b"x")


def test_file_put_in_a_rolled_back_session_is_removed(store):
    session = database().session()
    session.begin()
    store.put("scans/x/one.pdf", b"data", session=session)
    assert store.exists("scans/x/one.pdf")
    session.rollback()
    assert not store.exists("scans/x/one.pdf")


def test_file_put_in_a_committed_session_stays(store):
    session = database().session()
    session.begin()
    store.put("scans/x/two.pdf", b"data", session=session)
    session.commit()
    session.rollback()
    assert store.exists("scans/x/two.pdf")


def test_savepoint_rollback_keeps_files_of_the_outer_unit(store):
    session = database().session()
    session.begin()
    store.put("scans/x/three.pdf", b"data", session=session)
    with pytest.raises(RuntimeError), session.begin_nested():
        raise RuntimeError("inner step failed")
    assert store.exists("scans/x/three.pdf")
    session.rollback()
    assert not store.exists("scans/x/three.pdf")


def test_file_put_in_a_rolled_back_savepoint_is_removed_and_the_outer_ones_kept(store):
    session = database().session()
    session.begin()
    store.put("scans/x/outer.pdf", b"data", session=session)
    with pytest.raises(RuntimeError), session.begin_nested():
        store.put("scans/x/inner.pdf", b"data", session=session)
        raise RuntimeError("inner step failed")
    assert not store.exists("scans/x/inner.pdf")
    assert store.exists("scans/x/outer.pdf")
    session.commit()
    assert store.exists("scans/x/outer.pdf")


def test_file_of_a_released_savepoint_goes_with_the_outer_rollback(store):
    session = database().session()
    session.begin()
    with session.begin_nested():
        store.put("scans/x/four.pdf", b"data", session=session)
    assert store.exists("scans/x/four.pdf")
    session.rollback()
    assert not store.exists("scans/x/four.pdf")


def test_the_configured_kind_is_used(app):
    assert isinstance(storage_for(app), FileStorage)
    app.config["STORAGE"] = "database"
    assert isinstance(storage_for(app), DatabaseStorage)
