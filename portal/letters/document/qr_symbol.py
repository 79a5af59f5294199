"""The verification QR code as a flowable whose symbol, not its PNG, has the asked width.

A QR PNG carries a white quiet zone (four modules wide by the standard) around the symbol.
The letter sizes the symbol itself, and lets the quiet zone on the top and right fall into the
white page margin so that it costs no room in the letterhead.
"""

from __future__ import annotations

import io

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable

__all__ = ["QRSymbol"]

_QUIET_MODULES = 4
_FINDER_MODULES = 7  # a finder pattern's outer square is seven modules wide


class QRSymbol(Flowable):
    """Draws a QR code PNG so that the symbol is ``size`` points wide, flush right.

    The flowable takes the whole available width; the space left of and below the symbol
    is its quiet zone, the top and right ones are expected in the page margins.
    """

    def __init__(self, png: bytes, size: float):
        super().__init__()
        symbol, modules = _symbol(png)
        # reportlab turns anything but greyscale into RGB: three times the bytes to compress.
        self.image = ImageReader(symbol)
        self.size = size
        self.quiet = _QUIET_MODULES * size / modules

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Give back the available width and the symbol's height with its lower quiet zone."""
        self.width = max(avail_width, self.size + self.quiet)
        self.height = self.size + self.quiet
        return self.width, self.height

    def draw(self) -> None:
        """Give back nothing; draw the symbol at the right edge, above its quiet zone."""
        x = self.width - self.size
        self.canv.drawImage(self.image, x, self.quiet, self.size, self.size)


def _symbol(png: bytes) -> tuple[Image.Image, int]:
    """Give back the PNG cropped to its dark modules, in greyscale, and its width in modules."""
    with Image.open(io.BytesIO(png)) as image:
        grey = image.convert("L")
    dark = grey.point(lambda v: 255 if v < 128 else 0)
    box = dark.getbbox()
    if box is None:
        raise ValueError("the QR code image is blank")
    symbol = grey.crop(box)
    return symbol, _module_count(dark.crop(box))


def _module_count(dark: Image.Image) -> int:
    """Give back the symbol's width in modules, read from its top-left finder pattern."""
    row = dark.crop((0, 0, dark.width, 1)).tobytes()
    run = len(row) - len(row.lstrip(b"\xff"))
    modules = round(dark.width * _FINDER_MODULES / run) if run else 0
    # Versions 1 to 40 are 21 to 177 modules wide, four more per version.
    if modules < 21 or modules > 177:
        raise ValueError("the QR code image has no readable finder pattern")
    return modules
