"""File storage: atomic writes, safe keys, files removed when their transaction rolls back."""

from __future__ import annotations

import pytest

from portal.db import database
from portal.storage import FileStorage, StorageError


def test_put_get_delete(tmp_path):
    store = FileStorage(tmp_path)
    store.put("letters/2026/a.pdf", b"%PDF-1.7")
    assert store.get("letters/2026/a.pdf") == b"%PDF-1.7"
    assert store.exists("letters/2026/a.pdf")
    store.delete("letters/2026/a.pdf")
    with pytest.raises(StorageError):
        store.get("letters/2026/a.pdf")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "letters/../../x", "nokey", ""])
def test_rejects_keys_that_leave_the_root(tmp_path, key):
    with pytest.raises(StorageError):
        FileStorage(tmp_path).put(key, b"x")


def test_file_put_in_a_rolled_back_session_is_removed(app, tmp_path):
    store = FileStorage(tmp_path)
    session = database().session()
    session.begin()
    store.put("scans/x/one.pdf", b"data", session=session)
    assert store.exists("scans/x/one.pdf")
    session.rollback()
    assert not store.exists("scans/x/one.pdf")


def test_file_put_in_a_committed_session_stays(app, tmp_path):
    store = FileStorage(tmp_path)
    session = database().session()
    session.begin()
    store.put("scans/x/two.pdf", b"data", session=session)
    session.commit()
    session.rollback()
    assert store.exists("scans/x/two.pdf")


def test_savepoint_rollback_keeps_files_of_the_outer_unit(app, tmp_path):
    store = FileStorage(tmp_path)
    session = database().session()
    session.begin()
    store.put("scans/x/three.pdf", b"data", session=session)
    with pytest.raises(RuntimeError), session.begin_nested():
        raise RuntimeError("inner step failed")
    assert store.exists("scans/x/three.pdf")
    session.rollback()
    assert not store.exists("scans/x/three.pdf")


def test_file_put_in_a_rolled_back_savepoint_is_removed_and_the_outer_ones_kept(app, tmp_path):
    store = FileStorage(tmp_path)
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


def test_file_of_a_released_savepoint_goes_with_the_outer_rollback(app, tmp_path):
    store = FileStorage(tmp_path)
    session = database().session()
    session.begin()
    with session.begin_nested():
        store.put("scans/x/four.pdf", b"data", session=session)
    assert store.exists("scans/x/four.pdf")
    session.rollback()
    assert not store.exists("scans/x/four.pdf")
