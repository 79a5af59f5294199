"""Fixtures for the letter and signature tests: a test CA, a QR code, sample letters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.letters.document.content import LetterDocument
from portal.letters.document.pdf import RenderedLetter, render_letter_pdf
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


# --- Issuing letters through the Portal (database, keys, storage) ---------------------------

import pytest as _pytest  # noqa: E402

from portal.accounts.roles import OrgKind as _OrgKind  # noqa: E402
from portal.accounts.roles import Role as _Role  # noqa: E402
from portal.letters.lifecycle.issuance import IssuanceContext  # noqa: E402
from portal.letters.lifecycle.orders import LetterOrder  # noqa: E402
from portal.signing import parse_master_key  # noqa: E402
from portal.storage import FileStorage  # noqa: E402
from tests.letters.key_world import make_key_world  # noqa: E402


class Issuing:
    """A manufacturer with outlets in Germany, an issuer, and orders ready to issue."""

    def __init__(self, app, make, tmp_path):
        self.app = app
        self.make = make
        self.manufacturer = make.organisation(_OrgKind.MANUFACTURER)
        self.brand = self.manufacturer.brands[0]
        self.outlets = [make.outlet(self.manufacturer, country="DE") for _ in range(3)]
        self.exporter = make.organisation(_OrgKind.EXPORTER)
        self.issuer = make.user(_Role.MANUFACTURER_ISSUER, org=self.manufacturer)
        self.store = FileStorage(app.config["STORAGE_DIR"])

    @property
    def master_key(self) -> bytes:
        return parse_master_key(self.app.config["MASTER_KEY"])

    def order(self, **fields) -> LetterOrder:
        return self.make.letter_order(self.manufacturer, exporter=self.exporter, **fields)

    def context(self, **fields) -> IssuanceContext:
        values = {
            "master_key": parse_master_key(self.app.config["MASTER_KEY"]),
            "base_url": "https://portal.example.cn",
            "store": self.store,
            "actor": self.issuer,
        }
        values.update(fields)
        if "now" in fields:
            # A letter of the past was sealed by a key that existed then.
            self.make.keys_since(self.manufacturer, fields["now"], values["master_key"])
        return IssuanceContext(**values)

    def stored_files(self) -> list:
        return sorted(p for p in self.store.root.rglob("*.pdf")) if self.store.root.exists() else []


@_pytest.fixture
def issuing(app, make, tmp_path) -> Issuing:
    return Issuing(app, make, tmp_path)


@_pytest.fixture
def key_world(issuing, session):
    """Returns letters and every kind of stored key, sealed under the configured master key."""
    return make_key_world(issuing, session)
