"""Measures issuance: one letter end to end with a breakdown of its steps, and batches of
approved requests (wall time, peak memory of the runner and of its worker processes).

    PYTHONPATH=. python bench/bench_issuance.py [--runs 20] [--batch 200 1000] [--url URL]

SQLite and stored PDFs in a temporary folder (under $TMPDIR) by default, so nothing is
written to the instance folder. `--runs 0` skips the single letter, `--batch` with no sizes
skips the batches; run each batch size in its own process to compare their peak memory
(ru_maxrss only grows). Prints Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_der_private_key

from portal import create_app, migrations
from portal.accounts.roles import OrgKind, Role
from portal.letters.batches.queue import chunks
from portal.letters.batches.service import run_chunk, start_job
from portal.letters.document import content as doc
from portal.letters.document.pdf import render_letter_pdf
from portal.letters.keys.authority import ensure_authority
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter, prepare
from portal.letters.lifecycle.production import SealJob
from portal.requests.models import RequestStatus
from portal.signing import choose_claims_form, parse_master_key, qr_png
from portal.signing.certificates import load_certificate_pem
from portal.signing.pades import sign_pdf
from tests.factories import Factories

WARM_UP = 2  # first runs register fonts and fill caches


def _app(folder: Path, url: str | None):
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrations.upgrade(url)
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "STORAGE_DIR": str(folder / "storage"),
            "MASTER_KEY": None,
            "PUBLIC_BASE_URL": "https://portal.example.cn",
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


def _timed(timings: dict[str, list[float]], name: str, step, *args, **kwargs):
    start = time.perf_counter()
    result = step(*args, **kwargs)
    timings.setdefault(name, []).append(time.perf_counter() - start)
    return result


def _steps(job: SealJob, store, timings: dict[str, list[float]]) -> tuple[str, int, int]:
    """Runs `produce` step by step, then stores the PDF as `persist` does (written, fsynced),
    timing each; returns (claims form, QR version, PDF size)."""
    sealed = _timed(
        timings,
        "payload + Ed25519 seal (+ QR fit)",
        choose_claims_form,
        job.claims,
        load_der_private_key(job.seal_key_der, None),
        job.base_url,
        record_digest=job.record_digest,
    )
    image = _timed(timings, "QR code PNG", qr_png, sealed.url)
    document = doc.LetterDocument(
        **job.document,
        qr_png=image.png,
        verification_code=sealed.short_code,
        verification_url=sealed.url,
    )
    rendered = _timed(timings, "PDF render", render_letter_pdf, document, font_path=job.font_path)
    rect = rendered.seal_rect
    signing = {
        "key": load_der_private_key(job.certificate_key_der, None),
        "certificate": load_certificate_pem(job.certificate_pem),
        "chain": tuple(load_certificate_pem(pem) for pem in job.chain_pem),
        "field_rect": (rect.x1, rect.y1, rect.x2, rect.y2),
        "page_index": rect.page_index,
        "appearance_png": rendered.seal_png,
        "signer_name": document.manufacturer.name_en,
        "reason": f"After-Sales Service Confirmation {document.letter_number}",
    }
    # The same signature without validation data (B-B), for the cost of B-LT beside it.
    _timed(timings, "PAdES B-B signature (for comparison)", sign_pdf, rendered.pdf, **signing)
    pdf = _timed(
        timings,
        "PAdES B-LT signature (chain + CRL in the DSS)",
        sign_pdf,
        rendered.pdf,
        crls=(job.crl_der,) if job.crl_der else (),
        **signing,
    )
    _timed(timings, "storage (write + fsync)", store.put, "bench/letter.pdf", pdf)
    return sealed.form.value, sealed.qr_version, len(pdf)


def single(app, session, runs: int) -> tuple[dict[str, float], dict[str, str]]:
    """Returns the median milliseconds of each step and of a whole issuance, and facts about
    the letters (size, claims form, QR version)."""
    make, manufacturer, issuer, _ids = _world(app, session, 0)
    timings: dict[str, list[float]] = {}
    sizes, shapes = [], Counter()
    for _ in range(runs + WARM_UP):
        order = make.letter_order(manufacturer, country="KZ")
        ctx = issuance_context(app, issuer)
        prepared = _timed(timings, "prepare (checks, number, keys)", prepare, session, order, ctx)
        form, version, size = _steps(prepared.job, ctx.store, timings)
        shapes[f"{form} form, QR version {version}"] += 1
        sizes.append(size)
        session.rollback()
        _timed(timings, "whole issuance (issue_letter)", issue_letter, session, order, ctx)
        _timed(timings, "commit", session.commit)
        timings.setdefault("end to end incl. commit", []).append(
            timings["whole issuance (issue_letter)"][-1] + timings["commit"][-1]
        )
    medians = {name: statistics.median(v[WARM_UP:]) * 1000 for name, v in timings.items()}
    spreads = {name: (min(v[WARM_UP:]), max(v[WARM_UP:])) for name, v in timings.items()}
    facts = {
        "PDF size": f"{statistics.median(sizes[WARM_UP:]) / 1024:.1f} KB",
        "claims form, QR version": ", ".join(f"{k} ({n} letters)" for k, n in shapes.items()),
    }
    for name, (low, high) in spreads.items():
        facts[f"range: {name}"] = f"{low * 1000:.1f} – {high * 1000:.1f} ms"
    return medians, facts


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


_WORKER: dict = {}


def _worker_app(config: dict) -> None:
    _WORKER["app"] = create_app(config)


def _chunk(piece: tuple[int, int, int]) -> None:
    run_chunk(_WORKER["app"], *piece)


def batch(app, session, size: int, workers: int = 2) -> dict[str, float]:
    """Returns wall time, throughput and peak memory of a batch of `size` requests."""
    _make, manufacturer, issuer, ids = _world(app, session, size)
    runner_before = _rss_mb(resource.RUSAGE_SELF)
    cpu_before = _cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    job = start_job(session, manufacturer, ids, actor=issuer)
    session.commit()
    reserved = time.perf_counter() - start
    pieces = chunks(
        [i for i in job.items if i.sequence is not None], app.config["QUEUE_CHUNK_SIZE"]
    )
    # Each process stands for a queue worker: it builds the Portal once, then takes chunks.
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_app, initargs=(dict(app.config),)
    ) as pool:
        list(pool.map(_chunk, [(job.id, first, last) for first, last in pieces]))
    wall = time.perf_counter() - start
    session.rollback()
    session.refresh(job)
    issued = sum(1 for item in job.items if item.letter_id)
    return {
        "letters": issued,
        "start (check + reserve) s": reserved,
        "wall s": wall,
        "letters/s": issued / wall,
        "web process CPU ms per letter": (_cpu_s(resource.RUSAGE_SELF) - cpu_before[0])
        * 1000
        / issued,
        "workers CPU ms per letter": (_cpu_s(resource.RUSAGE_CHILDREN) - cpu_before[1])
        * 1000
        / issued,
        "runner peak RSS before the batch MB": runner_before,
        "runner peak RSS MB": _rss_mb(resource.RUSAGE_SELF),
        "worker peak RSS MB (largest worker)": _rss_mb(resource.RUSAGE_CHILDREN),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="single letters (0: none)")
    parser.add_argument("--batch", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
        app = _app(Path(folder), args.url)
        with app.app_context():
            session = app.extensions["portal_db"].session()
            if args.runs:
                medians, facts = single(app, session, args.runs)
                print(f"| one letter, median of {args.runs} | ms |\n|---|---|")
                for name, value in medians.items():
                    print(f"| {name} | {value:.1f} |")
                for name, value in facts.items():
                    print(f"| {name} | {value} |")
            for size in args.batch:
                print(f"\n| batch of {size} | value |\n|---|---|")
                for name, value in batch(app, session, size, args.workers).items():
                    print(f"| {name} | {value:.1f} |")


if __name__ == "__main__":
    main()
