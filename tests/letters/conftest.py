"""Fixtures for the letter and signature tests: a test CA, a QR code, sample letters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.letters.document import LetterDocument
from portal.letters.pdf import RenderedLetter, render_letter_pdf
from portal.signing.pades import sign_pdf
from tests.letters import samples
from tests.letters.samples import SealPki


@pytest.fixture(scope="session")
def pki() -> SealPki:
    return samples.make_pki()


@pytest.fixture(scope="session")
def qr_png() -> bytes:
    return samples.make_qr_png()


@pytest.fixture(scope="session")
def make_letter(qr_png: bytes) -> Callable[..., LetterDocument]:
    """Give back a factory of sample letters with ``outlets`` outlets (3 by default)."""

    def make(outlets: int = 3, seal_png: bytes | None = None) -> LetterDocument:
        return samples.make_letter(qr_png, outlets, seal_png)

    return make


@pytest.fixture(scope="session")
def letter(make_letter: Callable[..., LetterDocument]) -> LetterDocument:
    return make_letter()


@pytest.fixture(scope="session")
def rendered(letter: LetterDocument) -> RenderedLetter:
    return render_letter_pdf(letter)


def sign(rendered: RenderedLetter, pki: SealPki) -> bytes:
    """Give back ``rendered`` signed with the test seal certificate."""
    return sign_pdf(
        rendered.pdf,
        key=pki.key,
        certificate=pki.cert,
        chain=(pki.ca_cert,),
        field_rect=rendered.seal_rect.box,
        page_index=rendered.seal_rect.page_index,
        appearance_png=rendered.seal_png,
        signer_name="BYD Auto Industry Co., Ltd.",
        reason="售后服务确认 / After-sales service confirmation",
        location="Shenzhen",
    )


@pytest.fixture(scope="session")
def signed_pdf(rendered: RenderedLetter, pki: SealPki) -> bytes:
    return sign(rendered, pki)
