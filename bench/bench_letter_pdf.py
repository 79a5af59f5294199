"""Times the letter pipeline: render, generate a seal, sign, validate; prints a table.

Run from the repository root: ``PYTHONPATH=. python bench/bench_letter_pdf.py [rounds]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from portal.letters.document import seal_image
from portal.letters.document.fonts import register_fonts
from portal.letters.document.pdf import RenderedLetter, render_letter_pdf
from portal.signing.pades import _compressed_seal, sign_pdf, validate_pdf_signature
from tests.letters.samples import SealPki, make_letter, make_pki, make_qr_png

Row = tuple[str, float, str]


def median_ms(action: Callable[[], object], rounds: int, before: Callable[[], object] = list):
    """Give back the median wall time of ``action`` in milliseconds over ``rounds`` runs."""
    action()  # warm up: imports and caches a running Portal would already have
    times = []
    for _ in range(rounds):
        before()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def signing(rendered: RenderedLetter, pki: SealPki) -> Callable[[], bytes]:
    """Give back a function that signs ``rendered`` with the test seal certificate."""
    return lambda: sign_pdf(
        rendered.pdf,
        key=pki.key,
        certificate=pki.cert,
        chain=(pki.ca_cert,),
        field_rect=rendered.seal_rect.box,
        page_index=rendered.seal_rect.page_index,
        appearance_png=rendered.seal_png,
        signer_name="BYD Auto Industry Co., Ltd.",
        reason="After-sales service confirmation",
    )


def render_rows(rounds: int) -> list[Row]:
    """Give back the timings of rendering a short and a long letter, and of a seal."""
    qr = make_qr_png()
    rows = []
    for outlets in (3, 80):
        letter = make_letter(qr, outlet_count=outlets)
        rendered = render_letter_pdf(letter)
        name = f"render_letter_pdf, {outlets} outlets, {rendered.page_count} page(s)"
        ms = median_ms(lambda letter=letter: render_letter_pdf(letter), rounds)
        rows.append((name, ms, f"{len(rendered.pdf):,} B"))
    seal = seal_image.generated_seal_png("比亚迪汽车工业有限公司")
    ms = median_ms(
        lambda: seal_image.generated_seal_png("比亚迪汽车工业有限公司"),
        rounds,
        before=seal_image._seal_png.cache_clear,
    )
    rows.append(("generated_seal_png, 480 px, uncached", ms, f"{len(seal):,} B"))
    return rows


def signing_rows(rounds: int) -> list[Row]:
    """Give back the timings of signing a one-page letter and of validating it."""
    pki = make_pki()
    rendered = render_letter_pdf(make_letter(make_qr_png()))
    sign = signing(rendered, pki)
    signed = sign()
    return [
        ("sign_pdf, EC P-256, bytes_reserved", median_ms(sign, rounds), f"{len(signed):,} B"),
        (
            "sign_pdf, seal image not yet cached",
            median_ms(sign, rounds, before=_compressed_seal.cache_clear),
            "",
        ),
        (
            "validate_pdf_signature",
            median_ms(lambda: validate_pdf_signature(signed, trust_roots=[pki.ca_cert]), rounds),
            "",
        ),
    ]


def main(rounds: int = 30) -> None:
    """Give back nothing; measure and print the table."""
    start = time.perf_counter()
    register_fonts()
    rows = [("register_fonts, once per process", (time.perf_counter() - start) * 1000, "")]
    rows += render_rows(rounds) + signing_rows(rounds)
    width = max(len(name) for name, _, _ in rows)
    print(f"{'step':<{width}}  {'median ms':>9}  {'size':>10}")
    for name, ms, size in rows:
        print(f"{name:<{width}}  {ms:>9.1f}  {size:>10}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
