"""Benchmark: importing a CSV batch of 5,000 vehicle requests (check, then write all).

    python bench/bench_requests_csv.py [--url DATABASE_URL] [--rows 5000] [--runs 3]

Without --url a fresh SQLite file in a temporary folder is used. A PostgreSQL URL must point
at an empty database or schema: the script migrates it and leaves its data behind. Prints
the time to read and check the file, the time to write the requests (flush and commit), and
the number of SQL statements, which must not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from portal import create_app, migrations
from portal.accounts.models import Brand, Organisation, User, Wmi
from portal.accounts.roles import OrgKind, Role
from portal.accounts.uscc import with_check_character
from portal.clock import today_in_china
from portal.db import database
from portal.outlets.models import Outlet, OutletVersion
from portal.requests.batch import import_batch, vet_rows
from portal.requests.csv_io import COLUMNS, read_rows
from portal.requests.vetting import load_addressee
from portal.vehicles.vin import check_digit


def _vin(run: int, n: int) -> str:
    text = f"LBN{run:02d}AB10SA{n:06d}"
    return text[:8] + check_digit(text) + text[9:]


def make_csv(run: int, rows: int) -> bytes:
    """Returns a valid CSV of `rows` distinct vehicles."""
    today = today_in_china()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        values = {
            "brand": "Benchmark",
            "model": "Model B",
            "vin": _vin(run, n),
            "registration_date": (today - timedelta(days=30 + n % 200)).isoformat(),
            "transfer_registration_date": (today - timedelta(days=3)).isoformat(),
            "country": "KZ",
            "fuel_type": "bev",
        }
        writer.writerow([values.get(column, "") for column in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def arrange(session: sa.orm.Session, run: int) -> tuple[int, Organisation, User]:
    """Returns a manufacturer (id) with an outlet in Kazakhstan, an exporter and its user."""
    manufacturer = Organisation(
        kind=OrgKind.MANUFACTURER,
        name_en=f"Bench Motors {run}",
        name_zh=f"基准汽车{run}",
        uscc=with_check_character(f"91440300BENCH{run:04d}"),
        short_code=f"BM{run}",
        brands=[Brand(name="Benchmark")],
        wmis=[Wmi(code="LBN")] if run == 0 else [],
    )
    exporter = Organisation(
        kind=OrgKind.EXPORTER,
        name_en=f"Bench Export {run}",
        uscc=with_check_character(f"91310115BENCH{run:04d}"),
    )
    user = User(
        organisation=exporter,
        email=f"bench{run}@example.test",
        name="Bench",
        role=Role.EXPORTER_USER,
    )
    session.add_all([manufacturer, exporter, user])
    session.flush()
    outlet = Outlet(manufacturer=manufacturer, code="KZ-1", country="KZ")
    version = OutletVersion(
        outlet=outlet,
        number=1,
        country="KZ",
        city="Almaty",
        name_local="Almaty Service",
        name_latin="Almaty Service",
        address="1 Abay Ave",
        phone="+77270000000",
        active_from=today_in_china() - timedelta(days=365),
        brands=list(manufacturer.brands),
    )
    session.add_all([outlet, version])
    session.flush()
    outlet.current = version
    session.commit()
    return manufacturer.id, exporter, user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-requests-"))
    url = args.url or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrations.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "MASTER_KEY": "bench",
            "STORAGE_DIR": str(folder / "storage"),
        }
    )
    check_times, write_times, statements = [], [], []
    with app.test_request_context():
        db = database()
        counter = {"n": 0}
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *a: counter.__setitem__("n", counter["n"] + 1),
        )
        # One manufacturer owns the WMI; each run is a new exporter, so nothing is a duplicate.
        session = db.session()
        manufacturer_id, _exporter, _user = arrange(session, 0)
        for run in range(1, args.runs + 1):
            _unused, exporter, user = arrange(session, run)
            data = make_csv(run, args.rows)
            started = time.perf_counter()
            addressee = load_addressee(session, manufacturer_id, today=today_in_china())
            passed, errors = vet_rows(addressee, read_rows(data)[0])
            assert not errors and len(passed) == args.rows, errors[:3]
            check_times.append(time.perf_counter() - started)
            counter["n"] = 0
            started = time.perf_counter()
            batch = import_batch(
                session,
                addressee=addressee,
                exporter=exporter,
                data=data,
                filename="bench.csv",
                submit=True,
                actor=user,
            )
            session.commit()
            write_times.append(time.perf_counter() - started)
            statements.append(counter["n"])
            assert batch.row_count == args.rows
        session.close()
    name = sa.engine.make_url(url).get_backend_name()
    print(f"{name}: {args.rows} rows, {args.runs} runs")
    print(f"  read + check only:      median {statistics.median(check_times):.2f} s")
    print(
        f"  full import + commit:   median {statistics.median(write_times):.2f} s "
        f"(min {min(write_times):.2f}, max {max(write_times):.2f})"
    )
    print(f"  SQL statements per import: {statements}")


if __name__ == "__main__":
    main()
