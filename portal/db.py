"""The database: engine, one session per request, committed once at the end of the request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def enum_column(enum_class: type, length: int = 32) -> sa.Enum:
    """Returns a column type storing a StrEnum's values as plain text (no database enum type,
    so adding a value needs no ALTER TYPE)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def utcnow() -> datetime:
    """Returns the current time, timezone-aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class Database:
    """Holds the engine and the session factory of one application."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        if url.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"timeout": 30})
        else:
            engine_options.setdefault("pool_pre_ping", True)
        self.engine = sa.create_engine(url, **engine_options)
        if self.engine.dialect.name == "sqlite":
            _own_sqlite_transactions(self.engine)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Background writers (batch workers) that read, then write, take SQLite's write lock
        # when each transaction begins, as a form's request does.
        self.writer_sessionmaker = sessionmaker(
            self.engine.execution_options(portal_writer=True), expire_on_commit=False
        )

    def session(self) -> Session:
        """Returns a new session bound to this database."""
        return self.sessionmaker()

    def writer_session(self) -> Session:
        """Returns a new session for background work that writes after it reads."""
        return self.writer_sessionmaker()


def _own_sqlite_transactions(engine: Engine) -> None:
    # pysqlite opens and ends transactions on its own, which breaks SAVEPOINT and makes
    # reads run outside a transaction; SQLAlchemy's documented recipe hands control back.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A deferred transaction that has read cannot start writing once another connection
        # has written since ("database is locked", at once, whatever the busy timeout). So a
        # form's request (POST and the like), which reads and then writes, takes the write
        # lock up front and waits its turn. Page views and background work stay deferred:
        # a runner idle in a transaction must not hold every writer back.
        form = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        writer = connection.get_execution_options().get("portal_writer", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if form or writer else "BEGIN")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked, and WAL lets readers work during a write.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def init_app(app: Flask) -> None:
    """Attaches the database to the app and commits or rolls back at the end of requests."""
    app.extensions["portal_db"] = Database(app.config["DATABASE_URL"])
    app.after_request(_finish_request)
    app.teardown_appcontext(_close_session)


def database() -> Database:
    """Returns the current application's database."""
    return current_app.extensions["portal_db"]


def db_session() -> Session:
    """Returns the session of the current request, opening it on first use."""
    if "db_session" not in g:
        g.db_session = database().session()
    return g.db_session


def _finish_request(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is not None:
        # Anything that ended in an error page is undone as a whole.
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
