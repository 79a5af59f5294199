"""Measures issuance: one letter end to end, and batches of approved requests (wall time,
peak memory of the runner and of its worker processes, PDF size).

    PYTHONPATH=. python bench/bench_issuance.py [--batch 200 1000] [--url DATABASE_URL]

SQLite in a temporary folder by default. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from portal import create_app, migrations
from portal.accounts.roles import OrgKind, Role
from portal.letters.batch import claim_job, run_job, start_job
from portal.letters.context import issuance_context
from portal.letters.issuance import LetterOrder, issue_letter, prepare
from portal.letters.keyring import ensure_authority
from portal.letters.production import produce
from portal.requests.models import RequestStatus
from portal.signing import parse_master_key
from tests.factories import Factories


def _app(folder: Path, url: str | None):
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrations.upgrade(url)
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "STORAGE_DIR": str(folder / "storage"),
            "MASTER_KEY": None,
            "JOB_RUNNER": "external",
        }
    )


def _world(app, session, requests: int):
    make = Factories(session)
    manufacturer = make.organisation(OrgKind.MANUFACTURER)
    for _ in range(3):
        make.outlet(manufacturer, country="KZ")
    issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
    exporter = make.organisation(OrgKind.EXPORTER)
    ids = [
        make.letter_request(
            manufacturer=manufacturer,
            exporter=exporter,
            created_by=issuer,
            status=RequestStatus.APPROVED,
        ).id
        for _ in range(requests)
    ]
    ensure_authority(session, parse_master_key(app.config["MASTER_KEY"]))
    session.commit()
    return make, manufacturer, issuer, ids


def single(app, session, runs: int = 20) -> dict[str, float]:
    make, manufacturer, issuer, _ids = _world(app, session, 0)
    timings: dict[str, list[float]] = {"prepare": [], "produce": [], "end to end": []}
    sizes = []
    for _ in range(runs):
        order = LetterOrder(
            manufacturer_id=manufacturer.id,
            brand_id=manufacturer.brands[0].id,
            model="Song Plus",
            vin=make.vin(manufacturer),
            registration_date=date(2026, 9, 1),
            transfer_registration_date=date(2026, 10, 1),
            country="KZ",
            exporter_name="Exporter",
        )
        ctx = issuance_context(app, issuer)
        start = time.perf_counter()
        prepared = prepare(session, order, ctx)
        timings["prepare"].append(time.perf_counter() - start)
        mid = time.perf_counter()
        produce(prepared.job)
        timings["produce"].append(time.perf_counter() - mid)
        session.rollback()
        start = time.perf_counter()
        letter = issue_letter(session, order, ctx)
        session.commit()
        timings["end to end"].append(time.perf_counter() - start)
        sizes.append(letter.pdf_size)
    result = {name: statistics.median(values[2:]) * 1000 for name, values in timings.items()}
    result["pdf KB"] = statistics.median(sizes) / 1024
    return result


def batch(app, session, size: int, workers: int = 2) -> dict[str, float]:
    _make, manufacturer, issuer, ids = _world(app, session, size)
    start = time.perf_counter()
    job = start_job(session, manufacturer, ids, actor=issuer)
    session.commit()
    reserved = time.perf_counter() - start
    claim_job(session, "bench")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        run_job(session, job, lambda actor: issuance_context(app, actor), pool)
    wall = time.perf_counter() - start
    issued = sum(1 for item in job.items if item.letter_id)
    return {
        "letters": issued,
        "start (check + reserve) s": reserved,
        "wall s": wall,
        "letters/s": issued / wall,
        "runner peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker peak RSS MB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder), args.url)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            print("| one letter | ms |\n|---|---|")
            for name, value in single(app, session).items():
                print(f"| {name} | {value:.1f} |")
            for size in args.batch:
                print(f"\n| batch of {size} | value |\n|---|---|")
                for name, value in batch(app, session, size).items():
                    print(f"| {name} | {value:.1f} |")


if __name__ == "__main__":
    main()
