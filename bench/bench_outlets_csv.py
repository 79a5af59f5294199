"""Times the outlet CSV import of 10,000 rows: validation (the preview) and apply.

    python bench/bench_outlets_csv.py                  # SQLite in a temporary folder
    PORTAL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python bench/bench_outlets_csv.py              # also PostgreSQL (schema portal_bench)

Per database: 10,000 new outlets, the same file with every row changed (10,000 new versions),
the export imported back (10,000 unchanged rows, nothing written), each timed as validation
(what the preview does) and apply; then 10,000 more new outlets through the pages (upload and
apply requests; applying compares the checked rows with the directory again).
The figures go to docs/benchmarks.md, section "Outlet CSV import".
"""

from __future__ import annotations

import io
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app, migrations
from portal.accounts import service as accounts
from portal.accounts.roles import OrgKind, Role
from portal.accounts.uscc import with_check_character
from portal.db import database
from portal.outlets.csv_io import write_csv
from portal.outlets.import_writes import apply_plan
from portal.outlets.importing import build_plan, existing_outlets
from portal.outlets.values import as_text

ROWS = 10_000
PASSWORD = secrets.token_urlsafe(12)
PLACES = [
    ("DE", "Berlin", "+49 30 {:07d}"),
    ("FR", "Lyon", "+33 4 78 {:02d} {:02d} {:02d}"),
    ("RU", "Москва", "+7 495 {:03d}-{:02d}-{:02d}"),
    ("AE", "Dubai", "+971 4 {:03d} {:04d}"),
    ("KZ", "Almaty", "+7 727 3{:02d} {:04d}"),
]


def _phone(pattern: str, n: int) -> str:
    parts = pattern.count("{")
    if parts == 1:
        return pattern.format(1_000_000 + n)
    if parts == 2:
        return pattern.format(n % 100 if "727" in pattern else 200 + n % 700, n % 10_000)
    return pattern.format(10 + n % 80, n % 100, (n // 100) % 100)


def _rows(brands: str, city_suffix: str = "") -> list[dict[str, str]]:
    rows = []
    for n in range(ROWS):
        country, city, phone = PLACES[n % len(PLACES)]
        rows.append(
            {
                "outlet_code": f"{country}-{n:05d}",
                "country": country,
                "city": city + city_suffix,
                "name_local": f"Service {n} {city}",
                "name_latin": f"Service {n}",
                "address": f"Street {n}",
                "postcode": f"{10000 + n % 80000}",
                "phone": _phone(phone, n),
                "email": f"outlet{n}@example.com",
                "website": f"https://outlet{n}.example.com",
                "contact_person": "Service desk",
                "service_types": "repair;maintenance;spare_parts",
                "brands": brands,
                "active_from": "2026-01-01",
                "active_until": "",
                "latitude": f"{(n % 1800) / 20 - 45:.4f}",
                "longitude": f"{(n % 3600) / 20 - 90:.4f}",
            }
        )
    return rows


def _timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"  {label:<42} {time.perf_counter() - start:6.2f} s")
    return result


def _import(session, org, user, data: bytes, label: str) -> None:
    plan = _timed(f"{label}: validate (preview)", lambda: build_plan(session, org, data))
    assert not plan.problems, plan.problems[:5]
    counts = _timed(f"{label}: apply", lambda: apply_plan(session, org, plan, actor=user))
    session.commit()
    print(f"    {counts}")


def _through_the_pages(app, email: str, data: bytes) -> None:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    upload = _timed(
        "pages: upload -> preview (validate, store)",
        lambda: client.post(
            "/outlets/import",
            data={"file": (io.BytesIO(data), "outlets.csv")},
            content_type="multipart/form-data",
        ),
    )
    assert upload.status_code == 302, upload.status_code
    applied = _timed(
        "pages: apply (compare again, write)",
        lambda: client.post(upload.location + "/apply", follow_redirects=False),
    )
    assert applied.status_code == 302, applied.status_code


def _manufacturer(session):
    org = accounts.create_organisation(
        session,
        kind=OrgKind.MANUFACTURER,
        name_en="Bench Motor",
        name_zh="基准汽车",
        uscc=with_check_character(f"91440300MA5{int(time.time()) % 1_000_000:06d}"),
        short_code=f"B{int(time.time()) % 100_000}",
        brands=["Bench", "Bench EV"],
    )
    user = accounts.create_user(
        session,
        organisation=org,
        email=f"bench{time.time_ns()}@example.com",
        name="Bench",
        role=Role.MANUFACTURER_ADMIN,
        password=PASSWORD,
    )
    return org, user


def _bench(url: str) -> None:
    migrations.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "STORAGE_DIR": tempfile.mkdtemp(),
        }
    )
    with app.app_context():
        session = database().session()
        org, user = _manufacturer(session)
        session.commit()
        first = write_csv(_rows("Bench"))
        print(f"  file: {ROWS} rows, {len(first) / 1e6:.1f} MB")
        _import(session, org, user, first, "10,000 new outlets")
        _import(session, org, user, write_csv(_rows("Bench;Bench EV", " 2")), "10,000 updates")
        names = {brand.id: brand.name for brand in org.brands}
        exported = write_csv(
            {"outlet_code": code, **as_text(known.values, names)}
            for code, known in existing_outlets(session, org.id).items()
        )
        _import(session, org, user, exported, "export re-imported")
        email = user.email
        session.close()
        fresh = [{**row, "outlet_code": "WEB-" + row["outlet_code"]} for row in _rows("Bench")]
        _through_the_pages(app, email, write_csv(fresh))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        _bench(f"sqlite:///{folder}/bench.sqlite3")
    base = os.environ.get("PORTAL_BENCH_DATABASE_URL")
    if base:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS portal_bench CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA portal_bench")
        url = make_url(base).update_query_dict({"options": "-csearch_path=portal_bench"})
        print("PostgreSQL")
        _bench(url.render_as_string(hide_password=False))
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS portal_bench CASCADE")


if __name__ == "__main__":
    main()
