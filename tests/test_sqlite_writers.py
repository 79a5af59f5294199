"""Form requests on the embedded SQLite database wait for each other instead of failing: two
that read and then write, at once, on two connections, both commit."""

from __future__ import annotations

import contextlib
import threading

import sqlalchemy as sa
from flask import Flask

from portal.db import Database


def test_concurrent_read_then_write_transactions_both_commit(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
    # With the write lock taken at BEGIN the second never reads before the first commits, so
    # the first gives up waiting for it after a second; without it both read, then clash.
    both_read = threading.Barrier(2, timeout=1)
    errors: list[BaseException] = []

    def read_then_write() -> None:
        with Flask(__name__).test_request_context(method="POST"):
            submit_form()

    def submit_form() -> None:
        session = database.session()
        try:
            value = session.execute(sa.text("SELECT n FROM counter")).scalar_one()
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait()
            session.execute(sa.text("UPDATE counter SET n = :n"), {"n": value + 1})
            session.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=read_then_write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with database.engine.connect() as connection:
        # Serialised, not interleaved: no update was lost.
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar_one() == 2
    database.engine.dispose()
