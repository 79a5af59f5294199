"""QR codes for verification URLs: error correction M, alphanumeric mode, bounded version.

The data is handed to the encoder as one alphanumeric segment, so an URL that strays outside
the alphanumeric set fails loudly here instead of silently doubling in size in byte mode.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
from qrcode.image.pil import PilImage
from qrcode.util import MODE_ALPHA_NUM, QRData

from portal.signing.errors import QrTooLarge
from portal.signing.token import QR_ALPHANUMERIC

# Version 12 at level M is 65 x 65 modules: at the 30 mm a letter gives the code, a module
# is 0.46 mm, which phone cameras still read from paper and from photocopies.
DEFAULT_MAX_VERSION = 12
DEFAULT_BOX_SIZE = 8
DEFAULT_BORDER = 4
FIXED_MASK = 0


@dataclass(frozen=True)
class QrImage:
    """A rendered QR code: PNG bytes, its version and its width in modules (no border)."""

    png: bytes
    version: int
    modules: int


def qr_version(url: str, *, max_version: int = DEFAULT_MAX_VERSION) -> int:
    """Return the smallest QR version holding ``url`` at level M; QrTooLarge above the max."""
    return _fitted(url, max_version).version


def qr_png(
    url: str,
    *,
    box_size: int = DEFAULT_BOX_SIZE,
    border: int = DEFAULT_BORDER,
    max_version: int = DEFAULT_MAX_VERSION,
) -> QrImage:
    """Return the QR code of ``url`` as a PNG, with its version and size in modules."""
    code = _fitted(url, max_version, box_size=box_size, border=border)
    code.make(fit=False)
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return QrImage(png=buffer.getvalue(), version=code.version, modules=code.modules_count)


def qr_matrix(url: str, *, max_version: int = DEFAULT_MAX_VERSION) -> tuple[tuple[bool, ...], ...]:
    """Return the QR code's modules (True is dark), without border, for vector drawing."""
    code = _fitted(url, max_version, border=0)
    code.make(fit=False)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def _fitted(url: str, max_version: int, *, box_size: int = 1, border: int = 0) -> qrcode.QRCode:
    if not url or not set(url) <= QR_ALPHANUMERIC:
        raise ValueError("the URL must be upper case, within the QR alphanumeric set")
    # A fixed mask instead of the encoder's penalty search over all eight: a token is a
    # signature-heavy, effectively random bit stream, for which the masks score alike
    # (measured on 60 random letter tokens, version 11: mask 0 is a median 10% and at most
    # 29% above the best mask's penalty; even the worst mask is only 16% above). The search
    # cost 40 of the code's 60 ms, which a batch of 1,000 letters pays 1,000 times. Every
    # letter's code is read back from a rendering in the tests.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=border,
        mask_pattern=FIXED_MASK,
    )
    code.add_data(QRData(url.encode("ascii"), mode=MODE_ALPHA_NUM))
    try:
        version = code.best_fit()
    # Past version 40 qrcode raises either error, depending on where its search stops;
    # 41 stands for "more than any QR code holds".
    except (qrcode.exceptions.DataOverflowError, ValueError):
        raise QrTooLarge(41, max_version) from None
    if version > max_version:
        raise QrTooLarge(version, max_version)
    return code
